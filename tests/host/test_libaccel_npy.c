/* SPDX-License-Identifier: MIT */
/*
 * The .npy reader and writer of libaccel's model path (src/model/npy.c):
 * well-formed files of each accepted dtype and version, a float32 round trip
 * through memory and a file, and each kind of malformed input refused with
 * its status and a message naming the file and the fault. The test bytes are
 * embedded (the suite also runs in the guest); files go to a temporary
 * directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "model/npy.h"

#define ALL_TYPES (ACCEL_NPY_FP32 | ACCEL_NPY_UINT8 | ACCEL_NPY_INT8)

/* Build "\x93NUMPY" v1.0 + header text (padded to 64 with '\n') + data. */
static size_t mk(uint8_t *out, size_t cap, const char *hdr, const void *data, size_t n)
{
	size_t h = strlen(hdr), total = (10 + h + 1 + 63) / 64 * 64;

	ck_assert_uint_le(total + n, cap);
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (uint8_t)((total - 10) & 0xff);
	out[9] = (uint8_t)((total - 10) >> 8);
	memcpy(out + 10, hdr, h);
	memset(out + 10 + h, ' ', total - 10 - h - 1);
	out[total - 1] = '\n';
	if (n)
		memcpy(out + total, data, n);
	return total + n;
}

/* Expect a failure with status want and "name: ...needle..." as message. */
static void expect_bad(const void *buf, size_t size, unsigned int types, accel_status want,
		       const char *needle)
{
	accel_npy t;

	ck_accel_err(accel__npy_read_memory(buf, size, "t.npy", types, &t), want);
	ck_assert_msg(!strncmp(accel_last_error(), "t.npy: ", 7), "message '%s' lacks the name",
		      accel_last_error());
	ck_assert_msg(strstr(accel_last_error(), needle), "message '%s' lacks '%s'",
		      accel_last_error(), needle);
	ck_assert_ptr_null(t.data);
}

START_TEST(test_read_float32)
{
	/* The bytes numpy writes for np.arange(6, dtype='<f4').reshape(2, 3) / 4. */
	static const float v[6] = { 0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f };
	uint8_t buf[256];
	size_t n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
		      v, sizeof(v));
	accel_npy t;

	ck_accel(accel__npy_read_memory(buf, n, "t.npy", ACCEL_NPY_FP32, &t));
	ck_assert_int_eq(t.dtype, ACCEL_DT_FP32);
	ck_assert_uint_eq(t.rank, 2);
	ck_assert_uint_eq(t.dim[0], 2);
	ck_assert_uint_eq(t.dim[1], 3);
	ck_assert_uint_eq(t.count, 6);
	ck_assert_uint_eq(t.bytes, 24);
	ck_assert_mem_eq(t.data, v, sizeof(v));
	accel__npy_free(&t);
	ck_assert_ptr_null(t.data);
}
END_TEST

START_TEST(test_read_variants)
{
	static const uint8_t u[4] = { 0, 1, 254, 255 };
	uint8_t buf[512];
	size_t n;
	accel_npy t;

	/* uint8 with spacing, double quotes, no trailing comma; rank 1. */
	n = mk(buf, sizeof(buf), "{ \"descr\" : \"|u1\" ,\"fortran_order\":False,'shape':(4,)}", u, 4);
	ck_accel(accel__npy_read_memory(buf, n, "t.npy", ALL_TYPES, &t));
	ck_assert_int_eq(t.dtype, ACCEL_DT_UINT8);
	ck_assert_uint_eq(t.rank, 1);
	ck_assert_uint_eq(t.dim[0], 4);
	ck_assert_mem_eq(t.data, u, 4);
	accel__npy_free(&t);
	/* int8, key order changed. */
	n = mk(buf, sizeof(buf), "{'shape': (1, 2, 2), 'fortran_order': False, 'descr': '|i1'}", u, 4);
	ck_accel(accel__npy_read_memory(buf, n, "t.npy", ACCEL_NPY_INT8, &t));
	ck_assert_int_eq(t.dtype, ACCEL_DT_INT8);
	ck_assert_uint_eq(t.rank, 3);
	ck_assert_int_eq(((int8_t *)t.data)[2], -2);
	accel__npy_free(&t);
	/* A scalar: shape (), one element. */
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", u, 4);
	ck_accel(accel__npy_read_memory(buf, n, "t.npy", ACCEL_NPY_FP32, &t));
	ck_assert_uint_eq(t.rank, 0);
	ck_assert_uint_eq(t.count, 1);
	accel__npy_free(&t);
	/* Zero elements. */
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 784), }", NULL, 0);
	ck_accel(accel__npy_read_memory(buf, n, "t.npy", ACCEL_NPY_FP32, &t));
	ck_assert_uint_eq(t.count, 0);
	ck_assert_ptr_nonnull(t.data);
	accel__npy_free(&t);
	/* Version 2.0 (4-byte header length). */
	n = mk(buf + 2, sizeof(buf) - 2, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", u, 4);
	memmove(buf, buf + 2, 10);
	buf[6] = 2;
	{
		uint32_t hl = (uint32_t)(buf[8] | buf[9] << 8);

		buf[8] = (uint8_t)hl;
		buf[9] = (uint8_t)(hl >> 8);
		buf[10] = 0;
		buf[11] = 0;
	}
	ck_accel(accel__npy_read_memory(buf, n + 2, "t.npy", ACCEL_NPY_UINT8, &t));
	ck_assert_mem_eq(t.data, u, 4);
	accel__npy_free(&t);
}
END_TEST

START_TEST(test_malformed)
{
	static const float v[6] = { 1, 2, 3, 4, 5, 6 };
	const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	uint8_t buf[512];
	size_t n;

	/* Magic and version. */
	n = mk(buf, sizeof(buf), good, v, sizeof(v));
	buf[0] = 'X';
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "bad magic");
	expect_bad(buf, 5, ALL_TYPES, ACCEL_ERR_MODEL, "bad magic");
	expect_bad("", 0, ALL_TYPES, ACCEL_ERR_MODEL, "bad magic");
	n = mk(buf, sizeof(buf), good, v, sizeof(v));
	buf[6] = 4;
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "version 4.0 not supported");
	buf[6] = 1;
	buf[7] = 1;
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "version 1.1");
	/* Header length and truncation. */
	expect_bad(buf, 9, ALL_TYPES, ACCEL_ERR_MODEL, "version");
	n = mk(buf, sizeof(buf), good, v, sizeof(v));
	expect_bad(buf, 9, ALL_TYPES, ACCEL_ERR_MODEL, "truncated before the header length");
	expect_bad(buf, 40, ALL_TYPES, ACCEL_ERR_MODEL, "truncated header");
	buf[8] = 0;
	buf[9] = 0;
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "header length 0");
	/* Data size. */
	n = mk(buf, sizeof(buf), good, v, sizeof(v));
	expect_bad(buf, n - 1, ALL_TYPES, ACCEL_ERR_MODEL, "truncated data: 23 bytes");
	n = mk(buf, sizeof(buf), good, v, sizeof(v));
	buf[n] = 0;
	expect_bad(buf, n + 1, ALL_TYPES, ACCEL_ERR_MODEL, "trailing bytes");
	/* dtype. */
	n = mk(buf, sizeof(buf), "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "dtype '<f8' not accepted");
	n = mk(buf, sizeof(buf), "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "dtype '>f4'");
	n = mk(buf, sizeof(buf), "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", v, 4);
	expect_bad(buf, n, ACCEL_NPY_FP32, ACCEL_ERR_MODEL, "(accepted: float32 '<f4')");
	/* Fortran order. */
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "fortran_order True not supported");
	/* Shape. */
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "shape overflow");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "shape overflow");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "do not fit in memory");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", v, 4);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "more than 8 dimensions");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "non-negative integer");
	/* Header syntax. */
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) ", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "header syntax: expected ',' or '}'");
	n = mk(buf, sizeof(buf), "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "expected ':' after the key at offset 9");
	n = mk(buf, sizeof(buf), "['descr', '<f4']", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "expected '{'");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "True or False");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "unexpected or repeated key 'x'");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'descr': '<f4', 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "repeated key 'descr'");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "lacks 'fortran_order'");
	n = mk(buf, sizeof(buf), "{'descr': '<f\\4', 'fortran_order': False, 'shape': (2, 3), }", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "without escapes");
	n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", v, 24);
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "only spaces after '}'");
	n = mk(buf, sizeof(buf), good, v, 24);
	buf[20] = '\0';
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "NUL byte");
	n = mk(buf, sizeof(buf), good, v, 24);
	buf[n - 24 - 1] = ' ';	/* the header's final '\n' */
	expect_bad(buf, n, ALL_TYPES, ACCEL_ERR_MODEL, "not ended by a newline");
}
END_TEST

START_TEST(test_bad_args)
{
	accel_npy t;
	void *p;
	size_t n;
	uint64_t dims[9] = { 1 };

	ck_accel_err(accel__npy_read_memory(NULL, 10, "t.npy", ALL_TYPES, &t), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel__npy_read_memory("x", 1, "t.npy", 0, &t), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel__npy_read_memory("x", 1, "t.npy", ALL_TYPES, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel__npy_write_memory(NULL, 1, dims, &p, &n), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel__npy_write_memory(NULL, 9, dims, &p, &n), ACCEL_ERR_INVALID_ARG);
}
END_TEST

/* A temporary directory for file tests. */
static void tmpdir(char *dir, size_t cap)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, cap, "%s/npyXXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(test_roundtrip)
{
	uint64_t dims[4] = { 3, 1, 5, 7 };
	float v[105];
	char dir[256], path[300];
	accel_npy t;
	void *mem;
	size_t size;

	for (int i = 0; i < 105; i++)
		v[i] = (float)i * 0.5f - 20.0f;
	ck_accel(accel__npy_write_memory(v, 4, dims, &mem, &size));
	ck_assert_uint_eq(size, 128 + sizeof(v));	/* 64-byte aligned data */
	{
		static const char want[] = "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', "
			"'fortran_order': False, 'shape': (3, 1, 5, 7), }";

		ck_assert_mem_eq(mem, want, sizeof(want) - 1);
		ck_assert_int_eq(((char *)mem)[127], '\n');
	}
	ck_accel(accel__npy_read_memory(mem, size, "mem", ACCEL_NPY_FP32, &t));
	ck_assert_uint_eq(t.rank, 4);
	ck_assert_mem_eq(t.dim, dims, sizeof(dims));
	ck_assert_mem_eq(t.data, v, sizeof(v));
	accel__npy_free(&t);

	tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a.npy", dir);
	ck_accel(accel__npy_write_file(path, v, 4, dims));
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &t));
	ck_assert_mem_eq(t.data, v, sizeof(v));
	accel__npy_free(&t);
	/* The file holds exactly the bytes of the memory writer. */
	{
		FILE *f = fopen(path, "rb");
		uint8_t *b = malloc(size + 1);

		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fread(b, 1, size + 1, f), size);
		ck_assert_mem_eq(b, mem, size);
		fclose(f);
		free(b);
	}
	/* A rank-1 shape is written "(n,)"; a scalar "()". */
	free(mem);
	ck_accel(accel__npy_write_memory(v, 1, dims, &mem, &size));
	ck_assert_ptr_nonnull(strstr((char *)mem + 10, "'shape': (3,), }"));
	free(mem);
	ck_accel(accel__npy_write_memory(v, 0, NULL, &mem, &size));
	ck_assert_ptr_nonnull(strstr((char *)mem + 10, "'shape': (), }"));
	ck_accel(accel__npy_read_memory(mem, size, "mem", ACCEL_NPY_FP32, &t));
	ck_assert_uint_eq(t.count, 1);
	accel__npy_free(&t);
	free(mem);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_file_errors)
{
	static const float v[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t buf[256];
	size_t n = mk(buf, sizeof(buf), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
		      v, sizeof(v));
	char dir[256], path[300], msg[512];
	accel_npy t;
	FILE *f;

	tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/missing.npy", dir);
	ck_accel_err(accel__npy_read_file(path, ACCEL_NPY_FP32, &t), ACCEL_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), path));
	ck_accel_err(accel__npy_read_file(dir, ACCEL_NPY_FP32, &t), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "is a directory"));
	/* Each truncation of a good file names the file and the fault. */
	snprintf(path, sizeof(path), "%s/t.npy", dir);
	for (size_t cut = 0; cut <= n; cut++) {
		accel_status st;

		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(buf, 1, cut, f), cut);
		fclose(f);
		st = accel__npy_read_file(path, ACCEL_NPY_FP32, &t);
		if (cut == n) {
			ck_accel(st);
			ck_assert_mem_eq(t.data, v, sizeof(v));
			accel__npy_free(&t);
			continue;
		}
		ck_assert_msg(st == ACCEL_ERR_MODEL, "cut %zu: %s", cut, accel_strerror(st));
		ck_assert_ptr_null(t.data);
		snprintf(msg, sizeof(msg), "%s: ", path);
		ck_assert_msg(!strncmp(accel_last_error(), msg, strlen(msg)), "cut %zu: '%s'", cut,
			      accel_last_error());
	}
	/* A trailing byte. */
	f = fopen(path, "ab");
	ck_assert_ptr_nonnull(f);
	fputc(0, f);
	fclose(f);
	ck_accel_err(accel__npy_read_file(path, ACCEL_NPY_FP32, &t), ACCEL_ERR_MODEL);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "trailing bytes"));
	/* Writing where no file can be created. */
	snprintf(path, sizeof(path), "%s/no/such/dir.npy", dir);
	ck_assert_int_ne(accel__npy_write_file(path, v, 1, (uint64_t[]){ 6 }), ACCEL_OK);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), path));
	snprintf(path, sizeof(path), "%s/t.npy", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_npy");
	TCase *tc = tcase_create("npy");

	tcase_add_test(tc, test_read_float32);
	tcase_add_test(tc, test_read_variants);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
