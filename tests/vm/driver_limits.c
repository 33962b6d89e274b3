// SPDX-License-Identifier: MIT
/*
 * snpu-driver-limits: per-user bounds of snpu.ko (issue 12, finding 7).
 *
 *   snpu-driver-limits --contexts      one user opening many files gets at
 *                                      most max_user_contexts MMU contexts
 *                                      (-EDQUOT beyond); another user still
 *                                      gets one; open() itself never fails
 *   snpu-driver-limits --device-full   with max_user_contexts above the
 *                                      device's contexts, the context after
 *                                      the last one is a clean -EBUSY
 *   snpu-driver-limits --gem-stats     both BO types (SYSTEM: shmem, DEVICE:
 *                                      own GEM type) in fdinfo's memory keys
 *   snpu-driver-limits --pinned        (max_user_pinned_mb=4) one user's
 *                                      SYSTEM BOs, pinned from creation, stop
 *                                      at 4 MiB (-EDQUOT); another user's not
 *   snpu-driver-limits --dram          (max_user_dram_mb=4) one user's DEVICE
 *                                      BOs stop at 4 MiB of device DRAM
 *                                      (-EDQUOT) while another user allocates
 *                                      its own 4 MiB; freed, closed-but-mapped
 *                                      and failed BOs give the share back
 *   snpu-driver-limits --dram-default  (max_user_dram_mb=0) a user's share
 *                                      is 3/4 of DRAM_SIZE: another user
 *                                      gets the rest, a third -ENOSPC
 *
 * Users are simulated with setresuid() in forked children (the device node
 * is made world-accessible for the run and restored after). Ends with
 * "driver-limits: N passed, N failed".
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver_check.h"
#include "driver_util.h"

#define UID_A	1000
#define UID_B	1001
#define MAX_FDS	1024

/* What user A saw, sent to the parent through a pipe. */
struct a_report {
	int held;		/* files with a context */
	int open_err;		/* errno of the first failed open(), 0 if none */
	int ctx_err;		/* errno of the first refused context */
	int info_ok;		/* GET_PARAM DEVICE_ID works without a context */
	int fdinfo_ctx;		/* snpu-context of the refused file's fdinfo */
	int retry_err;		/* context after closing one: 0 expected */
};

static void become(uid_t uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		printf("FAIL setresuid(%u): %s\n", (unsigned int)uid, strerror(errno));
		_exit(90);
	}
}

/* A 4 KiB SYSTEM BO: the first BO of a file takes its MMU context. */
static int take_context(int fd)
{
	struct drm_snpu_bo_create c = { .size = 4096 };

	return xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c);
}

static int fdinfo_value(int fd, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoi(line + n + 1);
	fclose(f);
	return v;
}

/*
 * User A: open files and take a context in each until one is refused;
 * report, wait for the parent's go, close one file and take a context in
 * the refused one.
 */
static void user_a(int max, int rep_fd, int go_fd)
{
	static int fds[MAX_FDS];
	struct a_report r = { 0 };
	int n, err = 0, last = -1;
	char go;

	become(UID_A);
	for (n = 0; n < max; n++) {
		fds[n] = open(node, O_RDWR | O_CLOEXEC);
		if (fds[n] < 0) {
			r.open_err = errno;
			break;
		}
		err = take_context(fds[n]);
		if (err) {
			r.ctx_err = err;
			last = fds[n];
			break;
		}
		r.held++;
	}
	if (last >= 0) {
		r.info_ok = get_param(last, DRM_SNPU_PARAM_DEVICE_ID) == 0x1234534e;
		r.fdinfo_ctx = fdinfo_value(last, "snpu-context");
	}
	if (write(rep_fd, &r, sizeof(r)) != sizeof(r) || read(go_fd, &go, 1) != 1)
		_exit(91);
	if (last >= 0 && r.held > 0) {
		close(fds[0]);
		r.retry_err = take_context(last);
	} else {
		r.retry_err = -1;
	}
	_exit(write(rep_fd, &r, sizeof(r)) == sizeof(r) ? 0 : 92);
}

/* User B: one file, one context; exit status 0 or the errno. */
static int user_b(void)
{
	pid_t pid = fork();
	int status, fd, err;

	if (pid == 0) {
		become(UID_B);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(errno & 0xff);
		err = take_context(fd);
		if (!err && (get_param(fd, DRM_SNPU_PARAM_CONTEXT_ID) == ~0ull ||
			     get_param(fd, DRM_SNPU_PARAM_CONTEXT_ID) == 0))
			err = 93;
		_exit(err & 0xff);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static long read_param_file(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/snpu/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void test_contexts(bool device_full)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int rep[2], go[2], status, expect, err;
	long num, param;
	struct a_report r;
	struct stat st;
	pid_t a;

	if (fd < 0 || fstat(fd, &st)) {
		CHECK(0, "open %s: %s", node, strerror(errno));
		return;
	}
	num = (long)get_param(fd, DRM_SNPU_PARAM_NUM_CONTEXTS);
	close(fd);
	param = read_param_file("max_user_contexts");
	CHECK(param >= 0, "snpu has a max_user_contexts parameter");
	if (device_full) {
		CHECK(param >= num - 1, "max_user_contexts %ld lets one user fill all %ld contexts",
		      param, num - 1);
		expect = (int)num - 1;
	} else if (param > 0) {
		expect = (int)(param < num - 1 ? param : num - 1);
	} else {
		expect = (int)((num - 1) / 4 > 1 ? (num - 1) / 4 : 1);
	}
	printf("NUM_CONTEXTS %ld, max_user_contexts %ld: one user may hold %d\n", num, param,
	       expect);

	if (chmod(node, 0666) || pipe(rep) || pipe(go)) {
		CHECK(0, "chmod/pipe: %s", strerror(errno));
		return;
	}
	a = fork();
	if (a == 0)
		user_a((int)num + 8 < MAX_FDS ? (int)num + 8 : MAX_FDS, rep[1], go[0]);
	if (a < 0 || read(rep[0], &r, sizeof(r)) != sizeof(r)) {
		CHECK(0, "user A did not report");
		goto out;
	}
	printf("user A: %d contexts, then open() %s, context %s\n", r.held,
	       r.open_err ? strerror(r.open_err) : "ok", r.ctx_err ? strerror(r.ctx_err) : "ok");
	CHECK(r.open_err == 0, "open() never fails for lack of contexts (got %s)",
	      strerror(r.open_err));
	CHECK(r.held == expect, "user A holds %d contexts, expected %d", r.held, expect);
	CHECK(r.ctx_err == (device_full ? EBUSY : EDQUOT), "the next context: %s, expected %s",
	      strerror(r.ctx_err), device_full ? "EBUSY" : "EDQUOT");
	CHECK(r.info_ok, "GET_PARAM DEVICE_ID works on a file without a context");
	CHECK(r.fdinfo_ctx == 0, "fdinfo of a file without a context: snpu-context %d",
	      r.fdinfo_ctx);

	/* A holds all it may: another user is not locked out (unless the admin allowed it). */
	err = user_b();
	if (device_full)
		CHECK(err == EBUSY, "device full: user B gets EBUSY (got %d)", err);
	else
		CHECK(err == 0, "user B gets a context while user A holds %d (got %s)", r.held,
		      err > 0 ? strerror(err) : "crash");

	if (write(go[1], "g", 1) != 1 || read(rep[0], &r, sizeof(r)) != sizeof(r)) {
		CHECK(0, "user A did not finish");
		goto out;
	}
	CHECK(r.retry_err == 0, "user A closed a file: its refused file gets a context (%s)",
	      r.retry_err > 0 ? strerror(r.retry_err) : "not run");
out:
	if (a > 0) {
		kill(a, SIGKILL);
		waitpid(a, &status, 0);
	}
	/* A's contexts are gone with its files. */
	CHECK(user_b() == 0, "user B gets a context after user A exited");
	chmod(node, st.st_mode & 07777);
	close(rep[0]);
	close(rep[1]);
	close(go[0]);
	close(go[1]);
}

/* A drm-*-memory value of fdinfo in KiB (-1: no such key). */
static long long fdinfo_kib(int fd, const char *key)
{
	char path[64], line[256], unit[8];
	size_t n = strlen(key);
	long long v, kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n) || line[n] != ':')
			continue;
		unit[0] = 0;
		if (sscanf(line + n + 1, "%lld %7s", &v, unit) < 1)
			continue;
		kib = !strcmp(unit, "MiB") ? v * 1024 : !strcmp(unit, "KiB") ? v :
		      !strcmp(unit, "GiB") ? v * 1024 * 1024 : v / 1024;
	}
	fclose(f);
	return kib;
}

/*
 * Both BO types report their memory to fdinfo (GEM .status/.rss): a DEVICE
 * BO is resident from its creation, a SYSTEM BO once pinned for the device.
 */
static void test_gem_stats(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	struct drm_prime_handle ph = { 0 };
	struct bo dev = { 0 }, sys = { 0 };
	long long total, resident;

	if (fd < 0) {
		CHECK(0, "open %s: %s", node, strerror(errno));
		return;
	}
	CHECK(fdinfo_kib(fd, "drm-total-memory") == 0, "no BO: drm-total-memory 0 (%lld KiB)",
	      fdinfo_kib(fd, "drm-total-memory"));
	CHECK(!bo_new(fd, 1 << 20, DRM_SNPU_BO_DEVICE, &dev), "1 MiB DEVICE BO");
	CHECK(!bo_new(fd, 2 << 20, 0, &sys), "2 MiB SYSTEM BO");
	total = fdinfo_kib(fd, "drm-total-memory");
	resident = fdinfo_kib(fd, "drm-resident-memory");
	CHECK(total == 3072, "drm-total-memory 3072 KiB (%lld)", total);
	CHECK(resident == 3072, "drm-resident-memory 3072 KiB: both BOs resident (%lld)", resident);
	CHECK(fdinfo_kib(fd, "drm-purgeable-memory") == 0, "drm-purgeable-memory 0");
	/* The DEVICE BO's mapping reaches BAR2 and keeps what was written. */
	memset(dev.map, 0x5a, dev.size);
	CHECK(all_bytes(dev.map, dev.size, 0x5a), "DEVICE BO mmap writes and reads back");
	ph.handle = dev.handle;
	ph.flags = DRM_CLOEXEC;
	CHECK(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph) == EOPNOTSUPP,
	      "a DEVICE BO is not exportable");
	ph.handle = sys.handle;
	CHECK(!xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), "a SYSTEM BO is exportable");
	if (ph.fd > 0)
		close(ph.fd);
	bo_free(fd, &dev);
	CHECK(fdinfo_kib(fd, "drm-resident-memory") == 2048,
	      "freeing the DEVICE BO: drm-resident-memory 2048 KiB (%lld)",
	      fdinfo_kib(fd, "drm-resident-memory"));
	bo_free(fd, &sys);
	close(fd);
}

/* A child of as_user_during() holding what it took: the parent's turn. */
static int hold_pipe[2] = { -1, -1 }, go_pipe[2] = { -1, -1 };

static void hold_point(void)
{
	char c = 'h';

	if (write(hold_pipe[1], &c, 1) != 1 || read(go_pipe[0], &c, 1) != 1)
		_exit(95);
}

/*
 * Run fn as uid in a child; its checks count here. With during, fn calls
 * hold_point() once: during runs then, in the parent, while the child
 * waits.
 */
static void as_user_during(uid_t uid, void (*fn)(void), void (*during)(void))
{
	int cnt[2] = { 0, 0 }, pfd[2], status;
	pid_t pid;
	char c;

	if (pipe(pfd) || (during && (pipe(hold_pipe) || pipe(go_pipe)))) {
		CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		become(uid);
		passed = failed = 0;
		fn();
		cnt[0] = passed;
		cnt[1] = failed;
		_exit(write(pfd[1], cnt, sizeof(cnt)) == sizeof(cnt) ? 0 : 94);
	}
	if (during) {
		CHECK(pid > 0 && read(hold_pipe[0], &c, 1) == 1,
		      "the child of uid %u holds its share", (unsigned int)uid);
		during();
		CHECK(write(go_pipe[1], "g", 1) == 1, "the child of uid %u goes on",
		      (unsigned int)uid);
		close(hold_pipe[0]);
		close(hold_pipe[1]);
		close(go_pipe[0]);
		close(go_pipe[1]);
	}
	CHECK(pid > 0 && read(pfd[0], cnt, sizeof(cnt)) == sizeof(cnt),
	      "the child of uid %u reported", (unsigned int)uid);
	if (pid > 0)
		waitpid(pid, &status, 0);
	passed += cnt[0];
	failed += cnt[1];
	close(pfd[0]);
	close(pfd[1]);
}

static void as_user(uid_t uid, void (*fn)(void))
{
	as_user_during(uid, fn, NULL);
}

static int bo_create_va(int fd, uint64_t size, uint32_t flags, uint32_t *handle, uint64_t *va)
{
	struct drm_snpu_bo_create c = { .size = size, .flags = flags };
	int err = xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c);

	if (!err && handle)
		*handle = c.handle;
	if (!err && va)
		*va = c.va;
	return err;
}

static int bo_create(int fd, uint64_t size, uint32_t flags, uint32_t *handle)
{
	return bo_create_va(fd, size, flags, handle, NULL);
}

static void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

/* max_user_pinned_mb=4: user A's SYSTEM BOs, in all of its files. */
static void pinned_user_a(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), fd2 = open(node, O_RDWR | O_CLOEXEC);
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC };
	struct drm_snpu_bo_bind bind = { 0 };
	uint32_t h[4], dev_h, imp;
	int i, err;

	if (fd < 0 || fd2 < 0) {
		CHECK(0, "open %s as uid %d: %s", node, UID_A, strerror(errno));
		return;
	}
	CHECK(bo_create(fd, 5 << 20, 0, NULL) == EDQUOT, "a 5 MiB SYSTEM BO: EDQUOT");
	for (i = 0; i < 4; i++)
		CHECK(!bo_create(fd, 1 << 20, 0, &h[i]), "SYSTEM BO %d of 1 MiB", i);
	err = bo_create(fd, 4096, 0, NULL);
	CHECK(err == EDQUOT, "4 MiB pinned: one page more is EDQUOT (got %s)", strerror(err));
	err = bo_create(fd2, 4096, 0, NULL);
	CHECK(err == EDQUOT, "in another file of the same user too (got %s)", strerror(err));
	CHECK(!bo_create(fd, 1 << 20, DRM_SNPU_BO_DEVICE, &dev_h),
	      "DEVICE BOs are not host pages: not counted");
	/* A PRIME import of its own BO pins nothing new. */
	ph.handle = h[0];
	CHECK(!xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), "export a SYSTEM BO");
	imp = 0;
	if (ph.fd >= 0) {
		struct drm_prime_handle in = { .fd = ph.fd };

		CHECK(!xioctl(fd2, DRM_IOCTL_PRIME_FD_TO_HANDLE, &in), "import it in file 2");
		imp = in.handle;
		close(ph.fd);
	}
	bind.handle = imp;
	CHECK(imp && !xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bind),
	      "bind the import at the limit: nothing new pinned");
	gem_close(fd, h[1]);
	CHECK(!bo_create(fd, 1 << 20, 0, &h[1]), "freeing 1 MiB lets 1 MiB more be pinned");
	gem_close(fd, h[0]);
	err = bo_create(fd, 1 << 20, 0, NULL);
	CHECK(err == EDQUOT, "a BO another file still holds stays charged (got %s)",
	      strerror(err));
	close(fd2);	/* the last reference of h[0]'s BO */
	CHECK(!bo_create(fd, 1 << 20, 0, NULL), "its last reference gone: uncharged");
	close(fd);
}

/* While user A holds its 4 MiB, user B pins its own 4 MiB. */
static void pinned_user_b(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0 && !bo_create(fd, 4 << 20, 0, NULL), "user B pins 4 MiB");
	CHECK(fd >= 0 && bo_create(fd, 4096, 0, NULL) == EDQUOT, "and no more");
	if (fd >= 0)
		close(fd);
}

static void test_pinned(void)
{
	struct stat st;
	int fd, err;

	CHECK(read_param_file("max_user_pinned_mb") == 4,
	      "snpu loaded with max_user_pinned_mb=4 (%ld)", read_param_file("max_user_pinned_mb"));
	if (stat(node, &st) || chmod(node, 0666)) {
		CHECK(0, "chmod %s: %s", node, strerror(errno));
		return;
	}
	as_user(UID_A, pinned_user_a);
	as_user(UID_B, pinned_user_b);
	/* Everything freed: user A pins 4 MiB again. */
	fd = open(node, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	if (!err) {
		err = bo_create(fd, 4 << 20, 0, NULL);
		close(fd);
	}
	CHECK(!err, "root (another user) pins 4 MiB (%s)", strerror(err));
	chmod(node, st.st_mode & 07777);
}

#define DEV	DRM_SNPU_BO_DEVICE
#define MIB	(1ull << 20)

/* max_user_dram_mb=4: user A's DEVICE BOs, in all of its files. */
static void dram_user_a(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), fd2 = open(node, O_RDWR | O_CLOEXEC);
	static struct stream st;
	struct drm_snpu_bo_create c;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_submit s;
	struct bo kept = { 0 };
	uint32_t h[4] = { 0 }, busy = 0;
	uint64_t busy_va = 0;
	int64_t t0;
	int i, err;

	if (fd < 0 || fd2 < 0) {
		CHECK(0, "open %s as uid %d: %s", node, UID_A, strerror(errno));
		return;
	}
	err = bo_create(fd, 5 * MIB, DEV, NULL);
	CHECK(err == EDQUOT, "a 5 MiB DEVICE BO: EDQUOT (got %s)", strerror(err));
	CHECK(!bo_new(fd, MIB, DEV, &kept), "DEVICE BO 0 of 1 MiB, mmap()ed");
	for (i = 1; i < 4; i++)
		CHECK(!bo_create(fd, MIB, DEV, &h[i]), "DEVICE BO %d of 1 MiB", i);
	err = bo_create(fd, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "4 MiB of device DRAM: one page more is EDQUOT (got %s)",
	      strerror(err));
	err = bo_create(fd2, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "in another file of the same user too (got %s)", strerror(err));
	CHECK(!bo_create(fd, MIB, 0, NULL), "SYSTEM BOs are not device DRAM: not counted");
	hold_point();	/* user B allocates while A holds its 4 MiB */

	gem_close(fd, h[1]);
	CHECK(!bo_create(fd, MIB, DEV, &h[1]), "freeing 1 MiB lets 1 MiB more be allocated");
	gem_close(fd, h[1]);
	/* Created, then refused at a VA in use: each is freed and uncharged. */
	for (i = 0, err = ENOSPC; i < 8 && err == ENOSPC; i++) {
		c = (struct drm_snpu_bo_create){ .size = MIB, .va = kept.va,
						 .flags = DEV | DRM_SNPU_BO_FIXED_VA };
		err = xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c);
	}
	CHECK(err == ENOSPC, "8 DEVICE BOs of 1 MiB at a VA in use: ENOSPC each (got %s)",
	      strerror(err));
	CHECK(!bo_create(fd, MIB, DEV, &h[1]), "the refused BOs gave their DRAM back");

	/* An mmap() keeps a BO whose handle is closed: charged until munmap(). */
	gem_close(fd, kept.handle);
	err = bo_create(fd, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "a closed DEVICE BO still mmap()ed stays charged (got %s)",
	      strerror(err));
	munmap(kept.map, kept.size);
	CHECK(!bo_create(fd, MIB, DEV, &h[0]), "munmap() frees it: uncharged");

	/* A job keeps a BO whose file is closed: charged until the job ends. */
	gem_close(fd, h[3]);
	CHECK(!bo_create_va(fd2, MIB, DEV, &busy, &busy_va), "a DEVICE BO of 1 MiB in file 2");
	ref = (struct drm_snpu_bo_ref){ busy, DRM_SNPU_BO_REF_READ };
	st.len = 0;
	cmd_wait(&st, busy_va, 1, 3000000);	/* nobody writes it: a 3 s WAIT */
	s = sub(&st, &ref, 1);
	err = xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err, "a job on it in file 2 (%s)", strerror(err));
	close(fd2);
	t0 = now_ns();
	err = bo_create(fd, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "file 2 closed, the BO its job uses stays charged (got %s)",
	      strerror(err));
	do {
		usleep(50000);
		err = bo_create(fd, MIB, DEV, NULL);
	} while (err == EDQUOT && now_ns() - t0 < 30000000000ll);
	CHECK(!err, "the job ended, the BO was freed: uncharged (%s after %lld ms)",
	      strerror(err), (long long)(now_ns() - t0) / 1000000);
	close(fd);
}

/* While user A holds its 4 MiB, user B allocates its own 4 MiB. */
static void dram_user_b(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int err;

	CHECK(fd >= 0 && !bo_create(fd, 4 * MIB, DEV, NULL),
	      "user B allocates 4 MiB of device DRAM while user A holds 4 MiB");
	err = fd >= 0 ? bo_create(fd, 4096, DEV, NULL) : EBADF;
	CHECK(err == EDQUOT, "and no more (got %s)", strerror(err));
	if (fd >= 0)
		close(fd);
}

static void dram_while_a_holds(void)
{
	as_user(UID_B, dram_user_b);
}

static int write_param_file(const char *name, const char *value)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/snpu/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(value, f) < 0 ? -1 : 0;
	return fclose(f) || ret ? -1 : 0;
}

static void test_dram(void)
{
	struct stat st;
	int fd, err;

	CHECK(read_param_file("max_user_dram_mb") == 4, "snpu loaded with max_user_dram_mb=4 (%ld)",
	      read_param_file("max_user_dram_mb"));
	if (stat(node, &st) || chmod(node, 0666)) {
		CHECK(0, "chmod %s: %s", node, strerror(errno));
		return;
	}
	as_user_during(UID_A, dram_user_a, dram_while_a_holds);
	/* Everything freed: root, another user, has its 4 MiB. */
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		CHECK(0, "open %s: %s", node, strerror(errno));
		goto out;
	}
	err = bo_create(fd, 4 * MIB, DEV, NULL);
	CHECK(!err, "root allocates 4 MiB of device DRAM (%s)", strerror(err));
	err = bo_create(fd, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "root is bounded too (got %s)", strerror(err));
	/* The parameter is writable at run time. */
	CHECK(!write_param_file("max_user_dram_mb", "8"), "max_user_dram_mb=8 at run time");
	err = bo_create(fd, 4 * MIB, DEV, NULL);
	CHECK(!err, "then root allocates 4 MiB more (%s)", strerror(err));
	err = bo_create(fd, 4096, DEV, NULL);
	CHECK(err == EDQUOT, "and no more (got %s)", strerror(err));
	CHECK(!write_param_file("max_user_dram_mb", "4"), "max_user_dram_mb=4 again");
	close(fd);
out:
	chmod(node, st.st_mode & 07777);
}

/*
 * max_user_dram_mb=0, the default: a user's share is 3/4 of the device's
 * DRAM. User A holds its share; root takes the rest of the device; user B,
 * within its share, finds the device full (ENOSPC, and nothing stays
 * charged) and gets its whole share once user A is gone.
 */
static uint64_t dram_share, dram_total;

static void dram_default_a(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int err;

	CHECK(fd >= 0 && !bo_create(fd, dram_share, DEV, NULL),
	      "user A allocates its share, %llu MiB", (unsigned long long)(dram_share >> 20));
	err = fd >= 0 ? bo_create(fd, 4096, DEV, NULL) : EBADF;
	CHECK(err == EDQUOT, "one page more: EDQUOT (got %s)", strerror(err));
	hold_point();
	if (fd >= 0)
		close(fd);
}

static void dram_default_b_full(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int i, err = ENOSPC;

	for (i = 0; fd >= 0 && i < 8 && err == ENOSPC; i++)
		err = bo_create(fd, 4096, DEV, NULL);
	CHECK(fd >= 0 && err == ENOSPC,
	      "device DRAM full: user B, within its share, gets ENOSPC 8 times (got %s)",
	      strerror(err));
	if (fd >= 0)
		close(fd);
}

static void dram_default_b_share(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int err = fd < 0 ? errno : bo_create(fd, dram_share, DEV, NULL);

	CHECK(!err, "user B allocates its whole share: the refused pages were uncharged (%s)",
	      strerror(err));
	if (fd >= 0)
		close(fd);
}

static void dram_default_root(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	uint32_t h = 0;
	int err = fd < 0 ? errno : bo_create(fd, dram_total - dram_share, DEV, &h);

	CHECK(!err, "root allocates the rest of device DRAM, %llu MiB (%s)",
	      (unsigned long long)((dram_total - dram_share) >> 20), strerror(err));
	as_user(UID_B, dram_default_b_full);
	if (fd >= 0)
		close(fd);
}

static void test_dram_default(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	struct stat st;
	long param = read_param_file("max_user_dram_mb");

	CHECK(param == 0, "snpu loaded without max_user_dram_mb: 0 (%ld)", param);
	if (fd < 0 || fstat(fd, &st)) {
		CHECK(0, "open %s: %s", node, strerror(errno));
		return;
	}
	dram_total = get_param(fd, DRM_SNPU_PARAM_DRAM_SIZE) & ~4095ull;
	close(fd);
	dram_share = (dram_total - dram_total / 4) & ~4095ull;
	printf("DRAM_SIZE %llu MiB: a user's share is %llu MiB\n",
	       (unsigned long long)(dram_total >> 20), (unsigned long long)(dram_share >> 20));
	if (chmod(node, 0666)) {
		CHECK(0, "chmod %s: %s", node, strerror(errno));
		return;
	}
	as_user_during(UID_A, dram_default_a, dram_default_root);
	as_user(UID_B, dram_default_b_share);
	chmod(node, st.st_mode & 07777);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--contexts")) {
		test_contexts(false);
	} else if (argc == 2 && !strcmp(argv[1], "--device-full")) {
		test_contexts(true);
	} else if (argc == 2 && !strcmp(argv[1], "--gem-stats")) {
		test_gem_stats();
	} else if (argc == 2 && !strcmp(argv[1], "--pinned")) {
		test_pinned();
	} else if (argc == 2 && !strcmp(argv[1], "--dram")) {
		test_dram();
	} else if (argc == 2 && !strcmp(argv[1], "--dram-default")) {
		test_dram_default();
	} else {
		fprintf(stderr, "usage: snpu-driver-limits --contexts | --device-full | "
			"--gem-stats | --pinned | --dram | --dram-default\n");
		return 2;
	}
	printf("driver-limits: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
