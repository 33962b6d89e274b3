// SPDX-License-Identifier: MIT
/*
 * The one userspace parser and verifier of SNPU firmware images; see
 * snpu_fwimage.h for the contract and uapi/snpu_fw.h for the format.
 *
 * Every field is read with explicit little-endian loads from bounds-checked
 * offsets, and every offset + size sum is done in 64 bits, so no input can
 * make the parser read outside img[0..len).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "snpu_fwimage.h"
#include "snpu_le.h"

#define HDR_SIZE	sizeof(struct snpu_fw_header)
#define SEC_SIZE	sizeof(struct snpu_fw_section)
#define HDR_FIELD(f)	offsetof(struct snpu_fw_header, f)
/* Same range as SNPU_QREG_PRIORITY. */
#define SNPU_FW_MAX_WEIGHT 15u

static const char *const sec_type_name[] = {
	[SNPU_FW_SEC_SCHED] = "SCHED",
	[SNPU_FW_SEC_LUT] = "LUT",
	[SNPU_FW_SEC_NOTE] = "NOTE",
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static enum snpu_fw_err fail(enum snpu_fw_err err, char *msg, size_t msglen,
			     const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int f32_finite(uint32_t bits, float *out)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	if (out)
		*out = f;
	return isfinite(f);
}

static enum snpu_fw_err check_header(const uint8_t *p, size_t len, char *msg, size_t msglen)
{
	uint32_t v;
	unsigned int i;

	if (len < HDR_SIZE)
		return fail(SNPU_FW_ERR_SIZE, msg, msglen,
			    "image is %zu bytes, smaller than the %zu-byte header", len, HDR_SIZE);
	if (len > SNPU_FW_MAX_SIZE)
		return fail(SNPU_FW_ERR_SIZE, msg, msglen,
			    "image is %zu bytes, larger than the %u-byte maximum", len,
			    SNPU_FW_MAX_SIZE);
	v = snpu_get_le32(p + HDR_FIELD(magic));
	if (v != SNPU_FW_MAGIC)
		return fail(SNPU_FW_ERR_MAGIC, msg, msglen,
			    "magic is 0x%08x, expected 0x%08x (\"SNFW\")", v, SNPU_FW_MAGIC);
	v = snpu_get_le16(p + HDR_FIELD(header_version));
	if (v != SNPU_FW_HEADER_VERSION)
		return fail(SNPU_FW_ERR_HEADER, msg, msglen,
			    "header_version is %u, expected %u", v, SNPU_FW_HEADER_VERSION);
	v = snpu_get_le16(p + HDR_FIELD(header_size));
	if (v != HDR_SIZE)
		return fail(SNPU_FW_ERR_HEADER, msg, msglen,
			    "header_size is %u, expected %zu", v, HDR_SIZE);
	v = snpu_get_le32(p + HDR_FIELD(image_size));
	if (v != len)
		return fail(SNPU_FW_ERR_SIZE, msg, msglen,
			    "image_size is %u but the image is %zu bytes", v, len);
	for (i = 0; i < 6; i++) {
		v = snpu_get_le32(p + HDR_FIELD(reserved) + 4 * i);
		if (v)
			return fail(SNPU_FW_ERR_HEADER, msg, msglen,
				    "reserved[%u] is 0x%08x, must be zero", i, v);
	}
	if (!memchr(p + HDR_FIELD(name), 0, sizeof(((struct snpu_fw_header *)0)->name)))
		return fail(SNPU_FW_ERR_HEADER, msg, msglen, "name is not NUL-terminated");
	return SNPU_FW_OK;
}

static enum snpu_fw_err check_table(const uint8_t *p, size_t len, char *msg, size_t msglen)
{
	uint32_t n = snpu_get_le32(p + HDR_FIELD(num_sections));
	uint32_t off = snpu_get_le32(p + HDR_FIELD(section_offset));

	if (n == 0 || n > SNPU_FW_MAX_SECTIONS)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "num_sections is %u, must be 1..%u", n, SNPU_FW_MAX_SECTIONS);
	if (off % 8)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section_offset 0x%x is not 8-byte aligned", off);
	if (off < HDR_SIZE)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section_offset 0x%x overlaps the header", off);
	if ((uint64_t)off + (uint64_t)n * SEC_SIZE > len)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section table at 0x%x with %u entries ends past the image end (%zu bytes)",
			    off, n, len);
	return SNPU_FW_OK;
}

static enum snpu_fw_err check_integrity(const uint8_t *p, size_t len, char *msg, size_t msglen)
{
	static const uint8_t zero[4];
	uint32_t stored = snpu_get_le32(p + HDR_FIELD(crc32));
	uint32_t crc;
	uint8_t digest[32];

	crc = snpu_crc32(0, p, HDR_FIELD(crc32));
	crc = snpu_crc32(crc, zero, sizeof(zero));
	crc = snpu_crc32(crc, p + HDR_FIELD(crc32) + 4, len - HDR_FIELD(crc32) - 4);
	if (crc != stored)
		return fail(SNPU_FW_ERR_CRC, msg, msglen,
			    "crc32 is 0x%08x, the image's CRC-32 is 0x%08x", stored, crc);
	snpu_sha256(p + HDR_SIZE, len - HDR_SIZE, digest);
	if (memcmp(digest, p + HDR_FIELD(sha256), sizeof(digest)))
		return fail(SNPU_FW_ERR_DIGEST, msg, msglen,
			    "sha256 does not match the SHA-256 of bytes [%zu, %zu)", HDR_SIZE, len);
	return SNPU_FW_OK;
}

static enum snpu_fw_err check_sched(const uint8_t *s, uint32_t size, struct snpu_fw_info *info,
				    char *msg, size_t msglen)
{
	const size_t base = offsetof(struct snpu_fw_sched, reserved);
	uint32_t v;
	unsigned int i;

	if (size != sizeof(struct snpu_fw_sched))
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "SCHED section size is %u, expected %zu", size,
			    sizeof(struct snpu_fw_sched));
	for (i = 0; i < 5; i++) {
		v = snpu_get_le32(s + base + 4 * i);
		if (v)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "SCHED reserved[%u] is 0x%08x, must be zero", i, v);
	}
	for (i = 0; i < 16; i++) {
		v = snpu_get_le32(s + offsetof(struct snpu_fw_sched, queue_weight) + 4 * i);
		if (v < 1 || v > SNPU_FW_MAX_WEIGHT)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "SCHED queue_weight[%u] is %u, must be 1..%u", i, v,
				    SNPU_FW_MAX_WEIGHT);
	}
	v = snpu_get_le32(s + offsetof(struct snpu_fw_sched, timeslice_cmds));
	if (v == 0)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen, "SCHED timeslice_cmds is 0");
	v = snpu_get_le32(s + offsetof(struct snpu_fw_sched, wait_timeout_us));
	if (v == 0)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen, "SCHED wait_timeout_us is 0");
	v = snpu_get_le32(s + offsetof(struct snpu_fw_sched, max_job_cmds));
	if (v == 0)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen, "SCHED max_job_cmds is 0");
	if (info)
		info->sched = (const struct snpu_fw_sched *)(const void *)s;
	return SNPU_FW_OK;
}

static enum snpu_fw_err check_lut(const uint8_t *s, uint32_t size, unsigned int idx,
				  struct snpu_fw_info *info, const uint8_t **seen,
				  char *msg, size_t msglen)
{
	static const char *const fields[] = {
		"x_min", "x_max", "left", "left_slope", "right", "right_slope",
	};
	const size_t hsz = sizeof(struct snpu_fw_lut);
	uint32_t fn, n, v;
	float x_min, x_max;
	unsigned int i;

	if (size < hsz)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: LUT size %u is smaller than its %zu-byte header",
			    idx, size, hsz);
	fn = snpu_get_le32(s + offsetof(struct snpu_fw_lut, fn));
	n = snpu_get_le32(s + offsetof(struct snpu_fw_lut, num_samples));
	if (fn >= SNPU_LUT_COUNT)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: LUT fn %u is unknown (must be < %u)", idx, fn,
			    SNPU_LUT_COUNT);
	if (seen[fn])
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: duplicate LUT for fn %u", idx, fn);
	if (n < 2 || n > SNPU_FW_LUT_MAX_SAMPLES)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: LUT fn %u num_samples is %u, must be 2..%u", idx, fn, n,
			    SNPU_FW_LUT_MAX_SAMPLES);
	if (size != hsz + 4ull * n)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: LUT fn %u size is %u, expected %llu for %u samples",
			    idx, fn, size, (unsigned long long)(hsz + 4ull * n), n);
	for (i = 0; i < 6; i++) {
		v = snpu_get_le32(s + offsetof(struct snpu_fw_lut, x_min) + 4 * i);
		if (!f32_finite(v, NULL))
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u: LUT fn %u %s is not finite (0x%08x)", idx, fn,
				    fields[i], v);
	}
	f32_finite(snpu_get_le32(s + offsetof(struct snpu_fw_lut, x_min)), &x_min);
	f32_finite(snpu_get_le32(s + offsetof(struct snpu_fw_lut, x_max)), &x_max);
	if (!(x_min < x_max))
		return fail(SNPU_FW_ERR_SECTION, msg, msglen,
			    "section %u: LUT fn %u x_min %g is not below x_max %g", idx, fn,
			    (double)x_min, (double)x_max);
	for (i = 0; i < n; i++) {
		v = snpu_get_le32(s + hsz + 4 * i);
		if (!f32_finite(v, NULL))
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u: LUT fn %u samples[%u] is not finite (0x%08x)",
				    idx, fn, i, v);
	}
	seen[fn] = s;
	if (info) {
		info->lut[fn] = (const struct snpu_fw_lut *)(const void *)s;
		info->lut_samples[fn] = (const uint32_t *)(const void *)(s + hsz);
	}
	return SNPU_FW_OK;
}

static enum snpu_fw_err check_sections(const uint8_t *p, size_t len, struct snpu_fw_info *info,
				       char *msg, size_t msglen)
{
	uint32_t n = snpu_get_le32(p + HDR_FIELD(num_sections));
	uint32_t toff = snpu_get_le32(p + HDR_FIELD(section_offset));
	uint64_t tend = (uint64_t)toff + (uint64_t)n * SEC_SIZE;
	const uint8_t *seen[SNPU_LUT_COUNT] = { 0 };
	unsigned int i, j, nsched = 0;
	enum snpu_fw_err err;

	for (i = 0; i < n; i++) {
		const uint8_t *e = p + toff + (size_t)i * SEC_SIZE;
		uint32_t type = snpu_get_le32(e + offsetof(struct snpu_fw_section, type));
		uint32_t off = snpu_get_le32(e + offsetof(struct snpu_fw_section, offset));
		uint32_t size = snpu_get_le32(e + offsetof(struct snpu_fw_section, size));
		uint32_t flags = snpu_get_le32(e + offsetof(struct snpu_fw_section, flags));
		uint64_t end = (uint64_t)off + size;

		if (type < SNPU_FW_SEC_SCHED || type > SNPU_FW_SEC_NOTE)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u: type %u is unknown", i, type);
		if (flags)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u (%s): flags is 0x%x, must be zero", i,
				    sec_type_name[type], flags);
		if (off % 8)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u (%s): offset 0x%x is not 8-byte aligned", i,
				    sec_type_name[type], off);
		if (size == 0)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u (%s): size is 0", i, sec_type_name[type]);
		if (off < HDR_SIZE || end > len)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u (%s): [0x%x, 0x%llx) is outside the image payload [0x%zx, 0x%zx)",
				    i, sec_type_name[type], off, (unsigned long long)end,
				    HDR_SIZE, len);
		if (off < tend && end > toff)
			return fail(SNPU_FW_ERR_SECTION, msg, msglen,
				    "section %u (%s): [0x%x, 0x%llx) overlaps the section table [0x%x, 0x%llx)",
				    i, sec_type_name[type], off, (unsigned long long)end, toff,
				    (unsigned long long)tend);
		for (j = 0; j < i; j++) {
			const uint8_t *o = p + toff + (size_t)j * SEC_SIZE;
			uint32_t ooff = snpu_get_le32(o + offsetof(struct snpu_fw_section, offset));
			uint64_t oend = ooff +
				(uint64_t)snpu_get_le32(o + offsetof(struct snpu_fw_section, size));

			if (off < oend && end > ooff)
				return fail(SNPU_FW_ERR_SECTION, msg, msglen,
					    "section %u: [0x%x, 0x%llx) overlaps section %u [0x%x, 0x%llx)",
					    i, off, (unsigned long long)end, j, ooff,
					    (unsigned long long)oend);
		}
		switch (type) {
		case SNPU_FW_SEC_SCHED:
			if (++nsched > 1)
				return fail(SNPU_FW_ERR_SECTION, msg, msglen,
					    "section %u: second SCHED section (exactly one allowed)", i);
			err = check_sched(p + off, size, info, msg, msglen);
			break;
		case SNPU_FW_SEC_LUT:
			err = check_lut(p + off, size, i, info, seen, msg, msglen);
			break;
		default:	/* NOTE: free text */
			err = SNPU_FW_OK;
			break;
		}
		if (err)
			return err;
	}
	if (nsched != 1)
		return fail(SNPU_FW_ERR_SECTION, msg, msglen, "no SCHED section (exactly one required)");
	return SNPU_FW_OK;
}

enum snpu_fw_err snpu_fw_parse(const void *img, size_t len, struct snpu_fw_info *info,
			       char *msg, size_t msglen)
{
	const uint8_t *p = img;
	enum snpu_fw_err err;
	uint32_t api;

	if (msg && msglen)
		msg[0] = 0;
	if (info)
		memset(info, 0, sizeof(*info));
	if (!p)
		return fail(SNPU_FW_ERR_SIZE, msg, msglen, "no image (NULL buffer)");
	err = check_header(p, len, msg, msglen);
	if (!err)
		err = check_table(p, len, msg, msglen);
	if (!err)
		err = check_integrity(p, len, msg, msglen);
	if (err)
		return err;
	api = snpu_get_le16(p + HDR_FIELD(api_major));
	if (api != SNPU_FW_API_MAJOR)
		return fail(SNPU_FW_ERR_API, msg, msglen,
			    "api_major is %u, this device/driver implements API %u", api,
			    SNPU_FW_API_MAJOR);
	err = check_sections(p, len, info, msg, msglen);
	if (err) {
		if (info)
			memset(info, 0, sizeof(*info));
		return err;
	}
	if (info) {
		info->fw_version = snpu_get_le32(p + HDR_FIELD(fw_version));
		info->api_major = (uint16_t)api;
		info->api_minor = snpu_get_le16(p + HDR_FIELD(api_minor));
		info->caps = snpu_get_le32(p + HDR_FIELD(caps));
		info->image_size = (uint32_t)len;
		info->num_sections = snpu_get_le32(p + HDR_FIELD(num_sections));
		memcpy(info->name, p + HDR_FIELD(name), 32);
		info->name[32] = 0;
	}
	return SNPU_FW_OK;
}

const char *snpu_fw_strerror(enum snpu_fw_err err)
{
	switch (err) {
	case SNPU_FW_OK:
		return "firmware image is valid";
	case SNPU_FW_ERR_SIZE:
		return "firmware image size is wrong (too small, too large or not image_size)";
	case SNPU_FW_ERR_DMA:
		return "firmware image could not be read over DMA";
	case SNPU_FW_ERR_MAGIC:
		return "not a firmware image (bad magic)";
	case SNPU_FW_ERR_HEADER:
		return "firmware header is bad (version, size, reserved field or name)";
	case SNPU_FW_ERR_CRC:
		return "firmware CRC-32 mismatch";
	case SNPU_FW_ERR_DIGEST:
		return "firmware SHA-256 digest mismatch";
	case SNPU_FW_ERR_API:
		return "firmware API major version is not supported";
	case SNPU_FW_ERR_SECTION:
		return "firmware section table or a section is bad";
	case SNPU_FW_ERR_STATE:
		return "firmware boot requested while loading or running";
	}
	return "unknown firmware error";
}

const char *snpu_fw_cap_name(unsigned int bit)
{
	static const char *const names[] = {
		"fp32", "fp16", "int8", "mmu", "sram", "conv", "gemm", "pool",
		"eltwise", "act_lut", "softmax", "move", "convert", "fence", "profile",
		"timing",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}

const char *snpu_fw_lut_name(uint32_t fn)
{
	static const char *const names[SNPU_LUT_COUNT] = {
		[SNPU_LUT_SIGMOID] = "sigmoid",
		[SNPU_LUT_TANH] = "tanh",
		[SNPU_LUT_GELU] = "gelu",
		[SNPU_LUT_EXP] = "exp",
		[SNPU_LUT_SILU] = "silu",
	};

	return fn < SNPU_LUT_COUNT ? names[fn] : NULL;
}
