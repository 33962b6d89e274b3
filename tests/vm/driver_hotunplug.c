// SPDX-License-Identifier: MIT
/*
 * snpu-driver-hotunplug: the guest side of tests/vm/hotunplug.sh. An SNPU
 * is hot-unplugged (QMP device_del on the host) while jobs run on it.
 *
 *   snpu-driver-hotunplug HOT_BDF KEEP_BDF
 *
 * On the device at HOT_BDF, THREADS threads each submit a long job (a POOL
 * of 65535 x 65535 windows: it runs until the device's 10 s backstop) and
 * wait for it with JOB_WAIT (60 s timeout). Once every job has started the
 * program prints "SNPU-HOTUNPLUG-READY" and the host unplugs the device.
 * Checks: every waiter returns within WAIT_BOUND_S of the READY line with
 * an error (an errno, or a job status other than DONE), none hangs; the
 * PCI function and the device node go away; the open file gets -ENODEV;
 * the device at KEEP_BDF still runs a job with correct results.
 * Ends with "driver-hotunplug: N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"
#include "driver_check.h"
#include "driver_util.h"

#define THREADS		3
#define WAIT_BOUND_S	5	/* a waiter returns this soon after the unplug */

struct waiter {
	pthread_t t;
	int fd;
	struct bo in, out;
	uint64_t job;
	int submit_err;
	int wait_err;
	struct drm_snpu_job_wait w;
	int64_t returned_ns;
};

static struct waiter wt[THREADS];

/* /dev/accel/accelN of the PCI function bdf into path; NULL if none. */
static const char *accel_node(const char *bdf, char *path, size_t size)
{
	char pattern[256];
	const char *p;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "/sys/bus/pci/devices/%s/accel/accel*", bdf);
	if (glob(pattern, 0, NULL, &g) || g.gl_pathc != 1) {
		globfree(&g);
		return NULL;
	}
	p = strrchr(g.gl_pathv[0], '/');
	snprintf(path, size, "/dev/accel/%s", p + 1);
	globfree(&g);
	return path;
}

static void tensor(struct snpu_tensor *t, uint64_t va, const uint32_t d[4], const uint32_t st[4])
{
	memset(t, 0, sizeof(*t));
	t->addr = va;
	t->dtype = SNPU_DT_FP32;
	memcpy(t->dim, d, sizeof(t->dim));
	memcpy(t->stride, st, sizeof(t->stride));
}

static void *waiter_main(void *arg)
{
	static const uint32_t in_d[4] = { 1, 1, 65535, 65535 }, zeros[4] = { 0, 0, 0, 0 };
	static const uint32_t o_d[4] = { 1, 1, 1, 1 }, o_st[4] = { 1, 1, 1, 1 };
	struct waiter *w = arg;
	struct stream *s = calloc(1, sizeof(*s));
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_submit a;
	struct snpu_cmd_pool *p;

	if (!s) {
		w->submit_err = ENOMEM;
		return NULL;
	}
	p = emit(s, SNPU_OP_POOL, sizeof(*p));
	tensor(&p->input, w->in.va, in_d, zeros);
	tensor(&p->output, w->out.va, o_d, o_st);
	p->mode = SNPU_POOL_MAX;
	p->kernel_h = p->kernel_w = 65535;
	p->stride_h = p->stride_w = 1;
	refs[0] = (struct drm_snpu_bo_ref){ .handle = w->in.handle, .flags = DRM_SNPU_BO_REF_READ };
	refs[1] = (struct drm_snpu_bo_ref){ .handle = w->out.handle, .flags = DRM_SNPU_BO_REF_WRITE };
	a = sub(s, refs, 2);
	w->submit_err = xioctl(w->fd, DRM_IOCTL_SNPU_SUBMIT, &a);
	free(s);
	if (w->submit_err)
		return NULL;
	w->job = a.job_id;
	w->wait_err = job_wait(w->fd, w->job, 60000, &w->w);
	w->returned_ns = now_ns();
	return NULL;
}

/* The PCI function is gone from sysfs. */
static int gone(const char *bdf)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return stat(path, &st) != 0;
}

static void check_keeper(const char *bdf)
{
	char path[64];
	const char *n = accel_node(bdf, path, sizeof(path));
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_job_wait w;
	struct stream *s;
	struct bo a = { 0 }, b = { 0 };
	int fd, err;

	CHECK(n != NULL, "the other SNPU %s has a device node", bdf);
	if (!n)
		return;
	fd = open(n, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", n, strerror(errno));
	if (fd < 0)
		return;
	s = calloc(1, sizeof(*s));
	CHECK(s && !bo_new(fd, 1 << 20, DRM_SNPU_BO_SYSTEM, &a) &&
	      !bo_new(fd, 1 << 20, DRM_SNPU_BO_SYSTEM, &b), "BOs on the other SNPU");
	if (!s || !a.map || !b.map) {
		free(s);
		close(fd);
		return;
	}
	cmd_fill(s, a.va, 1 << 20, 0x5eed1234u);
	cmd_copy(s, a.va, b.va, 1 << 20);
	refs[0] = (struct drm_snpu_bo_ref){ .handle = a.handle, .flags = DRM_SNPU_BO_REF_READ |
					    DRM_SNPU_BO_REF_WRITE };
	refs[1] = (struct drm_snpu_bo_ref){ .handle = b.handle, .flags = DRM_SNPU_BO_REF_WRITE };
	err = run(fd, s, refs, 2, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && w.hw_status == 0,
	      "a job on the other SNPU after the unplug: err %d status %u hw_status %u", err,
	      w.status, w.hw_status);
	CHECK(all_words(b.map, 1 << 20, 0x5eed1234u), "its result is right");
	printf("the other SNPU (%s) ran a fill + copy of 1 MiB: %s\n", bdf,
	       !err && w.status == DRM_SNPU_JOB_DONE ? "ok" : "FAILED");
	bo_free(fd, &a);
	bo_free(fd, &b);
	free(s);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *hot, *keep, *n;
	char path[64];
	struct drm_snpu_get_param gp = { .param = DRM_SNPU_PARAM_DEVICE_ID };
	int64_t ready, worst = 0;
	int fd, err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HOT_BDF KEEP_BDF\n", argv[0]);
		return 2;
	}
	hot = argv[1];
	keep = argv[2];
	n = accel_node(hot, path, sizeof(path));
	CHECK(n != NULL, "the SNPU to unplug (%s) has a device node", hot);
	if (!n)
		goto out;
	node = n;	/* driver_util.h's name of the node under test */
	fd = open(n, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", n, strerror(errno));
	if (fd < 0)
		goto out;
	for (int i = 0; i < THREADS; i++) {
		wt[i].fd = fd;
		err = bo_new(fd, 4096, DRM_SNPU_BO_SYSTEM, &wt[i].in);
		if (!err)
			err = bo_new(fd, 4096, DRM_SNPU_BO_SYSTEM, &wt[i].out);
		CHECK(!err, "BOs for waiter %d: %s", i, strerror(err));
		if (err)
			goto out;
		pthread_create(&wt[i].t, NULL, waiter_main, &wt[i]);
	}
	/* Let the jobs reach the device: the first is running, the others queued. */
	sleep(2);
	for (int i = 0; i < THREADS; i++) {
		struct drm_snpu_job_wait w;

		CHECK(!wt[i].submit_err, "waiter %d submitted: %s", i, strerror(wt[i].submit_err));
		CHECK(!job_wait(fd, wt[i].job, 0, &w) && w.status == DRM_SNPU_JOB_PENDING,
		      "waiter %d's job is still running or queued before the unplug", i);
	}
	ready = now_ns();
	printf("SNPU-HOTUNPLUG-READY %s\n", hot);
	fflush(stdout);

	for (int i = 0; i < THREADS; i++) {
		int64_t dt;

		pthread_join(wt[i].t, NULL);
		dt = wt[i].returned_ns - ready;
		if (dt > worst)
			worst = dt;
		printf("waiter %d: JOB_WAIT returned after %.2f s: %s, status %u hw_status %u\n", i,
		       dt / 1e9, wt[i].wait_err ? strerror(wt[i].wait_err) : "ok", wt[i].w.status,
		       wt[i].w.hw_status);
		CHECK(wt[i].wait_err ||
		      (wt[i].w.status != DRM_SNPU_JOB_DONE && wt[i].w.status != DRM_SNPU_JOB_PENDING),
		      "waiter %d got an error (errno %d, status %u)", i, wt[i].wait_err,
		      wt[i].w.status);
		CHECK(dt < WAIT_BOUND_S * 1000000000ll, "waiter %d returned %.2f s after the unplug began"
		      " (bound %d s)", i, dt / 1e9, WAIT_BOUND_S);
	}
	printf("all waiters returned within %.2f s of the unplug request\n", worst / 1e9);

	for (int i = 0; i < 200 && !gone(hot); i++)
		usleep(100000);
	CHECK(gone(hot), "PCI function %s removed", hot);
	CHECK(access(n, F_OK) != 0, "%s removed", n);
	err = xioctl(fd, DRM_IOCTL_SNPU_GET_PARAM, &gp);
	CHECK(err == ENODEV, "an ioctl on the unplugged device's file: %s, expected ENODEV",
	      strerror(err));
	for (int i = 0; i < THREADS; i++) {
		bo_free(fd, &wt[i].in);
		bo_free(fd, &wt[i].out);
	}
	CHECK(close(fd) == 0, "close the unplugged device's file");
	check_keeper(keep);
out:
	printf("driver-hotunplug: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
