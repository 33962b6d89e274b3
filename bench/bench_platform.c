// SPDX-License-Identifier: MIT
/*
 * snpu-bench platform figures: the empty job's round trip, libaccel uploads
 * and downloads, the device's DMA engine timed by its own TIMESTAMP
 * command, and the baselines a user compares them with: memcpy and a 4 KiB
 * O_DIRECT read from a block device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MIN_SIZE (4u << 10)

/* Empty job: one NOP, submit -> device -> interrupt -> fence -> wait. */
int bench_roundtrip(accel_device *dev, const struct bench_opts *o)
{
	struct bench_reps r;
	accel_cmdbuf *cb;
	accel_status st;
	int i;

	if ((st = accel_cmdbuf_create(dev, &cb)))
		return bench_fail("accel_cmdbuf_create", st);
	if ((st = accel_cmd_nop(cb))) {
		accel_cmdbuf_free(cb);
		return bench_fail("accel_cmd_nop", st);
	}
	for (i = 0; i < 20 && !st; i++)	/* warm up: first BO maps, scheduler, worker */
		st = accel_run(dev, cb, NULL, NULL);
	bench_reps_init(&r, 50, 2000, o->budget);
	while (!st && bench_rep_more(&r)) {
		double t0 = bench_now();

		st = accel_run(dev, cb, NULL, NULL);
		bench_rep_add(&r, bench_now() - t0);
	}
	accel_cmdbuf_free(cb);
	if (st)
		return bench_fail("accel_run (NOP job)", st);
	{
		double p50 = bench_quantile(&r, 0.5) * 1e6;

		bench_emit("roundtrip", p50, "us", "\"p10\": %.6g, \"p90\": %.6g, \"n\": %zu",
			   bench_quantile(&r, 0.1) * 1e6, bench_quantile(&r, 0.9) * 1e6, r.n);
	}
	return 0;
}

static void *alloc_touched(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, n))
		return NULL;
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = (unsigned char)(i * 131u + 7u);
	return p;
}

/* One transfer of n bytes: 0 accel_buffer_write, 1 accel_buffer_read,
 * 2/3 memcpy to/from the CPU mapping of the device buffer. */
static accel_status xfer(accel_buffer *buf, void *map, void *host, size_t n, int dir)
{
	switch (dir) {
	case 0: return accel_buffer_write(buf, 0, host, n);
	case 1: return accel_buffer_read(buf, 0, host, n);
	case 2: memcpy(map, host, n); break;
	default: memcpy(host, map, n); break;
	}
	__asm__ volatile("" : : "r"(map), "r"(host) : "memory");
	return ACCEL_OK;
}

/* MB/s of n bytes per median sample. */
static double mbps(struct bench_reps *r, size_t n)
{
	return (double)n / bench_quantile(r, 0.5) / 1e6;
}

/* accel_buffer_write/read of 4 KiB .. max_bytes to DEVICE memory, and the
 * same bytes copied by the CPU through accel_buffer_map's mapping of device
 * memory (write-combined BAR on drm): the alternative path for small
 * transfers. */
int bench_transfer(accel_device *dev, const struct bench_opts *o)
{
	size_t max = o->max_bytes;
	accel_buffer *buf;
	accel_status st;
	char name[64];
	void *host;
	int dir;

	if (!(host = alloc_touched(max))) {
		fprintf(stderr, "snpu-bench: transfer: no memory for %zu bytes\n", max);
		return 1;
	}
	if ((st = accel_buffer_create(dev, max, ACCEL_MEM_DEVICE, &buf))) {
		free(host);
		return bench_fail("accel_buffer_create (DEVICE)", st);
	}
	static const char *dir_name[] = { "upload", "download", "mapwrite", "mapread" };
	void *map = NULL;

	if ((st = accel_buffer_map(buf, &map))) {
		accel_buffer_free(buf);
		free(host);
		return bench_fail("accel_buffer_map (DEVICE)", st);
	}
	for (dir = 0; dir < 4 && !st; dir++) {
		for (size_t n = MIN_SIZE; n <= max && !st; n *= 4) {
			struct bench_reps r;

			/* warm up once, then time */
			st = xfer(buf, map, host, n, dir);
			bench_reps_init(&r, 3, dir < 2 ? 500 : 4000, o->budget / (dir < 2 ? 1 : 4));
			while (!st && bench_rep_more(&r)) {
				double t0 = bench_now();

				st = xfer(buf, map, host, n, dir);
				bench_rep_add(&r, bench_now() - t0);
			}
			if (st)
				break;
			snprintf(name, sizeof(name), "%s.%zu", dir_name[dir], n);
			bench_emit(name, mbps(&r, n), "MB/s", "\"bytes\": %zu, \"us\": %.6g, \"n\": %zu",
				   n, bench_quantile(&r, 0.5) * 1e6, r.n);
		}
	}
	accel_buffer_free(buf);
	free(host);
	return st ? bench_fail(dir == 1 ? "accel_buffer_read" : "accel_buffer_write", st) : 0;
}

/* DMA_COPY between a pinned host buffer and DEVICE memory, timed by the
 * device: TIMESTAMP, COPY, TIMESTAMP in one job. */
int bench_dma(accel_device *dev, const struct bench_opts *o)
{
	accel_buffer *sys = NULL, *devm = NULL, *ts = NULL;
	size_t max = o->max_bytes;
	accel_cmdbuf *cb = NULL;
	accel_status st;
	const char *what = "accel_buffer_create";
	uint64_t *t;
	int dir;

	if ((st = accel_buffer_create(dev, max, ACCEL_MEM_HOST, &sys)) ||
	    (st = accel_buffer_create(dev, max, ACCEL_MEM_DEVICE, &devm)) ||
	    (st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &ts)) ||
	    (what = "accel_buffer_map", st = accel_buffer_map(ts, (void **)&t)) ||
	    (what = "accel_cmdbuf_create", st = accel_cmdbuf_create(dev, &cb)))
		goto out;
	for (dir = 0; dir < 2 && !st; dir++) {
		for (size_t n = MIN_SIZE; n <= max && !st; n *= 4) {
			accel_ref s = { .buf = sys }, d = { .buf = devm };
			struct bench_reps r;
			char name[64];
			double pred = 0;

			accel_cmdbuf_reset(cb);
			what = "recording the DMA job";
			if ((st = accel_cmd_timestamp(cb, (accel_ref){ .buf = ts, .offset = 0 })) ||
			    (st = dir ? accel_cmd_copy(cb, s, d, n) : accel_cmd_copy(cb, d, s, n)) ||
			    (st = accel_cmd_timestamp(cb, (accel_ref){ .buf = ts, .offset = 16 })))
				break;
			what = "accel_run (DMA job)";
			st = accel_run(dev, cb, NULL, NULL);
			bench_reps_init(&r, 3, 500, o->budget);
			while (!st && bench_rep_more(&r)) {
				st = accel_run(dev, cb, NULL, NULL);
				/* predicted cycles of the copy: difference of the two stamps */
				pred = (double)(t[3] - t[1]);
				bench_rep_add(&r, (double)(t[2] - t[0]) * 1e-9);
			}
			if (st)
				break;
			snprintf(name, sizeof(name), "dma.%s.%zu", dir ? "d2h" : "h2d", n);
			bench_emit(name, mbps(&r, n), "MB/s", "\"bytes\": %zu, \"us\": %.6g, \"n\": %zu, "
				   "\"pred_cycles\": %.0f", n, bench_quantile(&r, 0.5) * 1e6, r.n, pred);
		}
	}
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(ts);
	accel_buffer_free(devm);
	accel_buffer_free(sys);
	return st ? bench_fail(what, st) : 0;
}

/* The CPU's own copy, same sizes: the baseline of uploads and DMA. */
int bench_memcpy(const struct bench_opts *o)
{
	size_t max = o->max_bytes;
	void *a = alloc_touched(max), *b = alloc_touched(max);
	int ret = 0;

	if (!a || !b) {
		fprintf(stderr, "snpu-bench: memcpy: no memory for 2 x %zu bytes\n", max);
		ret = 1;
		goto out;
	}
	for (size_t n = MIN_SIZE; n <= max; n *= 4) {
		struct bench_reps r;
		char name[64];

		memcpy(b, a, n);
		bench_reps_init(&r, 3, 4000, o->budget / 2);
		while (bench_rep_more(&r)) {
			double t0 = bench_now();

			memcpy(b, a, n);
			/* keep the copy: the compiler must not drop it */
			__asm__ volatile("" : : "r"(b) : "memory");
			bench_rep_add(&r, bench_now() - t0);
		}
		snprintf(name, sizeof(name), "memcpy.%zu", n);
		bench_emit(name, mbps(&r, n), "MB/s", "\"bytes\": %zu, \"us\": %.6g, \"n\": %zu", n,
			   bench_quantile(&r, 0.5) * 1e6, r.n);
	}
out:
	free(a);
	free(b);
	return ret;
}

/* 4 KiB O_DIRECT reads from a block device (QEMU's null-co backend in the
 * VM): the round trip of the I/O path a user already has. */
int bench_blkread(const char *path, const struct bench_opts *o)
{
	struct bench_reps r;
	void *buf = NULL;
	int fd, i;

	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "snpu-bench: blkread: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (posix_memalign(&buf, 4096, 4096)) {
		close(fd);
		fprintf(stderr, "snpu-bench: blkread: no memory\n");
		return 1;
	}
	for (i = 0; i < 20; i++) {
		if (pread(fd, buf, 4096, (off_t)i * 4096) != 4096) {
			fprintf(stderr, "snpu-bench: blkread: pread %s: %s\n", path, strerror(errno));
			close(fd);
			free(buf);
			return 1;
		}
	}
	bench_reps_init(&r, 50, 2000, o->budget);
	for (i = 0; bench_rep_more(&r); i++) {
		double t0 = bench_now();

		if (pread(fd, buf, 4096, (off_t)(i % 4096) * 4096) != 4096) {
			fprintf(stderr, "snpu-bench: blkread: pread %s: %s\n", path, strerror(errno));
			close(fd);
			free(buf);
			return 1;
		}
		bench_rep_add(&r, bench_now() - t0);
	}
	close(fd);
	free(buf);
	{
		double p50 = bench_quantile(&r, 0.5) * 1e6;

		bench_emit("blkread.4096", p50, "us", "\"p10\": %.6g, \"p90\": %.6g, \"n\": %zu",
			   bench_quantile(&r, 0.1) * 1e6, bench_quantile(&r, 0.9) * 1e6, r.n);
	}
	return 0;
}

/* Where a small accel_buffer_write goes: its steps one by one (create and
 * map a pinned staging buffer, record a cmdbuf, run the DMA job, free).
 * Median microseconds of each, for docs/performance.md's profile. */
int bench_breakdown(accel_device *dev, const struct bench_opts *o)
{
	static const char *names[] = { "create_host_4k", "map_host_4k", "free_host_4k",
				       "cmdbuf_create_free", "run_nop", "run_copy_4k",
				       "touch_new_4k", "run_copy_new_4k", "free_used_4k",
				       "touch_new_1m", "touch_warm_1m", "buffer_write_4k" };
	enum { N = sizeof(names) / sizeof(names[0]) };
	static struct bench_reps r[N];
	accel_buffer *devm = NULL, *stage = NULL;
	accel_cmdbuf *nop = NULL, *copy = NULL;
	char host[4096], name[64];
	accel_status st;
	int k;

	memset(host, 0x5a, sizeof(host));
	if ((st = accel_buffer_create(dev, 4096, ACCEL_MEM_DEVICE, &devm)) ||
	    (st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &stage)) ||
	    (st = accel_cmdbuf_create(dev, &nop)) || (st = accel_cmd_nop(nop)) ||
	    (st = accel_cmdbuf_create(dev, &copy)) ||
	    (st = accel_cmd_copy(copy, (accel_ref){ .buf = devm, .offset = 0 }, (accel_ref){ .buf = stage, .offset = 0 }, 4096)))
		goto out;
	for (k = 0; k < N && !st; k++) {
		bench_reps_init(&r[k], 20, 1000, o->budget / N);
		while (!st && bench_rep_more(&r[k])) {
			accel_buffer *b = NULL;
			accel_cmdbuf *cb = NULL;
			void *p;
			double t0 = bench_now(), t1;

			switch (k) {
			case 0:
			case 1:
			case 2:
				if ((st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b)))
					break;
				t1 = bench_now();
				if (k == 0)
					bench_rep_add(&r[0], t1 - t0);
				st = accel_buffer_map(b, &p);
				t0 = bench_now();
				if (k == 1)
					bench_rep_add(&r[1], t0 - t1);
				accel_buffer_free(b);
				if (k == 2)
					bench_rep_add(&r[2], bench_now() - t0);
				continue;
			case 3:
				st = accel_cmdbuf_create(dev, &cb);
				accel_cmdbuf_free(cb);
				break;
			case 4:
				st = accel_run(dev, nop, NULL, NULL);
				break;
			case 5:
				st = accel_run(dev, copy, NULL, NULL);
				break;
			case 6:
			case 7:
			case 8:	/* a fresh staging buffer: first touch, first job, free */
				if ((st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b)) ||
				    (st = accel_buffer_map(b, &p)) || (st = accel_cmdbuf_create(dev, &cb)) ||
				    (st = accel_cmd_copy(cb, (accel_ref){ .buf = devm, .offset = 0 }, (accel_ref){ .buf = b, .offset = 0 },
							 4096))) {
					accel_cmdbuf_free(cb);
					accel_buffer_free(b);
					break;
				}
				t0 = bench_now();
				memcpy(p, host, sizeof(host));
				t1 = bench_now();
				if (k == 6)
					bench_rep_add(&r[6], t1 - t0);
				st = accel_run(dev, cb, NULL, NULL);
				t0 = bench_now();
				if (k == 7)
					bench_rep_add(&r[7], t0 - t1);
				accel_cmdbuf_free(cb);
				accel_buffer_free(b);
				if (k == 8)
					bench_rep_add(&r[8], bench_now() - t0);
				continue;
			case 9:
			case 10:	/* first touch of a fresh 1 MiB staging buffer vs a warm one */
				if ((st = accel_buffer_create(dev, 1u << 20, ACCEL_MEM_HOST, &b)) ||
				    (st = accel_buffer_map(b, &p))) {
					accel_buffer_free(b);
					break;
				}
				if (k == 10)
					memset(p, 1, 1u << 20);
				t0 = bench_now();
				memset(p, 2, 1u << 20);
				__asm__ volatile("" : : "r"(p) : "memory");
				bench_rep_add(&r[k], bench_now() - t0);
				accel_buffer_free(b);
				continue;
			default:
				st = accel_buffer_write(devm, 0, host, sizeof(host));
				break;
			}
			bench_rep_add(&r[k], bench_now() - t0);
		}
	}
	if (!st) {
		for (k = 0; k < N; k++) {
			snprintf(name, sizeof(name), "breakdown.%s", names[k]);
			bench_emit(name, bench_quantile(&r[k], 0.5) * 1e6, "us",
				   "\"p10\": %.6g, \"p90\": %.6g, \"n\": %zu",
				   bench_quantile(&r[k], 0.1) * 1e6, bench_quantile(&r[k], 0.9) * 1e6,
				   r[k].n);
		}
	}
out:
	accel_cmdbuf_free(copy);
	accel_cmdbuf_free(nop);
	accel_buffer_free(stage);
	accel_buffer_free(devm);
	return st ? bench_fail("breakdown", st) : 0;
}
