// SPDX-License-Identifier: MIT
/*
 * Firmware image tests: the built image verifies, CRC-32 and SHA-256 match
 * published vectors, every parser error path returns its enum snpu_fw_err
 * with a message naming the field, every single-byte flip of the image is
 * rejected, and the activation tables meet their documented accuracy.
 * Runs under ASan+UBSan.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_build.h"
#include "fw_source.h"
#include "snpu_fwimage.h"
#include "snpu_le.h"

#define HDR(f)	offsetof(struct snpu_fw_header, f)
#define HSZ	sizeof(struct snpu_fw_header)

static uint8_t *img;
static size_t img_len;
static char msg[512];

static void setup(void)
{
	char err[256];

	ck_assert_msg(snpu_fw_build(&snpu_fw_source, 0, &img, &img_len, err, sizeof(err)) == 0,
		      "build failed: %s", err);
}

static void teardown(void)
{
	free(img);
	img = NULL;
}

static enum snpu_fw_err parse(void)
{
	return snpu_fw_parse(img, img_len, NULL, msg, sizeof(msg));
}

/* Assert parse() returns err and that the message contains needle. */
#define EXPECT(err, needle) do {						\
	enum snpu_fw_err got_ = parse();					\
	ck_assert_msg(got_ == (err), "expected %d, got %d (%s)", (int)(err),	\
		      (int)got_, msg);						\
	ck_assert_msg(strstr(msg, needle), "message '%s' lacks '%s'", msg, needle); \
} while (0)

/* Byte offset of section i's table entry and of its payload. */
static uint8_t *sec_entry(unsigned int i)
{
	return img + snpu_get_le32(img + HDR(section_offset)) + i * sizeof(struct snpu_fw_section);
}

static uint8_t *sec_payload(unsigned int i)
{
	return img + snpu_get_le32(sec_entry(i) + offsetof(struct snpu_fw_section, offset));
}

static void set_sec(unsigned int i, size_t field, uint32_t v)
{
	snpu_put_le32(sec_entry(i) + field, v);
	snpu_fw_seal(img, img_len);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- the built image ---------------------------------------------------- */

START_TEST(built_image_verifies)
{
	struct snpu_fw_info info;
	uint8_t *file, *again;
	size_t len, again_len;
	char err[256];
	unsigned int fn, q;

	file = read_whole(SNPU_TEST_FW_IMAGE, &len);
	ck_assert_int_eq(snpu_fw_parse(file, len, &info, msg, sizeof(msg)), SNPU_FW_OK);
	ck_assert_str_eq(msg, "");
	ck_assert_uint_eq(info.fw_version, SNPU_FW_VERSION(1, 0, 0));
	ck_assert_uint_eq(info.api_major, SNPU_FW_API_MAJOR);
	ck_assert_uint_eq(info.api_minor, SNPU_FW_API_MINOR);
	ck_assert_uint_eq(info.caps, SNPU_CAP_ALL);
	ck_assert_uint_eq(info.image_size, len);
	ck_assert_uint_eq(info.num_sections, 7);
	ck_assert_str_eq(info.name, "snpu-fw 1.0.0");
	ck_assert_ptr_nonnull(info.sched);
	ck_assert_uint_eq(info.sched->wait_timeout_us, 1000000);
	ck_assert_uint_gt(info.sched->timeslice_cmds, 0);
	ck_assert_uint_gt(info.sched->max_job_cmds, 0);
	for (q = 0; q < 16; q++)
		ck_assert_uint_ge(info.sched->queue_weight[q], 1);
	for (fn = 0; fn < SNPU_LUT_COUNT; fn++) {
		ck_assert_ptr_nonnull(info.lut[fn]);
		ck_assert_uint_eq(info.lut[fn]->fn, fn);
		ck_assert_ptr_eq(info.lut_samples[fn], (const uint32_t *)(info.lut[fn] + 1));
	}
	/* Reproducible: the same source and build_time give the same bytes. */
	ck_assert_int_eq(snpu_fw_build(&snpu_fw_source, snpu_get_le32(file + HDR(build_time)),
				       &again, &again_len, err, sizeof(err)), 0);
	ck_assert_uint_eq(again_len, len);
	ck_assert_int_eq(memcmp(again, file, len), 0);
	free(again);
	free(file);
}
END_TEST

START_TEST(null_info_and_msg)
{
	ck_assert_int_eq(snpu_fw_parse(img, img_len, NULL, NULL, 0), SNPU_FW_OK);
	img[0] ^= 1;
	ck_assert_int_eq(snpu_fw_parse(img, img_len, NULL, NULL, 0), SNPU_FW_ERR_MAGIC);
	ck_assert_int_eq(snpu_fw_parse(NULL, 0, NULL, msg, sizeof(msg)), SNPU_FW_ERR_SIZE);
	/* A tiny message buffer is truncated, never overrun. */
	ck_assert_int_eq(snpu_fw_parse(img, img_len, NULL, msg, 4), SNPU_FW_ERR_MAGIC);
	ck_assert_uint_eq(strlen(msg), 3);
}
END_TEST

START_TEST(strerror_all)
{
	int e;

	for (e = SNPU_FW_OK; e <= SNPU_FW_ERR_STATE; e++)
		ck_assert_str_ne(snpu_fw_strerror((enum snpu_fw_err)e), "unknown firmware error");
	ck_assert_str_eq(snpu_fw_strerror((enum snpu_fw_err)99), "unknown firmware error");
	ck_assert_str_eq(snpu_fw_lut_name(SNPU_LUT_GELU), "gelu");
	ck_assert_ptr_null(snpu_fw_lut_name(SNPU_LUT_COUNT));
	ck_assert_str_eq(snpu_fw_cap_name(9), "act_lut");
	ck_assert_ptr_null(snpu_fw_cap_name(16));
}
END_TEST

/* ---- primitives against published vectors ------------------------------- */

START_TEST(crc32_vectors)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t all[1024];
	unsigned int i;

	ck_assert_uint_eq(snpu_crc32(0, "", 0), 0);
	ck_assert_uint_eq(snpu_crc32(0, "123456789", 9), 0xcbf43926);
	ck_assert_uint_eq(snpu_crc32(0, fox, strlen(fox)), 0x414fa339);
	/* Chaining like zlib: crc32(crc32(0, a), b) == crc32(0, a || b). */
	ck_assert_uint_eq(snpu_crc32(snpu_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	ck_assert_uint_eq(snpu_crc32(0, all, sizeof(all)), 0xb70b4c26);
}
END_TEST

static void check_sha(const void *buf, size_t len, const char *hex)
{
	uint8_t d[32];
	char got[65];
	unsigned int i;

	snpu_sha256(buf, len, d);
	for (i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", d[i]);
	ck_assert_msg(!strcmp(got, hex), "sha256 of %zu bytes: got %s, want %s", len, got, hex);
}

START_TEST(sha256_vectors)
{
	static const struct { size_t n; const char *hex; } as[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	uint8_t *million;
	unsigned int i;

	/* FIPS 180-4 / NIST CSRC example vectors. */
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha(m448, strlen(m448),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_sha(m896, strlen(m896),
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	million = malloc(1000000);
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	check_sha(million, 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* Padding boundaries: n 'a's around the 55/56 and 64 byte edges. */
	for (i = 0; i < sizeof(as) / sizeof(as[0]); i++)
		check_sha(million, as[i].n, as[i].hex);
	free(million);
}
END_TEST

/* ---- header errors ------------------------------------------------------ */

START_TEST(err_truncated)
{
	size_t full = img_len;

	img_len = full - 1;
	EXPECT(SNPU_FW_ERR_SIZE, "image_size");
	img_len = HSZ - 1;
	EXPECT(SNPU_FW_ERR_SIZE, "smaller than");
	img_len = 0;
	EXPECT(SNPU_FW_ERR_SIZE, "0 bytes");
	img_len = full;
}
END_TEST

START_TEST(err_too_large)
{
	size_t big = (size_t)SNPU_FW_MAX_SIZE + 8;
	uint8_t *b = calloc(1, big);

	ck_assert_ptr_nonnull(b);
	memcpy(b, img, img_len);
	ck_assert_int_eq(snpu_fw_parse(b, big, NULL, msg, sizeof(msg)), SNPU_FW_ERR_SIZE);
	ck_assert_ptr_nonnull(strstr(msg, "maximum"));
	free(b);
}
END_TEST

START_TEST(err_magic)
{
	snpu_put_le32(img + HDR(magic), 0x464c457f);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_MAGIC, "magic is 0x464c457f");
}
END_TEST

START_TEST(err_header_version_size)
{
	snpu_put_le16(img + HDR(header_version), 2);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_HEADER, "header_version is 2");
	snpu_put_le16(img + HDR(header_version), SNPU_FW_HEADER_VERSION);
	snpu_put_le16(img + HDR(header_size), 120);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_HEADER, "header_size is 120");
}
END_TEST

START_TEST(err_image_size_field)
{
	snpu_put_le32(img + HDR(image_size), (uint32_t)img_len + 8);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SIZE, "image_size");
}
END_TEST

START_TEST(err_reserved)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		char needle[32];

		snpu_put_le32(img + HDR(reserved) + 4 * i, 1u << i);
		snpu_fw_seal(img, img_len);
		snprintf(needle, sizeof(needle), "reserved[%u]", i);
		EXPECT(SNPU_FW_ERR_HEADER, needle);
		snpu_put_le32(img + HDR(reserved) + 4 * i, 0);
	}
}
END_TEST

START_TEST(err_name_unterminated)
{
	memset(img + HDR(name), 'x', 32);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_HEADER, "name");
}
END_TEST

START_TEST(err_crc)
{
	img[HDR(crc32)] ^= 0x01;
	EXPECT(SNPU_FW_ERR_CRC, "crc32 is");
	img[HDR(crc32)] ^= 0x01;
	img[img_len - 1] ^= 0x80;	/* payload change without resealing */
	EXPECT(SNPU_FW_ERR_CRC, "crc32");
}
END_TEST

START_TEST(err_digest)
{
	/* Only the digest is wrong: the CRC is recomputed over it. */
	img[HDR(sha256) + 5] ^= 0x10;
	snpu_fw_update_crc(img, img_len);
	EXPECT(SNPU_FW_ERR_DIGEST, "sha256");
	img[HDR(sha256) + 5] ^= 0x10;
	/* A payload change with a matching CRC but the old digest. */
	sec_payload(1)[40] ^= 0x01;
	snpu_fw_update_crc(img, img_len);
	EXPECT(SNPU_FW_ERR_DIGEST, "sha256");
}
END_TEST

START_TEST(err_api)
{
	snpu_put_le16(img + HDR(api_major), SNPU_FW_API_MAJOR + 1);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_API, "api_major is 2");
	/* A higher minor is compatible. */
	snpu_put_le16(img + HDR(api_major), SNPU_FW_API_MAJOR);
	snpu_put_le16(img + HDR(api_minor), SNPU_FW_API_MINOR + 3);
	snpu_fw_seal(img, img_len);
	ck_assert_int_eq(parse(), SNPU_FW_OK);
}
END_TEST

/* ---- section table and section errors ----------------------------------- */

START_TEST(err_table)
{
	snpu_put_le32(img + HDR(num_sections), 0);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "num_sections is 0");
	snpu_put_le32(img + HDR(num_sections), SNPU_FW_MAX_SECTIONS + 1);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "num_sections is 65");
	snpu_put_le32(img + HDR(num_sections), 7);
	snpu_put_le32(img + HDR(section_offset), HSZ + 4);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "not 8-byte aligned");
	snpu_put_le32(img + HDR(section_offset), 64);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "overlaps the header");
	snpu_put_le32(img + HDR(section_offset), 0xfffffff8u);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "past the image end");
	snpu_put_le32(img + HDR(section_offset), (uint32_t)img_len - 16);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "past the image end");
}
END_TEST

START_TEST(err_section_range)
{
	const size_t off = offsetof(struct snpu_fw_section, offset);
	const size_t size = offsetof(struct snpu_fw_section, size);
	uint32_t orig = snpu_get_le32(sec_entry(6) + off);

	set_sec(6, off, (uint32_t)img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "outside the image");
	set_sec(6, off, orig);
	/* offset + size wraps 32 bits: must still be caught. */
	set_sec(6, size, 0xfffffff0u);
	EXPECT(SNPU_FW_ERR_SECTION, "outside the image");
	set_sec(6, size, 0);
	EXPECT(SNPU_FW_ERR_SECTION, "size is 0");
	set_sec(6, size, 8);
	set_sec(6, off, orig + 4);
	EXPECT(SNPU_FW_ERR_SECTION, "not 8-byte aligned");
	set_sec(6, off, 0);
	EXPECT(SNPU_FW_ERR_SECTION, "outside the image");
}
END_TEST

START_TEST(err_overlap)
{
	const size_t off = offsetof(struct snpu_fw_section, offset);
	const size_t size = offsetof(struct snpu_fw_section, size);

	/* NOTE over the section table. */
	set_sec(6, off, HSZ);
	EXPECT(SNPU_FW_ERR_SECTION, "overlaps the section table");
	/* NOTE over the tail of the last LUT. */
	set_sec(6, off, snpu_get_le32(sec_entry(5) + off) + 8);
	EXPECT(SNPU_FW_ERR_SECTION, "overlaps section 5");
	/* A LUT that starts inside the previous one. */
	free(img);
	setup();
	set_sec(2, off, snpu_get_le32(sec_entry(1) + off) + 8);
	EXPECT(SNPU_FW_ERR_SECTION, "section 2: ");
	EXPECT(SNPU_FW_ERR_SECTION, "overlaps section 1");
	(void)size;
}
END_TEST

START_TEST(err_section_type_flags)
{
	set_sec(6, offsetof(struct snpu_fw_section, flags), 1);
	EXPECT(SNPU_FW_ERR_SECTION, "flags is 0x1");
	set_sec(6, offsetof(struct snpu_fw_section, flags), 0);
	set_sec(6, offsetof(struct snpu_fw_section, type), 4);
	EXPECT(SNPU_FW_ERR_SECTION, "type 4 is unknown");
	set_sec(6, offsetof(struct snpu_fw_section, type), 0);
	EXPECT(SNPU_FW_ERR_SECTION, "type 0 is unknown");
}
END_TEST

START_TEST(err_sched)
{
	const size_t type = offsetof(struct snpu_fw_section, type);
	uint8_t *s = sec_payload(0);

	snpu_put_le32(s + offsetof(struct snpu_fw_sched, reserved) + 8, 7);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "SCHED reserved[2]");
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, reserved) + 8, 0);
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, queue_weight) + 12, 0);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "queue_weight[3] is 0");
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, queue_weight) + 12, 1);
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, wait_timeout_us), 0);
	snpu_fw_seal(img, img_len);
	EXPECT(SNPU_FW_ERR_SECTION, "wait_timeout_us");
	snpu_put_le32(s + offsetof(struct snpu_fw_sched, wait_timeout_us), 1000);
	set_sec(0, offsetof(struct snpu_fw_section, size), sizeof(struct snpu_fw_sched) - 4);
	EXPECT(SNPU_FW_ERR_SECTION, "SCHED section size is 92");
	set_sec(0, offsetof(struct snpu_fw_section, size), sizeof(struct snpu_fw_sched));
	ck_assert_int_eq(parse(), SNPU_FW_OK);
	/* No SCHED at all, then two. */
	set_sec(0, type, SNPU_FW_SEC_NOTE);
	EXPECT(SNPU_FW_ERR_SECTION, "no SCHED section");
	set_sec(0, type, SNPU_FW_SEC_SCHED);
	set_sec(6, type, SNPU_FW_SEC_SCHED);
	EXPECT(SNPU_FW_ERR_SECTION, "second SCHED");
}
END_TEST

static void set_lut(unsigned int sec, size_t field, uint32_t v)
{
	snpu_put_le32(sec_payload(sec) + field, v);
	snpu_fw_seal(img, img_len);
}

START_TEST(err_lut_duplicate_and_fn)
{
	set_lut(2, offsetof(struct snpu_fw_lut, fn), SNPU_LUT_SIGMOID);
	EXPECT(SNPU_FW_ERR_SECTION, "duplicate LUT for fn 0");
	set_lut(2, offsetof(struct snpu_fw_lut, fn), SNPU_LUT_COUNT);
	EXPECT(SNPU_FW_ERR_SECTION, "fn 5 is unknown");
	/* A missing table is allowed (the device reports SNPU_ERR_NO_LUT). */
	set_sec(2, offsetof(struct snpu_fw_section, type), SNPU_FW_SEC_NOTE);
	ck_assert_int_eq(parse(), SNPU_FW_OK);
}
END_TEST

START_TEST(err_lut_samples)
{
	const size_t ns = offsetof(struct snpu_fw_lut, num_samples);
	const size_t size = offsetof(struct snpu_fw_section, size);

	set_lut(1, ns, 1);
	EXPECT(SNPU_FW_ERR_SECTION, "num_samples is 1");
	set_lut(1, ns, SNPU_FW_LUT_MAX_SAMPLES + 1);
	EXPECT(SNPU_FW_ERR_SECTION, "num_samples is 4098");
	set_lut(1, ns, 0xffffffffu);
	EXPECT(SNPU_FW_ERR_SECTION, "num_samples is 4294967295");
	set_lut(1, ns, 1024);
	EXPECT(SNPU_FW_ERR_SECTION, "expected 4128 for 1024 samples");
	/* A smaller, consistent table is fine. */
	set_sec(1, size, sizeof(struct snpu_fw_lut) + 4 * 1024);
	ck_assert_int_eq(parse(), SNPU_FW_OK);
	set_sec(1, size, 16);
	EXPECT(SNPU_FW_ERR_SECTION, "smaller than its 32-byte header");
}
END_TEST

static uint32_t f32_bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

START_TEST(err_lut_floats)
{
	const size_t xmin = offsetof(struct snpu_fw_lut, x_min);
	const size_t xmax = offsetof(struct snpu_fw_lut, x_max);

	set_lut(1, xmin, f32_bits(16.0f));
	EXPECT(SNPU_FW_ERR_SECTION, "x_min 16 is not below x_max 16");
	set_lut(1, xmin, f32_bits(-16.0f));
	set_lut(1, xmax, 0x7f800000);	/* +inf */
	EXPECT(SNPU_FW_ERR_SECTION, "x_max is not finite");
	set_lut(1, xmax, f32_bits(16.0f));
	set_lut(1, offsetof(struct snpu_fw_lut, right_slope), 0x7fc00000);	/* NaN */
	EXPECT(SNPU_FW_ERR_SECTION, "right_slope is not finite");
	set_lut(1, offsetof(struct snpu_fw_lut, right_slope), 0);
	set_lut(1, sizeof(struct snpu_fw_lut) + 4 * 17, 0xffc00000);
	EXPECT(SNPU_FW_ERR_SECTION, "samples[17] is not finite");
}
END_TEST

/* ---- every single-byte flip is rejected --------------------------------- */

START_TEST(byte_flip_sweep)
{
	static const uint8_t masks[] = { 0xff, 0x01, 0x80 };
	size_t i, m;

	for (m = 0; m < sizeof(masks); m++) {
		for (i = 0; i < img_len; i++) {
			enum snpu_fw_err err;

			img[i] ^= masks[m];
			err = snpu_fw_parse(img, img_len, NULL, msg, sizeof(msg));
			img[i] ^= masks[m];
			ck_assert_msg(err != SNPU_FW_OK, "flip 0x%02x at %zu accepted", masks[m], i);
			ck_assert_msg(msg[0] != 0, "flip at %zu: no message", i);
		}
	}
	ck_assert_int_eq(parse(), SNPU_FW_OK);
}
END_TEST

/* ---- resealed random mutations ------------------------------------------ */

static double tiny_f(double x)
{
	return x * 0.5;
}

/* A small image, so that random mutations land on structure, not samples. */
static const struct snpu_fw_lut_src tiny_luts[] = {
	{ SNPU_LUT_SIGMOID, tiny_f, -1.0, 1.0, 3, 0.0, 0.0 },
	{ SNPU_LUT_EXP, tiny_f, -2.0, 0.0, 4, 0.0, 1.0 },
	{ SNPU_LUT_SILU, tiny_f, -4.0, 4.0, 2, 0.0, 1.0 },
};

static const struct snpu_fw_src tiny_src = {
	.fw_version = SNPU_FW_VERSION(0, 0, 1),
	.name = "tiny",
	.caps = SNPU_CAP_ACT_LUT,
	.queue_weight = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1 },
	.timeslice_cmds = 1,
	.wait_timeout_us = 1,
	.max_job_cmds = 1,
	.luts = tiny_luts,
	.num_luts = 3,
	.note = "n",
};

static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = p;

	return q >= buf && n <= len && (size_t)(q - buf) <= len - n;
}

START_TEST(resealed_mutations)
{
	uint32_t rng = 12345, accepted = 0, i, k;
	uint8_t *base, *mut;
	size_t len;
	char err[256];

	ck_assert_int_eq(snpu_fw_build(&tiny_src, 7, &base, &len, err, sizeof(err)), 0);
	ck_assert_uint_lt(len, 1024);
	mut = malloc(len);
	ck_assert_ptr_nonnull(mut);
	for (i = 0; i < 50000; i++) {
		struct snpu_fw_info info;
		unsigned int nflips;

		memcpy(mut, base, len);
		rng = rng * 1103515245u + 12345u;
		nflips = 1 + (rng >> 16) % 3;
		for (k = 0; k < nflips; k++) {
			rng = rng * 1103515245u + 12345u;
			/* Any byte (the seal below fixes CRC and digest); half
			 * the values are 0..7, which hit boundaries more often. */
			mut[(rng >> 8) % len] = (rng >> 28) < 8 ? (uint8_t)(rng >> 28) : (uint8_t)rng;
		}
		snpu_fw_seal(mut, len);
		if (snpu_fw_parse(mut, len, &info, msg, sizeof(msg)) != SNPU_FW_OK) {
			ck_assert_msg(msg[0], "iteration %u: error without a message", i);
			continue;
		}
		accepted++;
		ck_assert_ptr_nonnull(info.sched);
		ck_assert(inside(info.sched, sizeof(*info.sched), mut, len));
		for (k = 0; k < SNPU_LUT_COUNT; k++) {
			if (!info.lut[k])
				continue;
			ck_assert(inside(info.lut[k], sizeof(*info.lut[k]), mut, len));
			ck_assert_uint_eq(info.lut[k]->fn, k);
			ck_assert(info.lut[k]->num_samples >= 2);
			ck_assert(inside(info.lut_samples[k], 4 * (size_t)info.lut[k]->num_samples,
					 mut, len));
		}
	}
	/* Mutations of free fields (NOTE text, samples, version) must pass. */
	printf("resealed mutations: %u of %u accepted\n", accepted, i);
	ck_assert_uint_gt(accepted, 0);
	free(mut);
	free(base);
}
END_TEST

/* ---- activation table accuracy ------------------------------------------ */

static double bits_f(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

/* Independent oracle of the evaluation rule in uapi/snpu_fw.h. */
static double lut_eval(const uint8_t *l, double x)
{
	uint32_t n = snpu_get_le32(l + offsetof(struct snpu_fw_lut, num_samples));
	double x0 = bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, x_min)));
	double x1 = bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, x_max)));
	const uint8_t *s = l + sizeof(struct snpu_fw_lut);
	double pos, t;
	uint32_t i;

	if (x < x0)
		return bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, left))) +
		       bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, left_slope))) * (x - x0);
	if (x > x1)
		return bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, right))) +
		       bits_f(snpu_get_le32(l + offsetof(struct snpu_fw_lut, right_slope))) * (x - x1);
	pos = (x - x0) / (x1 - x0) * (n - 1);
	i = (uint32_t)pos;
	if (i >= n - 1)
		i = n - 2;
	t = pos - i;
	return bits_f(snpu_get_le32(s + 4 * i)) * (1 - t) + bits_f(snpu_get_le32(s + 4 * i + 4)) * t;
}

/* Documented bounds (docs/firmware.md): max |table - f| over the domain
 * and 8 units of each tail (exp: left tail only, softmax never passes x>0). */
static const double max_err[SNPU_LUT_COUNT] = {
	[SNPU_LUT_SIGMOID] = 1.5e-5,
	[SNPU_LUT_TANH] = 3e-5,
	[SNPU_LUT_GELU] = 3e-5,
	[SNPU_LUT_EXP] = 4e-5,
	[SNPU_LUT_SILU] = 7e-5,
};

START_TEST(lut_accuracy)
{
	unsigned int k;

	for (k = 0; k < snpu_fw_source.num_luts; k++) {
		const struct snpu_fw_lut_src *src = &snpu_fw_source.luts[k];
		const uint8_t *l = sec_payload(1 + k);
		double lo = src->x_min - 8, hi = src->fn == SNPU_LUT_EXP ? src->x_max : src->x_max + 8;
		double step = (src->x_max - src->x_min) / ((src->num_samples - 1) * 16.0);
		double worst = 0, at = 0, x;

		ck_assert_uint_eq(snpu_get_le32(l), (uint32_t)src->fn);
		for (x = lo; x <= hi; x += step * 0.987654321) {
			double e = fabs(lut_eval(l, x) - src->f(x));

			if (e > worst) {
				worst = e;
				at = x;
			}
		}
		printf("lut %-7s max abs error %.3g at x = %.4f (bound %.3g)\n",
		       snpu_fw_lut_name(src->fn), worst, at, max_err[src->fn]);
		ck_assert_msg(worst <= max_err[src->fn], "%s: error %g at %g exceeds %g",
			      snpu_fw_lut_name(src->fn), worst, at, max_err[src->fn]);
	}
}
END_TEST

static Suite *fwimage_suite(void)
{
	Suite *s = suite_create("fwimage");
	TCase *tc = tcase_create("fwimage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, built_image_verifies);
	tcase_add_test(tc, null_info_and_msg);
	tcase_add_test(tc, strerror_all);
	tcase_add_test(tc, crc32_vectors);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, err_truncated);
	tcase_add_test(tc, err_too_large);
	tcase_add_test(tc, err_magic);
	tcase_add_test(tc, err_header_version_size);
	tcase_add_test(tc, err_image_size_field);
	tcase_add_test(tc, err_reserved);
	tcase_add_test(tc, err_name_unterminated);
	tcase_add_test(tc, err_crc);
	tcase_add_test(tc, err_digest);
	tcase_add_test(tc, err_api);
	tcase_add_test(tc, err_table);
	tcase_add_test(tc, err_section_range);
	tcase_add_test(tc, err_overlap);
	tcase_add_test(tc, err_section_type_flags);
	tcase_add_test(tc, err_sched);
	tcase_add_test(tc, err_lut_duplicate_and_fn);
	tcase_add_test(tc, err_lut_samples);
	tcase_add_test(tc, err_lut_floats);
	tcase_add_test(tc, byte_flip_sweep);
	tcase_add_test(tc, resealed_mutations);
	tcase_add_test(tc, lut_accuracy);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fwimage_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
