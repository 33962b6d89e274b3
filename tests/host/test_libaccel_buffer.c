/* SPDX-License-Identifier: MIT */
/* libaccel buffers: host/device placement, map, transfers, heap, sharing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)tu_rand(&seed);
}

START_TEST(test_create_and_args)
{
	accel_device *dev = tu_open();
	accel_buffer *b = (accel_buffer *)0x1, *h, *d;
	void *p;

	ck_accel_err(accel_buffer_create(dev, 0, 0, &b), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_null(b);
	ck_accel_err(accel_buffer_create(dev, 100, 0x100, &b), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_buffer_create(NULL, 100, 0, &b), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_buffer_create(dev, 100, ACCEL_MEM_HOST, &h));
	ck_accel(accel_buffer_create(dev, 5000, ACCEL_MEM_DEVICE, &d));
	ck_assert_uint_eq(accel_buffer_size(h), 100);
	ck_assert_uint_eq(accel_buffer_size(d), 5000);
	ck_assert_uint_eq(accel_buffer_flags(d), ACCEL_MEM_DEVICE);
	ck_assert_ptr_eq(accel_buffer_device(h), dev);
	ck_assert_uint_ne(accel_buffer_va(h), 0);
	ck_assert_uint_eq(accel_buffer_va(h) % 4096, 0);
	ck_assert_uint_ne(accel_buffer_va(h), accel_buffer_va(d));
	ck_accel(accel_buffer_map(h, &p));
	for (int i = 0; i < 100; i++)	/* zero-filled */
		ck_assert_uint_eq(((uint8_t *)p)[i], 0);
	ck_accel_err(accel_buffer_write(h, 90, p, 11), ACCEL_ERR_OUT_OF_RANGE);
	ck_accel_err(accel_buffer_read(d, 5001, p, 0), ACCEL_ERR_OUT_OF_RANGE);
	ck_accel_err(accel_buffer_map(h, NULL), ACCEL_ERR_INVALID_ARG);
	accel_buffer_free(h);
	accel_buffer_free(d);
	accel_buffer_free(NULL);
	accel_close(dev);
}
END_TEST

/* Round trip through device memory (DMA both ways) at odd offsets. */
START_TEST(test_device_roundtrip)
{
	accel_device *dev = tu_open();
	size_t n = (5u << 20) + 123;	/* more than one staging chunk */
	uint8_t *src = malloc(n), *dst = malloc(n);
	accel_buffer *d;

	ck_assert(src && dst);
	fill_pattern(src, n, 7);
	ck_accel(accel_buffer_create(dev, n + 64, ACCEL_MEM_DEVICE, &d));
	ck_accel(accel_buffer_write(d, 13, src, n));
	memset(dst, 0, n);
	ck_accel(accel_buffer_read(d, 13, dst, n));
	ck_assert_int_eq(memcmp(src, dst, n), 0);
	accel_buffer_free(d);
	free(src);
	free(dst);
	accel_close(dev);
}
END_TEST

/* Jobs the device ran so far (its counter). */
static uint64_t jobs_run(accel_device *dev)
{
	uint64_t c[ACCEL_NUM_COUNTERS];

	ck_accel(accel_device_counters(dev, c));
	return c[ACCEL_CNT_JOBS];
}

#define HALF (2u << 20)	/* bytes per staging DMA job (buffer.c STAGE_HALF) */

/*
 * accel_buffer_write/read of a DEVICE buffer at boundary sizes and unaligned
 * offsets, with a map limit of `limit` bytes (ACCEL_MAP_MAX; -1: the
 * default): up to it the bytes go through the CPU mapping (no job), above
 * it by DMA (one job per staging half). Each write is read back; at the
 * end the device's own copy of the whole buffer shows that every byte
 * written arrived and the bytes around each range stayed as they were.
 */
static void check_paths(long long limit, const size_t *sizes, size_t nsizes)
{
	static const uint64_t offs[] = { 0, 1, 4095, 4097 };
	size_t cap = 8192;
	uint8_t *src, *dst, *want;
	accel_device *dev;
	accel_buffer *d, *o;
	uint8_t *m;
	char v[32];

	for (size_t i = 0; i < nsizes; i++)
		cap = sizes[i] + 8192 > cap ? sizes[i] + 8192 : cap;
	src = malloc(2 * cap);
	dst = malloc(cap);
	want = malloc(cap);
	ck_assert(src && dst && want);
	fill_pattern(src, 2 * cap, 7);	/* each case's bytes start elsewhere in it */
	setenv("ACCEL_SIM_DRAM_MB", "256", 1);	/* two buffers of up to 64 MiB on "sim" */
	if (limit >= 0) {
		snprintf(v, sizeof(v), "%lld", limit);
		setenv("ACCEL_MAP_MAX", v, 1);
	}
	dev = tu_open();
	ck_accel(accel_buffer_create(dev, cap, ACCEL_MEM_DEVICE, &d));
	memset(want, 0xa5, cap);
	ck_accel(accel_buffer_write(d, 0, want, cap));
	for (size_t i = 0; i < nsizes; i++) {
		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			size_t n = sizes[i];
			uint64_t off = offs[k], before;
			/* the default limit: device.c MAP_WRITE_MAX, MAP_READ_MAX */
			uint64_t lim = limit < 0 ? 64u << 20 : (uint64_t)limit;
			uint64_t expect = n <= lim ? 0 : (n + HALF - 1) / HALF;
			const uint8_t *bytes = src + (n * 7 + off * 13) % cap;

			if (off + n > cap)
				continue;

			before = jobs_run(dev);
			ck_accel(accel_buffer_write(d, off, bytes, n));
			ck_assert_msg(jobs_run(dev) - before == expect, "write of %zu bytes at %llu: "
				      "%llu jobs, expected %llu", n, (unsigned long long)off,
				      (unsigned long long)(jobs_run(dev) - before),
				      (unsigned long long)expect);
			memcpy(want + off, bytes, n);
			memset(dst, 0, n);
			before = jobs_run(dev);
			ck_accel(accel_buffer_read(d, off, dst, n));
			ck_assert_msg(jobs_run(dev) - before == expect, "read of %zu bytes: %llu jobs",
				      n, (unsigned long long)(jobs_run(dev) - before));
			ck_assert_msg(!memcmp(dst, bytes, n), "read back %zu bytes at %llu", n,
				      (unsigned long long)off);
		}
	}
	/* The whole buffer as the device sees it: its own copy into another
	 * buffer, read through that one's mapping. */
	ck_accel(accel_buffer_create(dev, cap, ACCEL_MEM_DEVICE, &o));
	ck_accel(accel_buffer_copy(o, 0, d, 0, cap));
	ck_accel(accel_buffer_map(o, (void **)&m));
	ck_assert_msg(!memcmp(m, want, cap), "device memory differs from what was written");
	accel_buffer_free(o);
	accel_buffer_free(d);
	accel_close(dev);
	unsetenv("ACCEL_MAP_MAX");
	free(src);
	free(dst);
	free(want);
}

START_TEST(test_paths_default)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, HALF + 1, (64u << 20) - 1,
					64u << 20, (64u << 20) + 1 };

	check_paths(-1, sizes, sizeof(sizes) / sizeof(sizes[0]));
}
END_TEST

START_TEST(test_paths_limit)
{
	static const size_t sizes[] = { 1, 4095, 65535, 65536, 65537, 300000 };

	check_paths(65536, sizes, sizeof(sizes) / sizeof(sizes[0]));
}
END_TEST

START_TEST(test_paths_dma_only)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, HALF, (4u << 20) + 1 };

	check_paths(0, sizes, sizeof(sizes) / sizeof(sizes[0]));
}
END_TEST

START_TEST(test_paths_map_only)
{
	static const size_t sizes[] = { 1, 4097, (4u << 20) + 1, (9u << 20) };	/* > 2 halves */

	check_paths(1ll << 40, sizes, sizeof(sizes) / sizeof(sizes[0]));
}
END_TEST

START_TEST(test_map_max_env)
{
	accel_device *dev = tu_open(), *bad = (accel_device *)0x1;

	setenv("ACCEL_MAP_MAX", "12k", 1);
	ck_accel_err(accel_open(accel_device_name(dev), &bad), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_null(bad);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "ACCEL_MAP_MAX"));
	unsetenv("ACCEL_MAP_MAX");
	accel_close(dev);
}
END_TEST

START_TEST(test_copy)
{
	accel_device *dev = tu_open();
	accel_buffer *h1, *h2, *d;
	uint8_t a[8192], b[8192];
	uint64_t c0[ACCEL_NUM_COUNTERS], c1[ACCEL_NUM_COUNTERS];

	fill_pattern(a, sizeof(a), 3);
	ck_accel(accel_buffer_create(dev, sizeof(a), ACCEL_MEM_HOST, &h1));
	ck_accel(accel_buffer_create(dev, sizeof(a), ACCEL_MEM_HOST, &h2));
	ck_accel(accel_buffer_create(dev, sizeof(a), ACCEL_MEM_DEVICE, &d));
	ck_accel(accel_buffer_write(h1, 0, a, sizeof(a)));
	ck_accel(accel_device_counters(dev, c0));
	ck_accel(accel_buffer_copy(d, 0, h1, 0, sizeof(a)));
	ck_accel(accel_buffer_copy(h2, 100, d, 0, sizeof(a) - 100));
	ck_accel(accel_device_counters(dev, c1));
	ck_accel(accel_buffer_read(h2, 0, b, sizeof(b)));
	ck_assert_int_eq(memcmp(a, b + 100, sizeof(a) - 100), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(b[i], 0);
	ck_assert_uint_ge(c1[ACCEL_CNT_JOBS] - c0[ACCEL_CNT_JOBS], 2);
	ck_assert_uint_ge(c1[ACCEL_CNT_DMA_H2D] - c0[ACCEL_CNT_DMA_H2D], sizeof(a));
	ck_accel_err(accel_buffer_copy(h2, 0, h1, 1, sizeof(a)), ACCEL_ERR_OUT_OF_RANGE);
	accel_buffer_free(h1);
	accel_buffer_free(h2);
	accel_buffer_free(d);
	accel_close(dev);
}
END_TEST

START_TEST(test_read_only)
{
	accel_device *dev = tu_open();
	accel_buffer *ro, *rw;
	accel_cmdbuf *cb;
	uint32_t v = 0x12345678, out = 0;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST | ACCEL_MEM_READ_ONLY, &ro));
	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &rw));
	ck_accel(accel_buffer_write(ro, 0, &v, 4));	/* the CPU may write it */
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel_err(accel_cmd_fill(cb, accel_ref_buffer(ro, 0), 4, 0), ACCEL_ERR_PERMISSION);
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 0);
	ck_accel(accel_cmd_copy(cb, accel_ref_buffer(rw, 0), accel_ref_buffer(ro, 0), 4));
	ck_accel(accel_run(dev, cb, NULL, NULL));
	ck_accel(accel_buffer_read(rw, 0, &out, 4));
	ck_assert_uint_eq(out, v);
	accel_cmdbuf_free(cb);
	accel_buffer_free(ro);
	accel_buffer_free(rw);
	accel_close(dev);
}
END_TEST

START_TEST(test_heap)
{
	accel_device *dev = tu_open();
	accel_heap *heap;
	accel_buffer *b[200];
	uint64_t used, reserved;

	ck_accel_err(accel_heap_create(dev, 1000, 0, &heap), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_heap_create(dev, 256 << 10, ACCEL_MEM_DEVICE, &heap));
	ck_accel_err(accel_heap_alloc(heap, 0, 0, &b[0]), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_heap_alloc(heap, 16, 3, &b[0]), ACCEL_ERR_INVALID_ARG);
	for (int i = 0; i < 200; i++) {
		ck_accel(accel_heap_alloc(heap, 100 + (uint64_t)i * 13, i % 2 ? 256 : 0, &b[i]));
		ck_assert_uint_eq(accel_buffer_va(b[i]) % (i % 2 ? 256 : 64), 0);
		ck_assert_uint_eq(accel_buffer_size(b[i]), 100 + (uint64_t)i * 13);
	}
	/* No two overlap (one assertion: Check records each one it passes). */
	int overlaps = 0;

	for (int i = 0; i < 200; i++)
		for (int j = i + 1; j < 200; j++) {
			uint64_t a0 = accel_buffer_va(b[i]), a1 = a0 + accel_buffer_size(b[i]);
			uint64_t b0 = accel_buffer_va(b[j]), b1 = b0 + accel_buffer_size(b[j]);

			overlaps += !(a1 <= b0 || b1 <= a0);
		}
	ck_assert_int_eq(overlaps, 0);
	accel_heap_usage(heap, &used, &reserved);
	ck_assert(used > 0 && reserved >= used && reserved <= 2 * (256 << 10));
	/* Data lands where each sub-buffer says. */
	for (int i = 0; i < 200; i += 37) {
		uint32_t v = 0xabc00000u + (uint32_t)i, r = 0;

		ck_accel(accel_buffer_write(b[i], 4, &v, 4));
		ck_accel(accel_buffer_read(b[i], 4, &r, 4));
		ck_assert_uint_eq(r, v);
	}
	for (int i = 0; i < 200; i++)
		accel_buffer_free(b[i]);
	accel_heap_usage(heap, &used, &reserved);
	ck_assert_uint_eq(used, 0);
	/* A buffer outliving its heap stays usable. */
	ck_accel(accel_heap_alloc(heap, 64, 0, &b[0]));
	accel_heap_destroy(heap);
	ck_accel(accel_buffer_write(b[0], 0, "abcd", 4));
	accel_buffer_free(b[0]);
	accel_close(dev);
}
END_TEST

START_TEST(test_share)
{
	accel_device *a = tu_open(), *b;
	accel_buffer *ha, *hb, *out;
	accel_cmdbuf *cb;
	uint64_t v = 0;

	ck_accel(tu_open_second(&b));
	ck_accel(accel_buffer_create(a, 4096, ACCEL_MEM_HOST, &ha));
	ck_accel(accel_buffer_share(ha, b, &hb));
	/* Device b writes, the CPU and device a see it. */
	ck_accel(accel_cmdbuf_create(b, &cb));
	ck_accel(accel_cmd_fence(cb, accel_ref_buffer(hb, 8), 0x1122334455667788ull));
	ck_accel(accel_run(b, cb, NULL, NULL));
	ck_accel(accel_buffer_read(ha, 8, &v, 8));
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	ck_accel(accel_buffer_create(a, 4096, ACCEL_MEM_HOST, &out));
	accel_cmdbuf_free(cb);
	ck_accel(accel_cmdbuf_create(a, &cb));
	ck_accel(accel_cmd_copy(cb, accel_ref_buffer(out, 0), accel_ref_buffer(ha, 8), 8));
	ck_accel(accel_run(a, cb, NULL, NULL));
	v = 0;
	ck_accel(accel_buffer_read(out, 0, &v, 8));
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	/* Using a's buffer in b's command buffer is refused. */
	ck_accel_err(accel_cmd_fill(cb, accel_ref_buffer(hb, 0), 4, 0), ACCEL_ERR_INVALID_ARG);
	accel_cmdbuf_free(cb);
	accel_buffer_free(ha);	/* hb keeps the memory */
	ck_accel(accel_buffer_read(hb, 8, &v, 8));
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	accel_buffer_free(hb);
	accel_buffer_free(out);
	accel_close(b);
	accel_close(a);
}
END_TEST

START_TEST(test_dmabuf)
{
	accel_device *dev = tu_open();
	accel_buffer *b, *imp;
	int fd = -1;
	uint32_t v = 0xfeedbeef, r = 0;

	ck_accel(accel_buffer_create(dev, 8192, ACCEL_MEM_HOST, &b));
	if (tu_is_sim()) {
		ck_accel_err(accel_buffer_export_dmabuf(b, &fd), ACCEL_ERR_UNSUPPORTED);
		ck_accel_err(accel_buffer_import_dmabuf(dev, 0, &imp), ACCEL_ERR_UNSUPPORTED);
	} else {
		ck_accel(accel_buffer_export_dmabuf(b, &fd));
		ck_assert_int_ge(fd, 0);
		ck_accel(accel_buffer_import_dmabuf(dev, fd, &imp));
		close(fd);
		ck_assert_uint_ge(accel_buffer_size(imp), 8192);
		ck_accel(accel_buffer_write(b, 0, &v, 4));
		ck_accel(accel_buffer_read(imp, 0, &r, 4));
		ck_assert_uint_eq(r, v);
		accel_buffer_free(imp);
	}
	ck_accel_err(accel_buffer_import_dmabuf(dev, -1, &imp), ACCEL_ERR_INVALID_ARG);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_buffer");
	TCase *tc;

	tc = tcase_create("buffers");
	tcase_add_test(tc, test_create_and_args);
	tu_add(s, tc, "buffers", TU_BUFFERS);
	tc = tcase_create("transfers");
	tcase_add_test(tc, test_device_roundtrip);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_heap);
	tcase_add_test(tc, test_paths_default);
	tcase_add_test(tc, test_paths_limit);
	tcase_add_test(tc, test_paths_dma_only);
	tcase_add_test(tc, test_paths_map_only);
	tcase_add_test(tc, test_map_max_env);
	tu_add(s, tc, "transfers", TU_JOBS);
	tc = tcase_create("share");
	tcase_add_test(tc, test_share);
	tu_add(s, tc, "share", TU_TWO_DEVICES);
	tc = tcase_create("dmabuf");
	tcase_add_test(tc, test_dmabuf);
	tu_add(s, tc, "dmabuf", tu_is_sim() ? TU_BUFFERS : TU_DMABUF);
	return tu_run(s);
}
