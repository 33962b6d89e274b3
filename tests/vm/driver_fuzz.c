// SPDX-License-Identifier: MIT
/*
 * snpu-driver-fuzz: an ioctl fuzzer for /dev/accel/accelN. Several
 * processes, each with several threads sharing a file that is sometimes
 * closed and reopened under them, make random and mutated calls: BO
 * create/close/mmap with random sizes and flags, bind/unbind churn at a
 * few fixed VAs, SUBMITs of valid, mutated and random command streams with
 * random BO refs, syncs, queues and priorities, JOB_WAIT, GET_PARAM, PRIME
 * export/import, syncobjs. Afterwards a checked job must still run on a
 * fresh file. The in-VM runner fails the test on any WARN/BUG/oops/KASAN.
 *
 *   snpu-driver-fuzz [--seconds N] [--procs N] [--threads N] [--seed N] [/dev/accel/accelN]
 *   snpu-driver-fuzz --load SECONDS [--procs N]   load instead: N submitters at
 *       every priority (each result checked), a binder churning mappings and
 *       a reader of counters and fdinfo
 *
 * Prints the number of calls made and ends with "driver-fuzz: N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"
#include "driver_check.h"
#include "driver_util.h"

#define POOL		32
#define OPS		11

struct fuzzer {
	volatile int fd;
	pthread_mutex_t lock;	/* the handle pool */
	uint32_t handles[POOL];
	uint64_t vas[POOL];
	uint64_t last_job;
	int64_t end_ns;
	uint64_t seed;
	unsigned long calls[OPS];
};

static const char *const op_names[OPS] = {
	"bo_create", "gem_close", "bind", "submit", "submit_mutated", "job_wait",
	"get_param", "prime", "mmap", "syncobj", "reopen",
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t pick_handle(struct fuzzer *f, uint64_t *s, uint64_t *va)
{
	uint32_t i = rnd(s) % POOL, h;

	pthread_mutex_lock(&f->lock);
	h = f->handles[i];
	if (va)
		*va = f->vas[i];
	pthread_mutex_unlock(&f->lock);
	return rnd(s) % 16 ? h : (uint32_t)rnd(s);
}

static void put_handle(struct fuzzer *f, uint64_t *s, uint32_t h, uint64_t va)
{
	uint32_t i = rnd(s) % POOL;

	pthread_mutex_lock(&f->lock);
	f->handles[i] = h;
	f->vas[i] = va;
	pthread_mutex_unlock(&f->lock);
}

static uint64_t rnd_va(uint64_t *s, uint64_t known)
{
	static const uint64_t fixed[] = { 0x10000, 0x40000000, 0x100000000ull,
					  0x7ffffff000ull, 0 };

	switch (rnd(s) % 4) {
	case 0:
		return fixed[rnd(s) % 5];
	case 1:
		return rnd(s) & 0x7ffffff000ull;
	default:
		return known + (rnd(s) % 8) * 4096;
	}
}

static void build_stream(struct stream *st, uint64_t *s, uint64_t va)
{
	uint32_t n = 1 + rnd(s) % 6;

	st->len = 0;
	for (uint32_t i = 0; i < n; i++) {
		switch (rnd(s) % 5) {
		case 0:
			emit(st, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
			break;
		case 1:
			cmd_fill(st, rnd_va(s, va), 4096 * (1 + rnd(s) % 4), (uint32_t)rnd(s));
			break;
		case 2:
			cmd_copy(st, rnd_va(s, va), rnd_va(s, va), 4096);
			break;
		case 3:
			cmd_fence(st, rnd_va(s, va), rnd(s));
			break;
		default:
			cmd_wait(st, rnd_va(s, va), rnd(s) % 2, rnd(s) % 2000);
			break;
		}
	}
}

static void fuzz_submit(struct fuzzer *f, uint64_t *s, int fd, int mutate)
{
	static __thread struct stream st;
	struct drm_snpu_bo_ref refs[8];
	struct drm_snpu_sync syncs[2];
	struct drm_snpu_submit a;
	uint32_t nrefs = rnd(s) % 9, sobj = 0;
	uint64_t va = 0;

	for (uint32_t i = 0; i < nrefs; i++) {
		refs[i].handle = pick_handle(f, s, i ? NULL : &va);
		refs[i].flags = rnd(s) % 8 ? 1 + rnd(s) % 3 : (uint32_t)rnd(s);
	}
	build_stream(&st, s, va);
	if (mutate) {
		for (uint32_t i = 0, n = 1 + rnd(s) % 8; i < n && st.len; i++)
			st.buf[rnd(s) % st.len] ^= 1u << (rnd(s) % 8);
		if (rnd(s) % 8 == 0)
			st.len = (uint32_t)(rnd(s) % (st.len + 16));
	}
	a = sub(&st, refs, nrefs);
	a.queue = rnd(s) % 5;
	a.priority = rnd(s) % 4;
	a.flags = rnd(s) % 4 ? rnd(s) % 4 : (uint32_t)rnd(s);
	if (rnd(s) % 4 == 0 && !drmSyncobjCreate(fd, 0, &sobj)) {
		syncs[0] = (struct drm_snpu_sync){ .handle = sobj };
		syncs[1] = (struct drm_snpu_sync){ .handle = (uint32_t)rnd(s) % 8 };
		a.out_syncs = (uintptr_t)syncs;
		a.out_sync_count = 1 + rnd(s) % 2;
	}
	if (rnd(s) % 16 == 0)
		a.bo_ref_size = (uint32_t)rnd(s) % 300;
	if (!xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &a))
		__atomic_store_n(&f->last_job, a.job_id, __ATOMIC_RELAXED);
	if (sobj)
		drmSyncobjDestroy(fd, sobj);
}

static void fuzz_one(struct fuzzer *f, uint64_t *s)
{
	int fd = f->fd, op = rnd(s) % OPS;
	uint64_t va;
	uint32_t h;

	__atomic_fetch_add(&f->calls[op], 1, __ATOMIC_RELAXED);
	switch (op) {
	case 0: {
		uint32_t flags = rnd(s) % 8 ? rnd(s) % 8 : (uint32_t)rnd(s);
		struct drm_snpu_bo_create c = {
			.size = rnd(s) % 4 ? 4096 * (1 + rnd(s) % 64) : rnd(s) % (1u << 22),
			.flags = flags,
			.va = flags & DRM_SNPU_BO_FIXED_VA ? rnd_va(s, 0x40000000) : 0,
		};

		if (!xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c))
			put_handle(f, s, c.handle, c.va);
		break;
	}
	case 1: {
		struct drm_gem_close c = { .handle = pick_handle(f, s, NULL) };

		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
		break;
	}
	case 2: {
		struct drm_snpu_bo_bind b = { .handle = pick_handle(f, s, &va) };

		b.flags = rnd(s) % 8 ? rnd(s) % 8 : (uint32_t)rnd(s);
		if (b.flags & DRM_SNPU_BIND_FIXED_VA)
			b.va = rnd_va(s, va);
		xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
		break;
	}
	case 3:
	case 4:
		fuzz_submit(f, s, fd, op == 4);
		break;
	case 5: {
		struct drm_snpu_job_wait w = { 0 };
		uint64_t last = __atomic_load_n(&f->last_job, __ATOMIC_RELAXED);

		w.job_id = rnd(s) % 4 ? last - rnd(s) % 8 : rnd(s);
		w.timeout_ns = rnd(s) % 4 ? now_ns() + (int64_t)(rnd(s) % 20) * 1000000 :
					    (int64_t)rnd(s);
		xioctl(fd, DRM_IOCTL_SNPU_JOB_WAIT, &w);
		break;
	}
	case 6:
		get_param(fd, rnd(s) % 2 ? rnd(s) % 30 : DRM_SNPU_PARAM_COUNTER(rnd(s) % 20));
		break;
	case 7: {
		int dmabuf = -1;

		h = pick_handle(f, s, NULL);
		if (!drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf)) {
			uint32_t h2;

			if (!drmPrimeFDToHandle(fd, dmabuf, &h2))
				put_handle(f, s, h2, 0);
			close(dmabuf);
		}
		break;
	}
	case 8: {
		struct drm_snpu_bo_mmap_offset m = { .handle = pick_handle(f, s, NULL) };

		if (!xioctl(fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &m)) {
			size_t len = 4096 * (1 + rnd(s) % 4);
			void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				       (off_t)m.offset);

			if (p != MAP_FAILED) {
				*(volatile uint8_t *)p = (uint8_t)rnd(s);
				munmap(p, len);
			}
		}
		break;
	}
	case 9: {
		uint32_t so;

		if (!drmSyncobjCreate(fd, rnd(s) % 2 ? DRM_SYNCOBJ_CREATE_SIGNALED : 0, &so))
			drmSyncobjDestroy(fd, so);
		break;
	}
	default:
		/* Close the file under the other threads, then open a new one. */
		if (rnd(s) % 16 == 0) {
			int nfd = open(node, O_RDWR | O_CLOEXEC);

			if (nfd >= 0) {
				f->fd = nfd;
				close(fd);
			}
		}
		break;
	}
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	uint64_t s = __atomic_add_fetch(&f->seed, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED) | 1;

	while (now_ns() < f->end_ns)
		fuzz_one(f, &s);
	return NULL;
}

static unsigned long fuzz_process(int seconds, int threads, uint64_t seed)
{
	static struct fuzzer f;
	pthread_t t[16];
	unsigned long total = 0;

	f.fd = open(node, O_RDWR | O_CLOEXEC);
	pthread_mutex_init(&f.lock, NULL);
	f.end_ns = now_ns() + (int64_t)seconds * 1000000000;
	f.seed = seed;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, fuzz_thread, &f);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < OPS; i++)
		total += f.calls[i];
	printf("pid %d:", getpid());
	for (int i = 0; i < OPS; i++)
		printf(" %s %lu", op_names[i], f.calls[i]);
	printf("\n");
	fflush(stdout);
	close(f.fd);
	return total;
}

/*
 * Load: submitters at every priority, each job's result checked; a binder
 * churning its own mappings; a reader of counters and fdinfo. Returns the
 * number of jobs checked, or -1 when one was lost or wrong.
 */
static long load_submitter(int seconds, uint32_t id)
{
	struct bo b = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit a;
	struct stream st = { .len = 0 };
	int fd = open(node, O_RDWR | O_CLOEXEC);
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);
	int64_t end = now_ns() + (int64_t)seconds * 1000000000;
	long jobs = 0;

	if (fd < 0 || bo_new(fd, 65536, 0, &b))
		return -1;
	ref = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	for (uint32_t n = 0; now_ns() < end; n++) {
		uint32_t v = id << 24 | (n & 0xffffff);

		st.len = 0;
		cmd_fill(&st, b.va, 32768, v);
		cmd_copy(&st, b.va, b.va + 32768, 32768);
		a = sub(&st, &ref, 1);
		a.queue = n % nq;
		a.priority = n % 3;	/* NORMAL, LOW, HIGH */
		if (xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &a) || job_wait(fd, a.job_id, 30000, &w) ||
		    w.status != DRM_SNPU_JOB_DONE || w.hw_status != 0 ||
		    !all_words((char *)b.map + 32768, 32768, v))
			return -1;
		jobs++;
	}
	bo_free(fd, &b);
	close(fd);
	return jobs;
}

static long load_binder(int seconds)
{
	struct bo b = { 0 };
	struct drm_snpu_bo_bind bb;
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int64_t end = now_ns() + (int64_t)seconds * 1000000000;
	long n = 0;

	if (fd < 0 || bo_new(fd, 8192, 0, &b))
		return -1;
	while (now_ns() < end) {
		bb = (struct drm_snpu_bo_bind){ .handle = b.handle, .flags = DRM_SNPU_BIND_UNMAP };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb))
			return -1;
		bb = (struct drm_snpu_bo_bind){ .handle = b.handle, .flags = DRM_SNPU_BIND_FIXED_VA,
						.va = 0x1000000000ull + (uint64_t)(n % 1024) * 65536 };
		if (xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb))
			return -1;
		n++;
	}
	bo_free(fd, &b);
	close(fd);
	return n;
}

static long load_reader(int seconds)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int64_t end = now_ns() + (int64_t)seconds * 1000000000;
	char path[64], buf[2048];
	long n = 0;
	FILE *f;

	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	while (now_ns() < end) {
		if (get_param(fd, DRM_SNPU_PARAM_COUNTER(n % 16)) == ~0ull)
			return -1;
		f = fopen(path, "r");
		if (!f || !fread(buf, 1, sizeof(buf), f))
			return -1;
		fclose(f);
		n++;
	}
	close(fd);
	return n;
}

static void load(int seconds, int procs)
{
	int pipes[18][2], status, n = procs + 2;
	long got[18];

	for (int p = 0; p < n; p++) {
		if (pipe(pipes[p]))
			return;
		if (fork() == 0) {
			long r = p < procs ? load_submitter(seconds, p) :
				 p == procs ? load_binder(seconds) : load_reader(seconds);

			_exit(write(pipes[p][1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
		}
	}
	for (int p = 0; p < n; p++) {
		got[p] = -1;
		if (read(pipes[p][0], &got[p], sizeof(got[p])) != sizeof(got[p]))
			got[p] = -1;
		wait(&status);
	}
	for (int p = 0; p < procs; p++)
		printf("driver-load: submitter %d: %ld jobs checked\n", p, got[p]);
	printf("driver-load: binder %ld unmap/map pairs, reader %ld reads\n", got[procs],
	       got[procs + 1]);
	for (int p = 0; p < procs; p++)
		CHECK(got[p] > 0, "submitter %d: %ld jobs, every result checked", p, got[p]);
	CHECK(got[procs] > 0, "binder: %ld unmap/map pairs", got[procs]);
	CHECK(got[procs + 1] > 0, "reader: %ld counter and fdinfo reads", got[procs + 1]);
}

/* After the fuzzing: a fresh file still gets a correct result. */
static void sanity(void)
{
	struct bo b = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct stream st = { .len = 0 };
	int fd = open(node, O_RDWR | O_CLOEXEC), err;

	CHECK(fd >= 0 && !bo_new(fd, 8192, 0, &b), "a fresh file and BO");
	ref = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_WRITE };
	cmd_fill(&st, b.va, 8192, 0xf0f0f0f0);
	err = run(fd, &st, &ref, 1, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(b.map, 8192, 0xf0f0f0f0),
	      "a checked job after the fuzzing: err %d status %u", err, w.status);
	bo_free(fd, &b);
	close(fd);
}

int main(int argc, char **argv)
{
	int seconds = 10, procs = 2, threads = 3, status, load_seconds = 0;
	unsigned long calls = 0, n;
	uint64_t seed = (uint64_t)now_ns();
	int pipes[16][2];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--procs") && i + 1 < argc)
			procs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--load") && i + 1 < argc)
			load_seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			node = argv[i];
	}
	procs = procs < 1 ? 1 : procs > 16 ? 16 : procs;
	threads = threads < 1 ? 1 : threads > 16 ? 16 : threads;
	if (load_seconds) {
		printf("driver-load: %d submitters, a binder and a reader for %d s\n", procs,
		       load_seconds);
		load(load_seconds, procs);
		printf("driver-fuzz: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	printf("driver-fuzz: %d processes x %d threads for %d s, seed %" PRIu64 "\n", procs,
	       threads, seconds, seed);
	fflush(stdout);
	for (int p = 0; p < procs; p++) {
		if (pipe(pipes[p]))
			return 1;
		if (fork() == 0) {
			n = fuzz_process(seconds, threads, seed + (uint64_t)p * 0x1000193);
			_exit(write(pipes[p][1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
		}
	}
	for (int p = 0; p < procs; p++) {
		n = 0;
		if (read(pipes[p][0], &n, sizeof(n)) == sizeof(n))
			calls += n;
		wait(&status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "fuzzing process exit status 0x%x", status);
	}
	printf("driver-fuzz: %lu calls\n", calls);
	CHECK(calls > 0, "calls made");
	sanity();
	printf("driver-fuzz: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
