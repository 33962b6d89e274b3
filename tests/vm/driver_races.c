// SPDX-License-Identifier: MIT
/*
 * snpu-driver-races: the review findings of issue 12, each as a test that
 * failed on the driver before its fix.
 *
 *   snpu-driver-races [/dev/accel/accelN]
 *       unbind-race   SUBMIT vs UNMAP + MAP of another BO at the same fixed VA
 *       read-only     READ_ONLY is a property of the BO (rebind, PRIME import)
 *       pagetables    bind/unbind at successive 2 MiB VAs frees the tables
 *       uapi          negative timeout, lowest VA, va without FIXED_VA,
 *                     discoverable flags, priority 0 = normal, driver minor
 *       isolation     another process's handles, VAs, mmap offsets, dma-buf
 *                     misuse, a freed context id: all refused or harmless
 *       shared-bind   two files bind/unbind one BO (PRIME) at one VA at once
 *       free-vs-close a BO's last handle closed while its importer's file
 *                     closes; closing the handle of a busy BO
 *       bind-vs-close BO_BIND racing GEM_CLOSE of its handle leaves no
 *                     mapping behind
 *       parallel-binds  a file's binds progress while another file's
 *                     context lock is held for a long page-table build
 *       reset         a hang resets the engine: the hung job TIMEDOUT with
 *                     hw_status ABORTED, another file's running job ABORTED
 *                     and never run again, the hung file's job queued behind
 *                     it CANCELED, other jobs not yet started run afterwards
 *   snpu-driver-races --queued-bound [/dev/accel/accelN]
 *       a file's queued jobs are bounded (-EAGAIN); needs a job_timeout_ms
 *       of seconds (the blocking jobs WAIT up to 1 s each)
 *   snpu-driver-races --unbind-mmap BDF [/dev/accel/accelN]
 *       a DEVICE BO mapping must not survive the device's unbind (dummy page)
 *
 * The module must be loaded with job_timeout_ms=250. Ends with
 * "driver-races: N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"
#include "snpu_regs.h"
#include "driver_check.h"
#include "driver_util.h"

_Static_assert(DRM_SNPU_PRIORITY_NORMAL == 0, "a zeroed SUBMIT runs at normal priority");

/* ---- Finding 1: SUBMIT vs UNMAP/MAP at one fixed VA ---- */
#define RACE_VA		0x100000000ull
#define RACE_NOPS	16384	/* 128 KiB of NOPs before the FILL: a long validation */
#define RACE_SECONDS	4
#define RACE_SECONDS_MAX	30

struct unbind_race {
	int fd;
	uint32_t x, y;	/* handles: X is referenced by jobs, Y never */
	volatile int stop;
	unsigned int swaps, busy, errors;
};

static void *unbind_thread(void *arg)
{
	struct unbind_race *r = arg;
	struct drm_snpu_bo_bind b;
	int err;

	while (!r->stop) {
		b = (struct drm_snpu_bo_bind){ .handle = r->x, .flags = DRM_SNPU_BIND_UNMAP };
		err = xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b);
		if (err == EBUSY) {
			r->busy++;
			continue;
		}
		if (err) {
			r->errors++;
			break;
		}
		b = (struct drm_snpu_bo_bind){ .handle = r->y, .flags = DRM_SNPU_BIND_FIXED_VA,
					       .va = RACE_VA };
		if (xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b))
			r->errors++;
		usleep(200);
		b = (struct drm_snpu_bo_bind){ .handle = r->y, .flags = DRM_SNPU_BIND_UNMAP };
		if (xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b))
			r->errors++;
		b = (struct drm_snpu_bo_bind){ .handle = r->x, .flags = DRM_SNPU_BIND_FIXED_VA,
					       .va = RACE_VA };
		if (xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			r->errors++;
			break;
		}
		r->swaps++;
		/* leave X mapped a while too: with no gap here a loaded TCG
		 * guest's submitter almost never saw X mapped (0 jobs in CI) */
		usleep(200);
	}
	return NULL;
}

static void test_unbind_race(int fd)
{
	static struct stream st;
	struct unbind_race r = { .fd = fd };
	struct bo x = { .va = RACE_VA }, y = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct drm_snpu_bo_bind b;
	unsigned int submitted = 0, refused = 0, bad = 0, i;
	pthread_t t;
	int64_t start, end;
	int err;

	CHECK(bo_new(fd, 4096, DRM_SNPU_BO_FIXED_VA, &x) == 0 && bo_new(fd, 4096, 0, &y) == 0,
	      "BOs for the unbind race");
	memset(y.map, 0x5e, 4096);
	b = (struct drm_snpu_bo_bind){ .handle = y.handle, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == 0, "Y starts unmapped");
	r.x = x.handle;
	r.y = y.handle;
	for (i = 0; i < RACE_NOPS; i++)
		emit(&st, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
	cmd_fill(&st, RACE_VA, 4096, 0xbadbad);
	ref = (struct drm_snpu_bo_ref){ x.handle, DRM_SNPU_BO_REF_WRITE };

	pthread_create(&t, NULL, unbind_thread, &r);
	/* RACE_SECONDS at least, longer (up to RACE_SECONDS_MAX) until both
	 * sides ran: on a loaded host one side can starve the other */
	start = now_ns();
	end = start + RACE_SECONDS * 1000000000ll;
	while (now_ns() < end ||
	       ((!submitted || !r.busy) && now_ns() < start + RACE_SECONDS_MAX * 1000000000ll)) {
		s = sub(&st, &ref, 1);
		err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		if (err == EINVAL) {	/* X not mapped when SUBMIT looked */
			refused++;
			continue;
		}
		if (err) {
			bad++;
			break;
		}
		submitted++;
		if (job_wait(fd, s.job_id, 20000, &w) || w.status != DRM_SNPU_JOB_DONE)
			bad++;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	printf("unbind-race: %u jobs, %u refused (X unmapped), %u swaps, %u unmaps refused busy\n",
	       submitted, refused, r.swaps, r.busy);
	CHECK(submitted > 0 && r.swaps > 0 && r.busy > 0, "both sides of the race ran");
	CHECK(!r.errors && !bad, "no unexpected error (bind %u, submit/wait %u)", r.errors, bad);
	b = (struct drm_snpu_bo_bind){ .handle = y.handle };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
	CHECK(all_bytes(y.map, 4096, 0x5e),
	      "a job that referenced X never wrote Y mapped at X's old VA");
	bo_free(fd, &x);
	bo_free(fd, &y);
}

/* ---- Per-context locking: two files, one BO; BO free vs file close ---- */
#define SHARED_VA	0x300000000ull
#define SHARED_ROUNDS	300

struct shared_race {
	int fd;
	uint32_t handle;
	unsigned int rounds, errors;
};

/* Bind at SHARED_VA in this file's context, unbind, SHARED_ROUNDS times. */
static void *shared_bind_thread(void *arg)
{
	struct shared_race *r = arg;
	struct drm_snpu_bo_bind b;
	unsigned int i;

	for (i = 0; i < SHARED_ROUNDS; i++) {
		b = (struct drm_snpu_bo_bind){ .handle = r->handle, .flags = DRM_SNPU_BIND_FIXED_VA,
					       .va = SHARED_VA };
		if (xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			r->errors++;
			break;
		}
		b = (struct drm_snpu_bo_bind){ .handle = r->handle, .flags = DRM_SNPU_BIND_UNMAP };
		if (xioctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			r->errors++;
			break;
		}
		r->rounds++;
	}
	return NULL;
}

static void test_shared_bind_race(int fd)
{
	struct shared_race a = { .fd = fd }, b = { 0 };
	static struct stream st;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_bo_bind bb;
	struct bo x = { 0 };
	pthread_t ta, tb;
	int fd2, dmabuf = -1;

	fd2 = open(node, O_RDWR | O_CLOEXEC);
	CHECK(fd2 >= 0 && bo_new(fd, 65536, 0, &x) == 0, "a second file and a BO");
	if (fd2 < 0)
		return;
	CHECK(!drmPrimeHandleToFD(fd, x.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) &&
	      !drmPrimeFDToHandle(fd2, dmabuf, &b.handle), "the BO shared with the second file");
	if (dmabuf >= 0)
		close(dmabuf);
	bb = (struct drm_snpu_bo_bind){ .handle = x.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb);
	a.handle = x.handle;
	b.fd = fd2;
	pthread_create(&ta, NULL, shared_bind_thread, &a);
	pthread_create(&tb, NULL, shared_bind_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(a.rounds == SHARED_ROUNDS && b.rounds == SHARED_ROUNDS && !a.errors && !b.errors,
	      "two files bind/unbind one BO at the same VA concurrently (%u and %u rounds, %u and %u errors)",
	      a.rounds, b.rounds, a.errors, b.errors);

	/* Both mapped again: a job in each file writes through its own mapping. */
	bb = (struct drm_snpu_bo_bind){ .handle = x.handle, .flags = DRM_SNPU_BIND_FIXED_VA,
					.va = SHARED_VA };
	CHECK(!xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb), "bind in the first file afterwards");
	bb.handle = b.handle;
	CHECK(!xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bb), "bind in the second file afterwards");
	st.len = 0;
	cmd_fill(&st, SHARED_VA, 65536, 0x5a5a5a5a);
	ref = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_WRITE };
	CHECK(!run(fd2, &st, &ref, 1, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(x.map, 65536, 0x5a5a5a5a), "the second file's job filled the shared BO");
	st.len = 0;
	cmd_fill(&st, SHARED_VA, 65536, 0x3c3c3c3c);
	ref.handle = x.handle;
	CHECK(!run(fd, &st, &ref, 1, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(x.map, 65536, 0x3c3c3c3c), "the first file's job filled it");
	bo_free(fd, &x);
	close(fd2);
}

#define CLOSE_ROUNDS	100

struct close_race {
	int fd;
	uint32_t handle;
};

static void *gem_close_thread(void *arg)
{
	struct close_race *c = arg;
	struct drm_gem_close g = { .handle = c->handle };

	drmIoctl(c->fd, DRM_IOCTL_GEM_CLOSE, &g);
	return NULL;
}

static void *file_close_thread(void *arg)
{
	close(*(int *)arg);
	return NULL;
}

static void test_free_vs_close(int fd)
{
	struct drm_snpu_bo_bind bb;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	static struct stream st;
	struct bo x = { 0 }, y = { 0 };
	unsigned int i, ok = 0;
	pthread_t t1, t2;
	int fd2, dmabuf;
	uint32_t h2;

	/*
	 * The last handle of a BO closed in one file while the file that
	 * imported and bound it closes: its BO free and its context release
	 * race.
	 */
	for (i = 0; i < CLOSE_ROUNDS; i++) {
		struct close_race c = { .fd = fd };

		fd2 = open(node, O_RDWR | O_CLOEXEC);
		if (fd2 < 0)
			break;
		if (bo_new(fd, 8192, 0, &x) ||
		    drmPrimeHandleToFD(fd, x.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf)) {
			close(fd2);
			break;
		}
		if (drmPrimeFDToHandle(fd2, dmabuf, &h2)) {
			close(dmabuf);
			close(fd2);
			break;
		}
		close(dmabuf);
		bb = (struct drm_snpu_bo_bind){ .handle = h2 };
		if (xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bb)) {
			close(fd2);
			break;
		}
		munmap(x.map, x.size);
		c.handle = x.handle;
		pthread_create(&t1, NULL, gem_close_thread, &c);
		pthread_create(&t2, NULL, file_close_thread, &fd2);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
		memset(&x, 0, sizeof(x));
		ok++;
	}
	CHECK(ok == CLOSE_ROUNDS, "BO free racing the importer's file close: %u of %u rounds",
	      ok, CLOSE_ROUNDS);

	/*
	 * Closing the handle of a BO a job still writes: the job completes
	 * through its mapping, and the VA is free again once the BO is idle.
	 */
	x.va = SHARED_VA;
	CHECK(bo_new(fd, 4096, DRM_SNPU_BO_FIXED_VA, &x) == 0 && bo_new(fd, 4096, 0, &y) == 0,
	      "BOs for the close-while-busy test");
	bb = (struct drm_snpu_bo_bind){ .handle = y.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb);
	st.len = 0;
	for (i = 0; i < RACE_NOPS; i++)
		emit(&st, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
	cmd_fill(&st, SHARED_VA, 4096, 0xc1c1c1c1);
	ref = (struct drm_snpu_bo_ref){ x.handle, DRM_SNPU_BO_REF_WRITE };
	s = sub(&st, &ref, 1);
	CHECK(!xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s), "submit a long job writing the BO");
	{
		struct drm_gem_close g = { .handle = x.handle };

		CHECK(!drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &g), "close its handle at once");
	}
	CHECK(!job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE,
	      "the job completed through the closed handle's mapping (status %u)", w.status);
	CHECK(all_words(x.map, 4096, 0xc1c1c1c1), "and wrote the BO");
	bb = (struct drm_snpu_bo_bind){ .handle = y.handle, .flags = DRM_SNPU_BIND_FIXED_VA,
					.va = SHARED_VA };
	CHECK(!xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb),
	      "the closed BO's VA is free once it is idle");
	munmap(x.map, x.size);
	bo_free(fd, &y);
}

/* ---- BO_BIND racing GEM_CLOSE of the same handle ---- */
#define BC_VA		0x340000000ull
#define BC_ROUNDS	4000
#define BC_SECONDS_MAX	20
#define BC_STEP_NS	173u	/* the close's delay after the bind starts: 0-40 us */
#define BC_SPAN_NS	40000u

static void spin_ns(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

struct bind_close {
	int fd;
	uint32_t handle;
	pthread_barrier_t start, done;
	volatile int stop;
	int err;
};

/* Each round: bind the BO at BC_VA while the main thread closes its handle. */
static void *bc_bind_thread(void *arg)
{
	struct bind_close *r = arg;
	struct drm_snpu_bo_bind b;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			break;
		b = (struct drm_snpu_bo_bind){ .handle = r->handle,
					       .flags = DRM_SNPU_BIND_FIXED_VA, .va = BC_VA };
		r->err = drmIoctl(r->fd, DRM_IOCTL_SNPU_BO_BIND, &b) ? errno : 0;
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

/*
 * A bind that loses the race with the close of its handle must not leave
 * a mapping behind: afterwards BC_VA is free (a mapping without a handle
 * could never be unbound, kept its BO until the file closed and made the
 * context's release WARN in drm_mm_takedown).
 */
static void test_bind_vs_close(int fd)
{
	struct bind_close r = { .fd = fd };
	unsigned int i, mapped = 0, refused = 0, other = 0, held = 0;
	int64_t deadline = now_ns() + BC_SECONDS_MAX * 1000000000ll;
	struct drm_snpu_bo_create c;
	struct drm_snpu_bo_bind u;
	struct drm_gem_close g;
	pthread_t t;

	pthread_barrier_init(&r.start, NULL, 2);
	pthread_barrier_init(&r.done, NULL, 2);
	pthread_create(&t, NULL, bc_bind_thread, &r);
	for (i = 0; i < BC_ROUNDS && now_ns() < deadline; i++) {
		c = (struct drm_snpu_bo_create){ .size = 4096 };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c)) {
			other++;
			break;
		}
		u = (struct drm_snpu_bo_bind){ .handle = c.handle, .flags = DRM_SNPU_BIND_UNMAP };
		xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &u);
		r.handle = c.handle;
		pthread_barrier_wait(&r.start);
		/* The close lands at a different point of the bind each round. */
		spin_ns((int64_t)(i * BC_STEP_NS % BC_SPAN_NS));
		g = (struct drm_gem_close){ .handle = c.handle };
		drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &g);
		pthread_barrier_wait(&r.done);
		if (!r.err)
			mapped++;
		else if (r.err == ENOENT)
			refused++;
		else
			other++;
		/* BC_VA must be free again: a new BO takes it. */
		c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
						 .va = BC_VA };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c)) {
			held++;
			break;
		}
		g = (struct drm_gem_close){ .handle = c.handle };
		drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &g);
	}
	r.stop = 1;
	pthread_barrier_wait(&r.start);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);
	printf("  bind-vs-close: %u rounds, the bind mapped in %u, found the handle gone in %u\n",
	       i, mapped, refused);
	CHECK(!held && !other,
	      "a bind racing the close of its handle leaves no mapping behind (round %u: VA %s, %u unexpected errors)",
	      i, held ? "still taken" : "free", other);
}

/* ---- Per-context locking: a bind does not wait for another file's ---- */
#define BIG_BO		(128u << 20)	/* 32768 PTEs per bind */
#define PAR_SECONDS	2
#define PAR_TRIES	3	/* the median of 3 counts: host noise moves single tries */
#define PAR_MIN_PERCENT	25	/* one device-wide lock: 1-18 % a try, median <= 13 % */

struct par_bind {
	int fd;
	uint32_t handle;
	volatile int stop;
	unsigned int n, errors;
	int64_t longest;
};

/* Bind (a 32768-PTE build under its context's lock) and unbind, until stop. */
static void *big_bind_thread(void *arg)
{
	struct par_bind *p = arg;
	struct drm_snpu_bo_bind b;
	int64_t t0;

	while (!p->stop) {
		b = (struct drm_snpu_bo_bind){ .handle = p->handle };
		t0 = now_ns();
		if (xioctl(p->fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			p->errors++;
			break;
		}
		if (now_ns() - t0 > p->longest)
			p->longest = now_ns() - t0;
		p->n++;
		b = (struct drm_snpu_bo_bind){ .handle = p->handle, .flags = DRM_SNPU_BIND_UNMAP };
		if (xioctl(p->fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			p->errors++;
			break;
		}
	}
	return NULL;
}

/* Bind/unbind pairs of a small BO for ns; returns how many, counts errors. */
static unsigned int small_binds(int fd, uint32_t handle, int64_t ns, unsigned int *errors)
{
	int64_t end = now_ns() + ns;
	struct drm_snpu_bo_bind b;
	unsigned int n = 0;

	while (now_ns() < end) {
		b = (struct drm_snpu_bo_bind){ .handle = handle };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			(*errors)++;
			break;
		}
		b = (struct drm_snpu_bo_bind){ .handle = handle, .flags = DRM_SNPU_BIND_UNMAP };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b)) {
			(*errors)++;
			break;
		}
		n++;
	}
	return n;
}

static void test_parallel_binds(int fd)
{
	unsigned int alone, along, try, pct[PAR_TRIES], percent, bigs = ~0u, errors = 0;
	struct drm_snpu_bo_bind b;
	struct bo big = { 0 }, small = { 0 };
	struct par_bind p;
	pthread_t t;
	int fd2;

	fd2 = open(node, O_RDWR | O_CLOEXEC);
	CHECK(fd2 >= 0 && bo_new(fd2, BIG_BO, 0, &big) == 0 && bo_new(fd, 4096, 0, &small) == 0,
	      "a second file with a %u MiB BO, a small BO in the first", BIG_BO >> 20);
	if (fd2 < 0)
		return;
	b = (struct drm_snpu_bo_bind){ .handle = big.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &b);
	b.handle = small.handle;
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);

	/*
	 * The first file's bind/unbind rate alone, then while the second file
	 * binds and unbinds the big BO: with one device-wide lock the first
	 * file waits behind every big page-table build (a few % of its rate
	 * alone); with a lock per context it keeps most of it.
	 */
	for (try = 0; try < PAR_TRIES; try++) {
		alone = small_binds(fd, small.handle, 1000000000ll, &errors);
		memset(&p, 0, sizeof(p));
		p.fd = fd2;
		p.handle = big.handle;
		pthread_create(&t, NULL, big_bind_thread, &p);
		along = small_binds(fd, small.handle, PAR_SECONDS * 1000000000ll, &errors);
		p.stop = 1;
		pthread_join(t, NULL);
		errors += p.errors;
		along /= PAR_SECONDS;
		pct[try] = alone ? 100ull * along / alone : 0;
		if (p.n < bigs)
			bigs = p.n;
		printf("parallel-binds: try %u: %u small binds/s alone, %u/s (%u %%) while the other file made %u big binds (longest %.1f ms)\n",
		       try + 1, alone, along, pct[try], p.n, p.longest / 1e6);
	}
	/* the median of the three */
	percent = pct[0] > pct[1] ? pct[0] : pct[1];
	percent = percent < pct[2] ? percent : pct[2];
	percent = (pct[0] < pct[1] ? pct[0] : pct[1]) > percent ?
		  (pct[0] < pct[1] ? pct[0] : pct[1]) : percent;
	CHECK(!errors, "no bind failed (%u)", errors);
	CHECK(percent >= PAR_MIN_PERCENT && bigs >= 2,
	      "a file's binds progress while another file builds page tables (median %u %% of the rate alone, want %u %%; at least %u big binds a try)",
	      percent, PAR_MIN_PERCENT, bigs);
	bo_free(fd, &small);
	bo_free(fd2, &big);
	close(fd2);
}

/* ---- Finding 6: READ_ONLY belongs to the BO ---- */
static void test_read_only(int fd)
{
	struct bo ro = { 0 };
	struct drm_snpu_bo_bind b;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct stream st = { .len = 0 };
	int fd2 = open(node, O_RDWR), dmabuf = -1, err;
	uint32_t h2 = 0;

	CHECK(bo_new(fd, 8192, DRM_SNPU_BO_READ_ONLY, &ro) == 0, "READ_ONLY BO");
	memset(ro.map, 0x33, 8192);
	b = (struct drm_snpu_bo_bind){ .handle = ro.handle, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == 0, "unmap it");
	b = (struct drm_snpu_bo_bind){ .handle = ro.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == 0, "bind it again without READ_ONLY");
	cmd_fill(&st, b.va, 8192, 0);
	ref = (struct drm_snpu_bo_ref){ ro.handle, DRM_SNPU_BO_REF_WRITE };
	err = run(fd, &st, &ref, 1, &w);
	CHECK(err == EPERM, "the creator cannot write it after a rebind: %d", err);

	CHECK(drmPrimeHandleToFD(fd, ro.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) == 0 &&
	      drmPrimeFDToHandle(fd2, dmabuf, &h2) == 0, "export and import it");
	b = (struct drm_snpu_bo_bind){ .handle = h2 };
	CHECK(xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &b) == 0, "importer binds it writable");
	st.len = 0;
	cmd_fill(&st, b.va, 8192, 0);
	ref = (struct drm_snpu_bo_ref){ h2, DRM_SNPU_BO_REF_WRITE };
	err = run(fd2, &st, &ref, 1, &w);
	CHECK(err == EPERM, "the importer cannot write it: %d", err);
	CHECK(all_bytes(ro.map, 8192, 0x33), "READ_ONLY BO intact");
	if (dmabuf >= 0)
		close(dmabuf);
	close(fd2);
	bo_free(fd, &ro);
}

/* ---- Finding 7: bounded kernel memory ---- */
static long fdinfo_value(int fd, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static void test_pagetables(int fd)
{
	struct bo b0 = { 0 };
	struct drm_snpu_bo_bind b;
	long before, after;
	unsigned int i, ok = 0;

	CHECK(bo_new(fd, 4096, 0, &b0) == 0, "BO for the page-table test");
	b = (struct drm_snpu_bo_bind){ .handle = b0.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
	before = fdinfo_value(fd, "snpu-pagetable-pages");
	for (i = 0; i < 512; i++) {
		b = (struct drm_snpu_bo_bind){ .handle = b0.handle, .flags = DRM_SNPU_BIND_FIXED_VA,
					       .va = 0x2000000000ull + (uint64_t)i * (2u << 20) };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b))
			continue;
		b = (struct drm_snpu_bo_bind){ .handle = b0.handle, .flags = DRM_SNPU_BIND_UNMAP };
		ok += !xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
	}
	after = fdinfo_value(fd, "snpu-pagetable-pages");
	CHECK(ok == 512, "512 bind/unbind at successive 2 MiB VAs (%u)", ok);
	CHECK(before > 0 && after == before,
	      "empty page tables are freed: %ld pages before, %ld after", before, after);
	bo_free(fd, &b0);
}

static void test_queued_bound(int fd)
{
	struct bo flag = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream blk = { .len = 0 }, nop = { .len = 0 };
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);
	static uint64_t ids[4096];
	unsigned int n = 0, i, done = 0;
	int err = 0;

	CHECK(bo_new(fd, 4096, 0, &flag) == 0, "flag BO");
	ref = (struct drm_snpu_bo_ref){ flag.handle, DRM_SNPU_BO_REF_READ };
	/* A WAIT lasts at most 1 s (the firmware's cap): 10 blockers a queue. */
	cmd_wait(&blk, flag.va, 1, 1000000);
	emit(&nop, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
	for (uint32_t q = 0; q < nq * 10 && !err; q++) {
		s = sub(&blk, &ref, 1);
		s.queue = q % nq;
		err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		if (!err)
			ids[n++] = s.job_id;
	}
	/* Every queue and priority: the bound is per file, not per entity. */
	while (!err && n < 4096) {
		s = sub(&nop, &ref, 1);
		s.queue = n % nq;
		s.priority = (n / nq) % 2 ? DRM_SNPU_PRIORITY_LOW : DRM_SNPU_PRIORITY_NORMAL;
		/* Not drmIoctl(): it retries EAGAIN until there is room. */
		err = ioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) ? errno : 0;
		if (!err)
			ids[n++] = s.job_id;
	}
	CHECK(err == EAGAIN && n == 256,
	      "queued jobs of one file stop at 256: %u (err %d, fdinfo says %ld queued)", n, err,
	      fdinfo_value(fd, "snpu-jobs-queued"));
	*(volatile uint64_t *)flag.map = 1;
	for (i = 0; i < n; i++)	/* DONE: a blocker may have timed out in the device */
		done += !job_wait(fd, ids[i], 60000, &w) && w.status == DRM_SNPU_JOB_DONE;
	CHECK(done == n, "all %u queued jobs done (%u)", n, done);
	s = sub(&nop, &ref, 1);
	CHECK(!xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s), "room again afterwards");
	job_wait(fd, s.job_id, 20000, &w);
	bo_free(fd, &flag);
}

/* ---- Finding 11: the documented interface ---- */
static void test_uapi(int fd)
{
	struct drm_snpu_bo_create c;
	struct drm_snpu_bo_bind b;
	struct drm_snpu_job_wait w;
	struct bo a = { 0 };
	drmVersionPtr v = drmGetVersion(fd);

	CHECK(v && v->version_major == 1 && v->version_minor >= 1, "driver version 1.%d",
	      v ? v->version_minor : -1);
	drmFreeVersion(v);
	CHECK(get_param(fd, DRM_SNPU_PARAM_BO_FLAGS) == DRM_SNPU_BO_FLAGS &&
	      get_param(fd, DRM_SNPU_PARAM_BIND_FLAGS) == DRM_SNPU_BIND_FLAGS &&
	      get_param(fd, DRM_SNPU_PARAM_SUBMIT_FLAGS) == DRM_SNPU_SUBMIT_FLAGS,
	      "the flags the driver takes are discoverable");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
					 .va = 0x1000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "fixed VA below 64 KiB");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
					 .va = 0x10000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == 0, "fixed VA at 64 KiB");
	c = (struct drm_snpu_bo_create){ .size = 4096, .va = 0x50000000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "va without FIXED_VA");
	CHECK(bo_new(fd, 4096, 0, &a) == 0 && a.va >= 0x10000, "chosen VA 0x%" PRIx64, a.va);
	b = (struct drm_snpu_bo_bind){ .handle = a.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
	b = (struct drm_snpu_bo_bind){ .handle = a.handle, .va = 0x50000000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == EINVAL, "bind va without FIXED_VA");
	memset(&w, 0, sizeof(w));
	w.job_id = 1;
	w.timeout_ns = -1;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_JOB_WAIT, &w) == EINVAL, "negative timeout_ns");
	bo_free(fd, &a);
}

/* ---- Findings 3, 9, 11: reset semantics ---- */
static void test_reset(int fd)
{
	struct bo flag = { 0 }, hs = { 0 }, late = { 0 };
	struct drm_snpu_bo_ref ref, href, lref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	static struct stream hang, behind, inflight, later;
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);
	uint64_t hang_id, behind_id, inflight_id, later_id;
	int fd2 = open(node, O_RDWR), err, i;
	volatile uint64_t *hsp;

	if (nq < 2) {
		CHECK(0, "the reset test needs two queues");
		return;
	}
	CHECK(!bo_new(fd, 4096, 0, &flag) && !bo_new(fd2, 4096, 0, &hs) &&
	      !bo_new(fd2, 4096, 0, &late), "BOs for the reset");
	ref = (struct drm_snpu_bo_ref){ flag.handle, DRM_SNPU_BO_REF_READ };
	href = (struct drm_snpu_bo_ref){ hs.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	lref = (struct drm_snpu_bo_ref){ late.handle, DRM_SNPU_BO_REF_WRITE };

	/* File 2, queue 1: says it started, then waits 4 s: in flight at the reset. */
	cmd_fence(&inflight, hs.va, 1);
	cmd_wait(&inflight, hs.va + 8, 1, 4000000);
	s = sub(&inflight, &href, 1);
	s.queue = 1;
	err = xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &s);
	inflight_id = s.job_id;
	hsp = hs.map;
	for (i = 0; i < 2000 && !err && hsp[0] != 1; i++)
		usleep(1000);
	CHECK(!err && hsp[0] == 1, "the other file's job started (err %d)", err);
	hsp[0] = 0;	/* a second run would set it again */

	/* File 1, queue 0: hangs; a job of the same entity waits behind it. */
	for (i = 0; i < 8; i++)
		cmd_wait(&hang, flag.va, 1, 1000000);
	s = sub(&hang, &ref, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	hang_id = s.job_id;
	emit(&behind, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
	s = sub(&behind, &ref, 1);
	err = err ? err : xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	behind_id = s.job_id;
	/* File 2, queue 0 behind the hung job: not started, runs after the reset. */
	cmd_fill(&later, late.va, 4096, 0x1a7e);
	s = sub(&later, &lref, 1);
	err = err ? err : xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &s);
	later_id = s.job_id;
	CHECK(!err, "submit the hang and the jobs around it: %d", err);

	err = job_wait(fd, hang_id, 30000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_TIMEDOUT && w.hw_status == SNPU_ERR_ABORTED,
	      "hung job TIMEDOUT with hw_status ABORTED: err %d status %u hw %u", err, w.status,
	      w.hw_status);
	err = job_wait(fd, behind_id, 30000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_CANCELED && w.hw_status == SNPU_ERR_ABORTED,
	      "the hung file's job behind it is CANCELED: err %d status %u hw %u", err,
	      w.status, w.hw_status);
	err = job_wait(fd2, inflight_id, 30000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_ABORTED && w.hw_status == SNPU_ERR_ABORTED,
	      "the other file's running job is ABORTED: err %d status %u hw %u", err, w.status,
	      w.hw_status);
	usleep(100000);
	CHECK(hsp[0] == 0, "and it never ran again (start flag %" PRIu64 ")", hsp[0]);
	err = job_wait(fd2, later_id, 30000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(late.map, 4096, 0x1a7e),
	      "the job not yet started ran after the reset: err %d status %u", err, w.status);

	/* The hung file's entity works again for new jobs. */
	s = sub(&behind, &ref, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE,
	      "a new job of the hung file runs: err %d status %u", err, w.status);
	bo_free(fd, &flag);
	bo_free(fd2, &hs);
	bo_free(fd2, &late);
	close(fd2);
}

/*
 * ---- Isolation attacks: A tries every route to B's buffers ----
 * B (a child process) holds a secret BO; A gets B's handle, VA, mmap
 * offset and context id, and a third process C freed its context after
 * writing a secret. Every attempt is refused or stays in A's own context;
 * B's data is checked byte for byte at the end.
 */
struct victim {
	uint64_t va, offset;
	uint32_t handle, ctx;
};

static void test_isolation_attacks(void)
{
	int to_a[2], to_b[2], fd, fd2, status, pfd[2], dmabuf = -1;
	struct drm_snpu_bo_mmap_offset mo;
	struct drm_snpu_bo_info bi;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct bo mine = { 0 }, at_c = { 0 };
	struct stream st = { .len = 0 };
	struct victim b, c;
	uint32_t h;
	pid_t pb, pc;
	void *p;
	char go = 1;
	int err;

	if (pipe(to_a) || pipe(to_b)) {
		CHECK(0, "pipes");
		return;
	}
	pb = fork();
	if (pb == 0) {	/* B: a secret, kept until A is done */
		struct bo secret = { 0 };
		struct drm_snpu_bo_mmap_offset m = { 0 };
		int bfd = open(node, O_RDWR);

		if (bfd < 0 || bo_new(bfd, 16384, 0, &secret))
			_exit(2);
		memset(secret.map, 0x42, secret.size);
		m.handle = secret.handle;
		xioctl(bfd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &m);
		b = (struct victim){ secret.va, m.offset, secret.handle,
				     (uint32_t)get_param(bfd, DRM_SNPU_PARAM_CONTEXT_ID) };
		if (write(to_a[1], &b, sizeof(b)) != sizeof(b) || read(to_b[0], &go, 1) != 1)
			_exit(3);
		_exit(all_bytes(secret.map, secret.size, 0x42) ? 0 : 1);
	}
	if (read(to_a[0], &b, sizeof(b)) != sizeof(b)) {
		CHECK(0, "B did not start");
		return;
	}
	pc = fork();
	if (pc == 0) {	/* C: writes a secret with a job, then closes its context */
		struct bo secret = { 0 };
		struct drm_snpu_bo_ref r;
		struct drm_snpu_job_wait cw;
		struct stream cs = { .len = 0 };
		int cfd = open(node, O_RDWR);

		secret.va = 0x3000000000ull;
		if (cfd < 0 || bo_new(cfd, 16384, DRM_SNPU_BO_FIXED_VA, &secret))
			_exit(2);
		r = (struct drm_snpu_bo_ref){ secret.handle, DRM_SNPU_BO_REF_WRITE };
		cmd_fill(&cs, secret.va, 16384, 0x43434343);
		if (run(cfd, &cs, &r, 1, &cw) || cw.status != DRM_SNPU_JOB_DONE)
			_exit(4);
		c = (struct victim){ secret.va, 0, secret.handle,
				     (uint32_t)get_param(cfd, DRM_SNPU_PARAM_CONTEXT_ID) };
		close(cfd);
		_exit(write(to_a[1], &c, sizeof(c)) == sizeof(c) ? 0 : 5);
	}
	CHECK(read(to_a[0], &c, sizeof(c)) == sizeof(c), "C wrote a secret and closed");
	waitpid(pc, &status, 0);
	/* C's freed context id: open files until one gets it. */
	{
		int fds[64], n = 0, got = -1;

		for (; n < 64; n++) {
			fds[n] = open(node, O_RDWR);
			if (fds[n] < 0)
				break;
			if (get_param(fds[n], DRM_SNPU_PARAM_CONTEXT_ID) == c.ctx) {
				got = fds[n];
				break;
			}
		}
		CHECK(got >= 0, "a new file got C's freed context id %u", c.ctx);
		if (got >= 0) {
			at_c.va = c.va;
			CHECK(!bo_new(got, 16384, DRM_SNPU_BO_FIXED_VA, &at_c), "a BO at C's VA");
			ref = (struct drm_snpu_bo_ref){ at_c.handle, DRM_SNPU_BO_REF_READ };
			st.len = 0;
			cmd_fence(&st, c.va, 0);	/* needs WRITE: refused */
			CHECK(run(got, &st, &ref, 1, &w) == EPERM, "write through a READ ref");
			CHECK(all_bytes(at_c.map, 16384, 0), "C's secret is not in the reused context");
			bo_free(got, &at_c);
		}
		if (got >= 0)
			n++;	/* fds[n] is got */
		for (int i = 0; i < n; i++)
			close(fds[i]);
	}

	fd = open(node, O_RDWR);
	fd2 = -1;
	/* Another file's mmap offset. */
	p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)b.offset);
	CHECK(p == MAP_FAILED, "mmap of B's offset on my file is refused");
	if (p != MAP_FAILED)
		munmap(p, 16384);
	/* Stale and foreign handles. */
	bi = (struct drm_snpu_bo_info){ .handle = b.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_INFO, &bi) == ENOENT, "B's handle is unknown here");
	mo = (struct drm_snpu_bo_mmap_offset){ .handle = b.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &mo) == ENOENT,
	      "no mmap offset for B's handle");
	/* Forged VA: B's VA in a command (my BO away from the VAs handed out). */
	mine.va = 0x5000000000ull;
	CHECK(!bo_new(fd, 16384, DRM_SNPU_BO_FIXED_VA, &mine), "my BO");
	ref = (struct drm_snpu_bo_ref){ mine.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	cmd_copy(&st, b.va, mine.va, 16384);
	CHECK(run(fd, &st, &ref, 1, &w) == EPERM, "a command at B's VA is refused");
	/* dma-buf misuse: a non-dma-buf fd, and my own export bound at B's VA. */
	CHECK(!pipe(pfd), "pipe");
	CHECK(drmPrimeFDToHandle(fd, pfd[0], &h) != 0, "a pipe is no dma-buf");
	close(pfd[0]);
	close(pfd[1]);
	CHECK(!drmPrimeHandleToFD(fd, mine.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf),
	      "export my BO");
	fd2 = open(node, O_RDWR);
	if (dmabuf >= 0 && !drmPrimeFDToHandle(fd2, dmabuf, &h)) {
		struct drm_snpu_bo_bind bb = { .handle = h, .flags = DRM_SNPU_BIND_FIXED_VA,
					       .va = b.va };

		CHECK(!xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bb), "bind my import at B's VA");
		st.len = 0;
		cmd_fill(&st, b.va, 16384, 0x66666666);
		ref = (struct drm_snpu_bo_ref){ h, DRM_SNPU_BO_REF_WRITE };
		err = run(fd2, &st, &ref, 1, &w);
		CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(mine.map, 16384, 0x66666666),
		      "a job at B's VA reaches my BO only (err %d status %u)", err, w.status);
		p = mmap(NULL, 32768, PROT_READ, MAP_SHARED, dmabuf, 0);
		CHECK(p == MAP_FAILED, "a dma-buf mmap past its size is refused");
		if (p != MAP_FAILED)
			munmap(p, 32768);
	}
	if (dmabuf >= 0)
		close(dmabuf);
	bo_free(fd, &mine);
	close(fd2);
	close(fd);
	CHECK(write(to_b[1], &go, 1) == 1, "wake B");
	waitpid(pb, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "B's secret is intact byte for byte (B status 0x%x)", status);
}

/* ---- Finding 5: DEVICE BO mmaps and unbind ---- */
static int unbind_mmap(const char *bdf)
{
	struct bo d = { 0 };
	char path[128];
	pid_t pid;
	int fd = open(node, O_RDWR), st, sysfd;

	if (fd < 0 || bo_new(fd, 65536, DRM_SNPU_BO_DEVICE, &d)) {
		CHECK(0, "DEVICE BO to map");
		return 1;
	}
	memset(d.map, 0x77, d.size);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/snpu/unbind");
	sysfd = open(path, O_WRONLY);
	CHECK(sysfd >= 0 && write(sysfd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf),
	      "unbind %s", bdf);
	if (sysfd >= 0)
		close(sysfd);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t *p = d.map;

		p[0] = 1;	/* must not reach BAR2 any more */
		/* a zeroed dummy page of the mapping's own: not BAR2's 0x77 */
		_exit(p[0] == 1 && p[1] == 0 && p[d.size - 1] == 0 ? 0 : 3);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the mapping of a DEVICE BO no longer reaches the device: a zeroed dummy page, "
	      "no SIGBUS (child status 0x%x)", st);
	munmap(d.map, d.size);
	close(fd);
	sysfd = open("/sys/bus/pci/drivers/snpu/bind", O_WRONLY);
	CHECK(sysfd >= 0 && write(sysfd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf),
	      "bind %s again", bdf);
	if (sysfd >= 0)
		close(sysfd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *bdf = NULL;
	int fd, queued = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--queued-bound"))
			queued = 1;
		else if (!strcmp(argv[i], "--unbind-mmap") && i + 1 < argc)
			bdf = argv[++i];
		else
			node = argv[i];
	}
	if (bdf || queued) {
		if (bdf)
			unbind_mmap(bdf);
		else if ((fd = open(node, O_RDWR | O_CLOEXEC)) >= 0)
			test_queued_bound(fd);
		printf("driver-races: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL cannot open %s: %s\ndriver-races: 0 passed, 1 failed\n", node,
		       strerror(errno));
		return 1;
	}
	/* First: no engine reset before them (a debug kernel's lockdep
	 * stops at its first report, and resets are the busiest path). */
	test_shared_bind_race(fd);
	printf("shared-bind: %d passed, %d failed\n", passed, failed);
	test_free_vs_close(fd);
	printf("+free-vs-close: %d passed, %d failed\n", passed, failed);
	test_bind_vs_close(fd);
	printf("+bind-vs-close: %d passed, %d failed\n", passed, failed);
	test_parallel_binds(fd);
	printf("+parallel-binds: %d passed, %d failed\n", passed, failed);
	test_unbind_race(fd);
	printf("+unbind-race: %d passed, %d failed\n", passed, failed);
	test_read_only(fd);
	printf("+read-only: %d passed, %d failed\n", passed, failed);
	test_pagetables(fd);
	printf("+pagetables: %d passed, %d failed\n", passed, failed);
	test_uapi(fd);
	printf("+uapi: %d passed, %d failed\n", passed, failed);
	test_reset(fd);
	printf("+reset: %d passed, %d failed\n", passed, failed);
	test_isolation_attacks();
	printf("+isolation: %d passed, %d failed\n", passed, failed);
	close(fd);
	printf("driver-races: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
