/* SPDX-License-Identifier: MIT */
/*
 * The one userspace parser and verifier of SNPU firmware images
 * (uapi/snpu_fw.h). Used by the device core (boot handshake), the firmware
 * tool (snpu-fwtool) and the fuzz targets; works on a byte buffer only.
 * The kernel driver does the same checks with the kernel's crc32/sha256.
 */
#ifndef SNPU_FWIMAGE_H
#define SNPU_FWIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "snpu_fw.h"
#include "snpu_regs.h"

struct snpu_fw_info {
	uint32_t fw_version;
	uint16_t api_major, api_minor;
	uint32_t caps;
	uint32_t image_size;
	uint32_t num_sections;
	char name[33];
	/* Pointers into the caller's buffer (valid while it lives). */
	const struct snpu_fw_sched *sched;
	const struct snpu_fw_lut *lut[SNPU_LUT_COUNT];	/* NULL if absent */
	const uint32_t *lut_samples[SNPU_LUT_COUNT];
};

/* Parse and verify img[0..len). Returns SNPU_FW_OK and fills info, or an
 * enum snpu_fw_err with a message naming the bad field in msg. Checks:
 * size, magic, header version/size, reserved fields, section table bounds
 * and alignment, CRC-32, SHA-256, API major == SNPU_FW_API_MAJOR, every
 * section's contents. Never reads outside img[0..len). */
enum snpu_fw_err snpu_fw_parse(const void *img, size_t len, struct snpu_fw_info *info,
			       char *msg, size_t msglen);

const char *snpu_fw_strerror(enum snpu_fw_err err);

/* Short lower-case names for tools: SNPU_CAP_* bit number (0..31) and
 * enum snpu_lut_fn; NULL for an unknown one. */
const char *snpu_fw_cap_name(unsigned int bit);
const char *snpu_fw_lut_name(uint32_t fn);

/* Primitives, shared with the image builder. */
uint32_t snpu_crc32(uint32_t crc, const void *buf, size_t len);	/* zlib-compatible */
void snpu_sha256(const void *buf, size_t len, uint8_t out[32]);

#endif /* SNPU_FWIMAGE_H */
