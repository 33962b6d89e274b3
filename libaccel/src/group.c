/* SPDX-License-Identifier: MIT */
/* Device groups: data-parallel and pipeline-parallel execution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define GROUP_MAX 64

struct accel_group {
	accel_device *dev[GROUP_MAX];
	size_t n;
	bool owns;
};

accel_status accel_group_create(accel_device *const *devs, size_t n, accel_group **out)
{
	accel_group *g;

	if (!devs || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_create: NULL %s",
				   devs ? "out" : "devices");
	*out = NULL;
	if (!n || n > GROUP_MAX)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_create: %zu devices (1..%d)",
				   n, GROUP_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!devs[i])
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_create: device %zu "
					   "is NULL", i);
		for (size_t j = 0; j < i; j++)
			if (devs[j] == devs[i])
				return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_create: device "
						   "%zu listed twice", i);
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_group_create: out of memory");
	memcpy(g->dev, devs, n * sizeof(*devs));
	g->n = n;
	*out = g;
	return ACCEL_OK;
}

accel_status accel_group_open(const char *spec, accel_group **out)
{
	accel_device_desc descs[GROUP_MAX];
	char names[GROUP_MAX][ACCEL_NAME_MAX];
	size_t n = 0;
	accel_status st = ACCEL_OK;
	accel_group *g;

	if (!spec || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_open: NULL %s",
				   spec ? "out" : "spec");
	*out = NULL;
	if (!strcmp(spec, "all")) {
		st = accel_enumerate(descs, GROUP_MAX, &n, 0);
		if (st)
			return st;
		if (!n)
			return accel__fail(ACCEL_ERR_NO_DEVICE, "accel_group_open: no SNPU found");
		if (n > GROUP_MAX)
			n = GROUP_MAX;
		for (size_t i = 0; i < n; i++)
			memcpy(names[i], descs[i].name, ACCEL_NAME_MAX);
	} else {
		const char *p = spec;

		while (*p) {
			size_t len = strcspn(p, ",");

			if (!len || len >= ACCEL_NAME_MAX || n == GROUP_MAX)
				return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_open: bad device "
						   "list \"%s\"", spec);
			snprintf(names[n++], ACCEL_NAME_MAX, "%.*s", (int)len, p);
			p += len + (p[len] == ',');
		}
		if (!n)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_open: empty device list");
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_group_open: out of memory");
	g->owns = true;
	for (size_t i = 0; i < n && !st; i++) {
		st = accel_open(names[i], &g->dev[i]);
		if (!st)
			g->n++;
	}
	if (st) {
		accel_group_destroy(g);
		return st;
	}
	*out = g;
	return ACCEL_OK;
}

void accel_group_destroy(accel_group *g)
{
	if (!g)
		return;
	if (g->owns)
		for (size_t i = 0; i < g->n; i++)
			accel_close(g->dev[i]);
	free(g);
}

size_t accel_group_size(const accel_group *g)
{
	return g ? g->n : 0;
}

accel_device *accel_group_device(const accel_group *g, size_t i)
{
	return g && i < g->n ? g->dev[i] : NULL;
}

/* Wait for every job, release them; the first failure (by index) wins. */
static accel_status wait_all(accel_job **jobs, size_t n, accel_status first)
{
	char msg[512] = "";

	for (size_t i = 0; i < n; i++) {
		accel_status st;

		if (!jobs[i])
			continue;
		st = accel_job_wait(jobs[i], -1);
		if (st && !first) {
			first = st;
			snprintf(msg, sizeof(msg), "%s", accel_last_error());
		}
		accel_job_release(jobs[i]);
		jobs[i] = NULL;
	}
	if (msg[0])
		accel__fail(first, "%s", msg);
	return first;
}

accel_status accel_group_data_parallel(accel_group *g, uint64_t items, accel_slice_fn record,
				       void *user)
{
	accel_job *jobs[GROUP_MAX] = { 0 };
	accel_cmdbuf *cbs[GROUP_MAX] = { 0 };
	accel_status st = ACCEL_OK;
	uint64_t first = 0;

	if (!g || !record)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_data_parallel: NULL %s",
				   g ? "record" : "group");
	for (size_t i = 0; i < g->n && !st; i++) {
		uint64_t count = items / g->n + (i < items % g->n ? 1 : 0);

		if (!count)
			continue;
		st = accel_cmdbuf_create(g->dev[i], &cbs[i]);
		if (st)
			break;
		st = record(user, i, g->dev[i], first, count, cbs[i]);
		if (st)
			accel__fail(st, "accel_group_data_parallel: record callback failed for "
				    "device %zu (%s)", i, accel_strerror(st));
		if (!st)
			st = accel_submit(g->dev[i], cbs[i], NULL, &jobs[i]);
		first += count;
	}
	st = wait_all(jobs, g->n, st);
	for (size_t i = 0; i < g->n; i++)
		accel_cmdbuf_free(cbs[i]);
	return st;
}

accel_status accel_group_pipeline(accel_group *g, size_t stages, uint64_t batches,
				  accel_stage_fn record, void *user)
{
	accel_job **prev, **cur;
	accel_cmdbuf **cbs;
	accel_status st = ACCEL_OK;

	if (!g || !record)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_pipeline: NULL %s",
				   g ? "record" : "group");
	if (!stages || stages > 1024)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_group_pipeline: %zu stages (1..1024)",
				   stages);
	prev = calloc(stages, sizeof(*prev));
	cur = calloc(stages, sizeof(*cur));
	cbs = calloc(stages, sizeof(*cbs));
	if (!prev || !cur || !cbs) {
		free(prev);
		free(cur);
		free(cbs);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_group_pipeline: out of memory");
	}
	for (size_t s = 0; s < stages && !st; s++)
		st = accel_cmdbuf_create(g->dev[s % g->n], &cbs[s]);
	for (uint64_t b = 0; b < batches && !st; b++) {
		for (size_t s = 0; s < stages && !st; s++) {
			accel_device *dev = g->dev[s % g->n];
			accel_job *deps[2];
			accel_submit_opts o = ACCEL_SUBMIT_OPTS_INIT;

			o.deps = deps;

			if (s > 0)
				deps[o.num_deps++] = cur[s - 1];
			if (prev[s])
				deps[o.num_deps++] = prev[s];
			accel_cmdbuf_reset(cbs[s]);
			st = record(user, s, b, dev, cbs[s]);
			if (st) {
				accel__fail(st, "accel_group_pipeline: record callback failed for "
					    "stage %zu, batch %llu (%s)", s, (unsigned long long)b,
					    accel_strerror(st));
				break;
			}
			st = accel_submit(dev, cbs[s], &o, &cur[s]);
		}
		/* prev[s] (batch b-1) is no longer needed as a dependency. */
		for (size_t s = 0; s < stages; s++) {
			if (prev[s]) {
				accel_status ps = accel_job_wait(prev[s], -1);

				if (ps && !st)
					st = ps;
				accel_job_release(prev[s]);
			}
			prev[s] = cur[s];
			cur[s] = NULL;
		}
	}
	st = wait_all(prev, stages, st);
	st = wait_all(cur, stages, st);
	for (size_t s = 0; s < stages; s++)
		accel_cmdbuf_free(cbs[s]);
	free(prev);
	free(cur);
	free(cbs);
	return st;
}
