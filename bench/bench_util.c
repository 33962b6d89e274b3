// SPDX-License-Identifier: MIT
/* snpu-bench: timing samples and the BENCH result lines. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_reps_init(struct bench_reps *s, size_t min_reps, size_t max_reps, double budget)
{
	size_t cap = sizeof(s->t) / sizeof(s->t[0]);

	s->n = 0;
	s->max_reps = max_reps < cap ? max_reps : cap;
	s->min_reps = min_reps < s->max_reps ? min_reps : s->max_reps;
	s->budget = budget;
	s->start = bench_now();
}

int bench_rep_more(const struct bench_reps *s)
{
	if (s->n >= s->max_reps)
		return 0;
	return s->n < s->min_reps || bench_now() - s->start < s->budget;
}

void bench_rep_add(struct bench_reps *s, double seconds)
{
	if (s->n < s->max_reps)
		s->t[s->n++] = seconds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_quantile(struct bench_reps *s, double q)
{
	double pos;
	size_t i;

	if (!s->n)
		return NAN;
	qsort(s->t, s->n, sizeof(s->t[0]), cmp_double);
	pos = q * (double)(s->n - 1);
	i = (size_t)pos;
	if (i + 1 >= s->n)
		return s->t[s->n - 1];
	return s->t[i] + (pos - (double)i) * (s->t[i + 1] - s->t[i]);
}

void bench_emit(const char *name, double value, const char *unit, const char *fmt_extra, ...)
{
	char extra[1024] = "";
	va_list ap;

	if (fmt_extra) {
		va_start(ap, fmt_extra);
		vsnprintf(extra, sizeof(extra), fmt_extra, ap);
		va_end(ap);
	}
	printf("BENCH {\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"%s%s}\n", name, value,
	       unit, extra[0] ? ", " : "", extra);
	fflush(stdout);
}

void bench_emit_missing(const char *name, const char *unit, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (char *p = why; *p; p++)	/* keep the JSON string valid */
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '\'';
	printf("BENCH {\"name\": \"%s\", \"value\": null, \"unit\": \"%s\", \"missing\": \"%s\"}\n",
	       name, unit, why);
	fflush(stdout);
}

int bench_fail(const char *what, accel_status st)
{
	fprintf(stderr, "snpu-bench: %s: %s (%s)\n", what, accel_strerror(st),
		accel_last_error());
	return 1;
}
