/* SPDX-License-Identifier: MIT */
/*
 * Little-endian loads and stores on unaligned bytes: the firmware image is
 * little endian (uapi/snpu_fw.h) whatever the host is, and a caller's buffer
 * may have any alignment. Shared by the parser and the image builder.
 */
#ifndef SNPU_LE_H
#define SNPU_LE_H

#include <stdint.h>

static inline uint16_t snpu_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t snpu_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void snpu_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void snpu_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif /* SNPU_LE_H */
