// SPDX-License-Identifier: MIT
/*
 * snpu-fwtool: build, print, verify and (for tests) corrupt SNPU firmware
 * images. Verification is snpu_fw_parse(), the same code the device runs.
 *
 *   snpu-fwtool build -o OUT.bin
 *   snpu-fwtool info IMAGE
 *   snpu-fwtool verify IMAGE
 *   snpu-fwtool corrupt IN OUT --offset N [--xor V]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fw_build.h"
#include "snpu_fwimage.h"
#include "snpu_le.h"

#define PROG "snpu-fwtool"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " build -o OUT.bin      build the image from firmware/fw_source.c\n"
		"                                     (build_time = $SOURCE_DATE_EPOCH or 0)\n"
		"       " PROG " info IMAGE            print an image; exit 1 if it does not verify\n"
		"       " PROG " verify IMAGE          verify an image (exit 0 if valid)\n"
		"       " PROG " corrupt IN OUT --offset N [--xor V]\n"
		"                                     copy IN to OUT with byte N xor V (default 0xff)\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

/* Parse an unsigned number (decimal or 0x hex) no larger than max. */
static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

/* Read a whole file, at most SNPU_FW_MAX_SIZE + 1 bytes (so an oversized
 * image reaches the parser's size check). */
static uint8_t *read_file(const char *path, size_t *len)
{
	size_t cap = SNPU_FW_MAX_SIZE + 1, n = 0, r;
	uint8_t *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, PROG ": %s: out of memory\n", path);
		fclose(f);
		return NULL;
	}
	while (n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0)
		n += r;
	if (ferror(f)) {
		fprintf(stderr, PROG ": %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, PROG ": %s: write error\n", path);
		return -1;
	}
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	const char *out = NULL, *sde = getenv("SOURCE_DATE_EPOCH");
	unsigned long long build_time = 0;
	char msg[256];
	uint8_t *img;
	size_t len;
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else
			return usage_error("build: unexpected argument '%s'", argv[i]);
	}
	if (!out)
		return usage_error("build: missing -o OUT%s", "");
	if (sde && *sde && parse_u64(sde, UINT32_MAX, &build_time)) {
		fprintf(stderr, PROG ": SOURCE_DATE_EPOCH '%s' is not a number of seconds 0..%u\n",
			sde, UINT32_MAX);
		return 1;
	}
	if (snpu_fw_build(&snpu_fw_source, (uint32_t)build_time, &img, &len, msg, sizeof(msg))) {
		fprintf(stderr, PROG ": build: %s\n", msg);
		return 1;
	}
	if (write_file(out, img, len)) {
		free(img);
		return 1;
	}
	free(img);
	return 0;
}

static void print_caps(uint32_t caps)
{
	unsigned int bit;

	printf("caps:        0x%08x", caps);
	for (bit = 0; bit < 32; bit++) {
		const char *name = snpu_fw_cap_name(bit);

		if (caps & (1u << bit))
			printf(" %s", name ? name : "?");
	}
	printf("\n");
}

static float f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static void print_section(const uint8_t *img, unsigned int i)
{
	uint32_t toff = snpu_get_le32(img + offsetof(struct snpu_fw_header, section_offset));
	const uint8_t *e = img + toff + i * sizeof(struct snpu_fw_section);
	uint32_t type = snpu_get_le32(e + offsetof(struct snpu_fw_section, type));
	uint32_t off = snpu_get_le32(e + offsetof(struct snpu_fw_section, offset));
	uint32_t size = snpu_get_le32(e + offsetof(struct snpu_fw_section, size));
	const uint8_t *s = img + off;
	unsigned int q;

	printf("  %2u ", i);
	switch (type) {
	case SNPU_FW_SEC_SCHED:
		printf("SCHED offset 0x%05x size %6u: weights", off, size);
		for (q = 0; q < 16; q++)
			printf("%c%u", q ? ',' : ' ',
			       snpu_get_le32(s + offsetof(struct snpu_fw_sched, queue_weight) + 4 * q));
		printf(" timeslice_cmds %u wait_timeout_us %u max_job_cmds %u\n",
		       snpu_get_le32(s + offsetof(struct snpu_fw_sched, timeslice_cmds)),
		       snpu_get_le32(s + offsetof(struct snpu_fw_sched, wait_timeout_us)),
		       snpu_get_le32(s + offsetof(struct snpu_fw_sched, max_job_cmds)));
		break;
	case SNPU_FW_SEC_LUT: {
		uint32_t fn = snpu_get_le32(s + offsetof(struct snpu_fw_lut, fn));

		printf("LUT   offset 0x%05x size %6u: %-7s %u samples on [%g, %g], left %g%+g*dx, right %g%+g*dx\n",
		       off, size, snpu_fw_lut_name(fn),
		       snpu_get_le32(s + offsetof(struct snpu_fw_lut, num_samples)),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, x_min))),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, x_max))),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, left))),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, left_slope))),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, right))),
		       (double)f32(snpu_get_le32(s + offsetof(struct snpu_fw_lut, right_slope))));
		break;
	}
	default:
		/* NOTE: print up to the first NUL, non-printables as '.' */
		printf("NOTE  offset 0x%05x size %6u: \"", off, size);
		for (q = 0; q < size && s[q]; q++)
			putchar(s[q] >= 0x20 && s[q] < 0x7f ? s[q] : '.');
		printf("\"\n");
		break;
	}
}

static int cmd_info_verify(int argc, char **argv, int print)
{
	struct snpu_fw_info info;
	enum snpu_fw_err err;
	char msg[256];
	uint8_t *img;
	size_t len;
	unsigned int i;

	if (argc != 3)
		return usage_error("%s: expected exactly one IMAGE argument", argv[1]);
	img = read_file(argv[2], &len);
	if (!img)
		return 1;
	err = snpu_fw_parse(img, len, &info, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, PROG ": %s: %s (error %d): %s\n", argv[2], snpu_fw_strerror(err),
			(int)err, msg);
		free(img);
		return 1;
	}
	if (print) {
		printf("image:       %s (%u bytes)\n", argv[2], info.image_size);
		printf("name:        %s\n", info.name);
		printf("version:     %u.%u.%u\n", info.fw_version >> 16,
		       (info.fw_version >> 8) & 0xff, info.fw_version & 0xff);
		printf("api:         %u.%u\n", info.api_major, info.api_minor);
		print_caps(info.caps);
		printf("build_time:  %u\n",
		       snpu_get_le32(img + offsetof(struct snpu_fw_header, build_time)));
		printf("crc32:       0x%08x\n",
		       snpu_get_le32(img + offsetof(struct snpu_fw_header, crc32)));
		printf("sha256:      ");
		for (i = 0; i < 32; i++)
			printf("%02x", img[offsetof(struct snpu_fw_header, sha256) + i]);
		printf("\nsections:    %u\n", info.num_sections);
		for (i = 0; i < info.num_sections; i++)
			print_section(img, i);
		printf("verify:      OK\n");
	} else {
		printf("%s: OK (%s, version %u.%u.%u, %u bytes)\n", argv[2], info.name,
		       info.fw_version >> 16, (info.fw_version >> 8) & 0xff,
		       info.fw_version & 0xff, info.image_size);
	}
	free(img);
	return 0;
}

static int cmd_corrupt(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	unsigned long long offset = 0, xv = 0xff;
	int have_offset = 0, i, rc;
	uint8_t *img;
	size_t len;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--offset") && i + 1 < argc) {
			if (parse_u64(argv[++i], SNPU_FW_MAX_SIZE, &offset))
				return usage_error("corrupt: bad --offset '%s'", argv[i]);
			have_offset = 1;
		} else if (!strcmp(argv[i], "--xor") && i + 1 < argc) {
			if (parse_u64(argv[++i], 0xff, &xv) || xv == 0)
				return usage_error("corrupt: --xor '%s' must be 1..0xff", argv[i]);
		} else if (argv[i][0] == '-') {
			return usage_error("corrupt: unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			return usage_error("corrupt: unexpected argument '%s'", argv[i]);
		}
	}
	if (!in || !out || !have_offset)
		return usage_error("corrupt: need IN OUT --offset N%s", "");
	img = read_file(in, &len);
	if (!img)
		return 1;
	if (offset >= len) {
		fprintf(stderr, PROG ": corrupt: offset %llu is past the end of %s (%zu bytes)\n",
			offset, in, len);
		free(img);
		return 1;
	}
	img[offset] ^= (uint8_t)xv;
	rc = write_file(out, img, len) ? 1 : 0;
	free(img);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc, argv);
	if (!strcmp(argv[1], "info"))
		return cmd_info_verify(argc, argv, 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_info_verify(argc, argv, 0);
	if (!strcmp(argv[1], "corrupt"))
		return cmd_corrupt(argc, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	return usage_error("unknown command '%s'", argv[1]);
}
