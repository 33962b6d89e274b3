// SPDX-License-Identifier: MIT
/*
 * Firmware image builder (see fw_build.h). Layout: header, section table
 * right after it, then the SCHED, LUT and NOTE payloads, each 8-byte
 * aligned with zero padding. The output depends only on the source and
 * build_time, so builds are reproducible.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_build.h"
#include "snpu_fwimage.h"
#include "snpu_le.h"

#define HDR_FIELD(f)	offsetof(struct snpu_fw_header, f)
#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int build_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint32_t f32_bits(double v)
{
	float f = (float)v;
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

void snpu_fw_update_crc(uint8_t *img, size_t len)
{
	snpu_put_le32(img + HDR_FIELD(crc32), 0);
	snpu_put_le32(img + HDR_FIELD(crc32), snpu_crc32(0, img, len));
}

void snpu_fw_seal(uint8_t *img, size_t len)
{
	snpu_sha256(img + sizeof(struct snpu_fw_header), len - sizeof(struct snpu_fw_header),
		    img + HDR_FIELD(sha256));
	snpu_fw_update_crc(img, len);
}

static int check_src(const struct snpu_fw_src *src, char *msg, size_t msglen)
{
	unsigned int i, j;

	if (!src->name || strlen(src->name) >= 32)
		return build_fail(msg, msglen, "source: name must be 1..31 bytes");
	if (2 + src->num_luts > SNPU_FW_MAX_SECTIONS)
		return build_fail(msg, msglen, "source: %u LUTs is too many", src->num_luts);
	for (i = 0; i < src->num_luts; i++) {
		const struct snpu_fw_lut_src *l = &src->luts[i];

		if ((uint32_t)l->fn >= SNPU_LUT_COUNT || !l->f)
			return build_fail(msg, msglen, "source: LUT %u has unknown fn %u", i,
					  (uint32_t)l->fn);

		if (l->num_samples < 2 || l->num_samples > SNPU_FW_LUT_MAX_SAMPLES)
			return build_fail(msg, msglen, "source: LUT %s has %u samples",
					  snpu_fw_lut_name(l->fn),
					  l->num_samples);
		for (j = 0; j < i; j++)
			if (src->luts[j].fn == l->fn)
				return build_fail(msg, msglen, "source: LUT %s defined twice",
						  snpu_fw_lut_name(l->fn));
	}
	return 0;
}

static void put_lut(uint8_t *s, const struct snpu_fw_lut_src *l)
{
	uint32_t n = l->num_samples;
	uint32_t i;

	snpu_put_le32(s + offsetof(struct snpu_fw_lut, fn), (uint32_t)l->fn);
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, num_samples), n);
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, x_min), f32_bits(l->x_min));
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, x_max), f32_bits(l->x_max));
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, left), f32_bits(l->f(l->x_min)));
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, left_slope), f32_bits(l->left_slope));
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, right), f32_bits(l->f(l->x_max)));
	snpu_put_le32(s + offsetof(struct snpu_fw_lut, right_slope), f32_bits(l->right_slope));
	for (i = 0; i < n; i++) {
		double x = l->x_min + (double)i * (l->x_max - l->x_min) / (double)(n - 1);

		snpu_put_le32(s + sizeof(struct snpu_fw_lut) + 4 * i, f32_bits(l->f(x)));
	}
}

static void put_sched(uint8_t *s, const struct snpu_fw_src *src)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		snpu_put_le32(s + offsetof(struct snpu_fw_sched, queue_weight) + 4 * i,
			      src->queue_weight[i]);
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, timeslice_cmds), src->timeslice_cmds);
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, wait_timeout_us), src->wait_timeout_us);
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, max_job_cmds), src->max_job_cmds);
}

static void put_section(uint8_t *img, unsigned int idx, uint32_t type, size_t off, size_t size)
{
	uint8_t *e = img + sizeof(struct snpu_fw_header) + idx * sizeof(struct snpu_fw_section);

	snpu_put_le32(e + offsetof(struct snpu_fw_section, type), type);
	snpu_put_le32(e + offsetof(struct snpu_fw_section, offset), (uint32_t)off);
	snpu_put_le32(e + offsetof(struct snpu_fw_section, size), (uint32_t)size);
	snpu_put_le32(e + offsetof(struct snpu_fw_section, flags), 0);
}

int snpu_fw_build(const struct snpu_fw_src *src, uint32_t build_time, uint8_t **out,
		  size_t *out_len, char *msg, size_t msglen)
{
	unsigned int nsec = 1 + src->num_luts + (src->note ? 1 : 0), i, idx = 0;
	size_t note_len = src->note ? strlen(src->note) + 1 : 0;
	size_t len, off;
	enum snpu_fw_err err;
	char perr[256];
	uint8_t *img;

	if (check_src(src, msg, msglen))
		return -1;
	len = ALIGN8(sizeof(struct snpu_fw_header) + nsec * sizeof(struct snpu_fw_section));
	len += ALIGN8(sizeof(struct snpu_fw_sched));
	for (i = 0; i < src->num_luts; i++)
		len += ALIGN8(sizeof(struct snpu_fw_lut) + 4 * (size_t)src->luts[i].num_samples);
	len += ALIGN8(note_len);
	if (len > SNPU_FW_MAX_SIZE)
		return build_fail(msg, msglen, "image would be %zu bytes, maximum is %u", len,
				  SNPU_FW_MAX_SIZE);
	img = calloc(1, len);
	if (!img)
		return build_fail(msg, msglen, "out of memory for a %zu-byte image", len);

	snpu_put_le32(img + HDR_FIELD(magic), SNPU_FW_MAGIC);
	snpu_put_le16(img + HDR_FIELD(header_version), SNPU_FW_HEADER_VERSION);
	snpu_put_le16(img + HDR_FIELD(header_size), sizeof(struct snpu_fw_header));
	snpu_put_le32(img + HDR_FIELD(image_size), (uint32_t)len);
	snpu_put_le32(img + HDR_FIELD(fw_version), src->fw_version);
	snpu_put_le16(img + HDR_FIELD(api_major), SNPU_FW_API_MAJOR);
	snpu_put_le16(img + HDR_FIELD(api_minor), SNPU_FW_API_MINOR);
	snpu_put_le32(img + HDR_FIELD(caps), src->caps);
	snpu_put_le32(img + HDR_FIELD(num_sections), nsec);
	snpu_put_le32(img + HDR_FIELD(section_offset), sizeof(struct snpu_fw_header));
	snpu_put_le32(img + HDR_FIELD(build_time), build_time);
	memcpy(img + HDR_FIELD(name), src->name, strlen(src->name));

	off = ALIGN8(sizeof(struct snpu_fw_header) + nsec * sizeof(struct snpu_fw_section));
	put_section(img, idx++, SNPU_FW_SEC_SCHED, off, sizeof(struct snpu_fw_sched));
	put_sched(img + off, src);
	off += ALIGN8(sizeof(struct snpu_fw_sched));
	for (i = 0; i < src->num_luts; i++) {
		size_t size = sizeof(struct snpu_fw_lut) + 4 * (size_t)src->luts[i].num_samples;

		put_section(img, idx++, SNPU_FW_SEC_LUT, off, size);
		put_lut(img + off, &src->luts[i]);
		off += ALIGN8(size);
	}
	if (src->note) {
		put_section(img, idx++, SNPU_FW_SEC_NOTE, off, note_len);
		memcpy(img + off, src->note, note_len);
	}
	snpu_fw_seal(img, len);

	err = snpu_fw_parse(img, len, NULL, perr, sizeof(perr));
	if (err) {
		free(img);
		return build_fail(msg, msglen, "built image does not verify: %s: %s",
				  snpu_fw_strerror(err), perr);
	}
	*out = img;
	*out_len = len;
	return 0;
}
