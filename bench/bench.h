/* SPDX-License-Identifier: MIT */
/*
 * snpu-bench: the measuring program behind `make bench` (bench/run.py).
 * Each part measures one figure on one device and prints one line per
 * result:  BENCH {"name": ..., "value": ..., "unit": ..., ...}
 * run.py collects those lines from the host and from the guest and forms
 * the ratios. Nothing here judges a figure: goals live in run.py.
 */
#ifndef SNPU_BENCH_H
#define SNPU_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <accel/accel.h>

struct bench_opts {
	const char *device;	/* libaccel device name ("sim", /dev/accel/accel0) */
	unsigned int threads;	/* host threads of the CPU baselines */
	double budget;		/* seconds one measurement may take (min reps still run) */
	uint64_t max_bytes;	/* largest transfer size */
};

/* Monotonic seconds. */
double bench_now(void);

/* Timing samples of one measurement: call bench_rep_more() before each
 * repetition; it stops after max_reps, or once budget seconds passed and
 * min_reps ran. The samples stay in s->t[] (seconds). */
struct bench_reps {
	double t[4096];
	size_t n, min_reps, max_reps;
	double budget, start;
};
void bench_reps_init(struct bench_reps *s, size_t min_reps, size_t max_reps, double budget);
int bench_rep_more(const struct bench_reps *s);
void bench_rep_add(struct bench_reps *s, double seconds);
/* Quantile q (0..1) of the samples (sorts them). */
double bench_quantile(struct bench_reps *s, double q);

/* Print one result line. extra: more JSON members ("\"k\": v, ...") or NULL. */
void bench_emit(const char *name, double value, const char *unit, const char *fmt_extra, ...)
	__attribute__((format(printf, 4, 5)));
/* A figure that could not be measured, with the reason. */
void bench_emit_missing(const char *name, const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report a libaccel failure (function and accel_last_error) on stderr; returns 1. */
int bench_fail(const char *what, accel_status st);

/* Parts (0 on success, 1 on failure; a failure is also on stderr). */
int bench_roundtrip(accel_device *dev, const struct bench_opts *o);
int bench_breakdown(accel_device *dev, const struct bench_opts *o);
int bench_transfer(accel_device *dev, const struct bench_opts *o);
int bench_dma(accel_device *dev, const struct bench_opts *o);
int bench_memcpy(const struct bench_opts *o);
int bench_blkread(const char *path, const struct bench_opts *o);
int bench_gemm(accel_device *dev, const struct bench_opts *o);
int bench_blas(const struct bench_opts *o);
int bench_model(accel_device *dev, const char *path, const char *tag, unsigned int batch,
		const struct bench_opts *o);

#endif /* SNPU_BENCH_H */
