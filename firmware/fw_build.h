/* SPDX-License-Identifier: MIT */
/*
 * Firmware image builder: serializes a struct snpu_fw_src into the image
 * format of uapi/snpu_fw.h and seals it (SHA-256 digest, then CRC-32).
 */
#ifndef SNPU_FW_BUILD_H
#define SNPU_FW_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "fw_source.h"

/* Build the image of src with the given build_time. On success returns 0
 * and a malloc()ed image in *out (caller frees) of *out_len bytes; the
 * image has passed snpu_fw_parse(). On failure returns -1 with a message. */
int snpu_fw_build(const struct snpu_fw_src *src, uint32_t build_time, uint8_t **out,
		  size_t *out_len, char *msg, size_t msglen);

/* Recompute the header's sha256 and crc32 fields of img[0..len)
 * (len >= the header size). */
void snpu_fw_seal(uint8_t *img, size_t len);

/* Recompute only the crc32 field (leaves a stale digest in place). */
void snpu_fw_update_crc(uint8_t *img, size_t len);

#endif /* SNPU_FW_BUILD_H */
