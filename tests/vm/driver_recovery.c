// SPDX-License-Identifier: MIT
/*
 * snpu-driver-recovery: recovery paths driven by the device's fault
 * injection (hardware.md 3.7, -device snpu,fault-injection=on, armed
 * through the driver's debugfs fault_inject file), fdinfo, devcoredump
 * and power management.
 *
 *   snpu-driver-recovery BDF            (module loaded with job_timeout_ms=250)
 *       lost-irq   a job whose interrupt is lost is harvested at the next
 *                  reset: DONE, not run again
 *       hang       a hung queue: TIMEDOUT, a devcoredump with the registers,
 *                  the ring and the failing command
 *       flr        the soft reset fails: FLR brings the engine back
 *       ban        a third hang bans the context (-ECANCELED)
 *       fdinfo     drm-engine-qN busy time, memory, driver keys
 *   snpu-driver-recovery --suspend BDF  jobs queued across a system
 *                  suspend/resume (pm_test=devices) all complete
 *   snpu-driver-recovery --runtime-pm BDF  autosuspend, and a job wakes it
 *
 * Ends with "driver-recovery: N passed, N failed".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"
#include "snpu_regs.h"
#include "driver_check.h"
#include "driver_util.h"

static char dbg[256], pci[256];

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Value of KEY in a "KEY VALUE" or "KEY: VALUE" file, -1 if absent. */
static long long file_value(const char *path, const char *key)
{
	char line[512];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == ':'))
			v = strtoll(line + n + 1, NULL, 0);
	fclose(f);
	return v;
}

static long long status_value(const char *key)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/status", dbg);
	return file_value(path, key);
}

static long long fdinfo(int fd, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return file_value(path, key);
}

static int fi(const char *what, unsigned int value)
{
	char path[320], text[64];

	snprintf(path, sizeof(path), "%s/fault_inject", dbg);
	snprintf(text, sizeof(text), "%s %u\n", what, value);
	return write_file(path, text);
}

/* Read and delete the newest devcoredump; 0 if there is none. */
static size_t take_coredump(char *buf, size_t size)
{
	char path[512];
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir("/sys/class/devcoredump");
	FILE *f;

	buf[0] = 0;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "devcd", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/devcoredump/%s/data", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, size - 1, f);
		buf[n] = 0;
		fclose(f);
		write_file(path, "1");	/* frees it */
	}
	if (d)
		closedir(d);
	return n;
}

static void nop_stream(struct stream *s)
{
	s->len = 0;
	emit(s, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
}

static void test_lost_irq_and_hang(int fd)
{
	static char dump[65536];
	struct bo x = { 0 }, y = { 0 };
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream st = { .len = 0 };
	long long resets0 = status_value("resets");
	uint64_t copy_id, hang_id;
	int err, i;

	take_coredump(dump, sizeof(dump));	/* none of ours yet */
	CHECK(!bo_new(fd, 4096, 0, &x) && !bo_new(fd, 4096, 0, &y), "BOs");
	memset(x.map, 1, 4096);
	refs[0] = (struct drm_snpu_bo_ref){ x.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	refs[1] = (struct drm_snpu_bo_ref){ y.handle, DRM_SNPU_BO_REF_WRITE };
	/* Not idempotent: a second run would copy 2s. */
	cmd_copy(&st, x.va, y.va, 4096);
	cmd_fill(&st, x.va, 4096, 0x02020202);
	CHECK(fi("drop_irq", 1) == 0, "arm: drop the next interrupt");
	s = sub(&st, refs, 2);
	s.queue = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	copy_id = s.job_id;
	for (i = 0; i < 2000 && !all_bytes(x.map, 4096, 2); i++)
		usleep(1000);
	CHECK(!err && all_bytes(y.map, 4096, 1) && all_bytes(x.map, 4096, 2),
	      "the job ran on the device (err %d)", err);
	CHECK(!job_wait(fd, copy_id, 0, &w) && w.status == DRM_SNPU_JOB_PENDING,
	      "its interrupt was lost: still PENDING (status %u)", w.status);

	CHECK(fi("hang_queue", 1) == 0, "arm: hang queue 0's next job");
	nop_stream(&st);
	s = sub(&st, refs, 0);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	hang_id = s.job_id;
	err = err ? err : job_wait(fd, hang_id, 20000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_TIMEDOUT && w.hw_status == SNPU_ERR_ABORTED,
	      "hung job TIMEDOUT: err %d status %u hw %u", err, w.status, w.hw_status);
	err = job_wait(fd, copy_id, 20000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && w.hw_status == SNPU_OK && w.cmds_done == 2,
	      "the job with the lost interrupt: DONE from its record (status %u hw %u done %u)",
	      w.status, w.hw_status, w.cmds_done);
	CHECK(all_bytes(y.map, 4096, 1), "and it was not run again");
	CHECK(status_value("resets") == resets0 + 1, "one engine reset (%lld -> %lld)", resets0,
	      status_value("resets"));

	CHECK(take_coredump(dump, sizeof(dump)) > 0, "a devcoredump after the hang");
	CHECK(strstr(dump, "SNPU devcoredump") && strstr(dump, "[hung job]\nqueue 0\n") &&
	      strstr(dump, "[registers]\nSTATUS 0x") && strstr(dump, "queue 0: HEAD ") &&
	      strstr(dump, "[failing command]\nindex 0\noffset 0\nopcode 0\nsize 8\nbytes "),
	      "it names the queue, the registers, the ring and the failing command:\n%.600s",
	      dump);

	/* The device works after the reset. */
	nop_stream(&st);
	s = sub(&st, refs, 0);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE,
	      "a job after the reset: err %d status %u", err, w.status);
	bo_free(fd, &x);
	bo_free(fd, &y);
}

static void test_flr_and_ban(int fd)
{
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream st = { .len = 0 };
	long long resets0 = status_value("resets");
	int err;

	/* Second hang of this file: the soft reset fails, FLR recovers. */
	CHECK(fi("reset_fail", 1) == 0 && fi("hang_queue", 1) == 0,
	      "arm: a failing soft reset and a hang");
	nop_stream(&st);
	s = sub(&st, NULL, 0);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	err = err ? err : job_wait(fd, s.job_id, 20000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_TIMEDOUT, "hung job TIMEDOUT: err %d status %u",
	      err, w.status);
	CHECK(status_value("dead") == 0 && status_value("resets") == resets0 + 1,
	      "the engine came back by FLR (dead %lld, resets %lld -> %lld)", status_value("dead"),
	      resets0, status_value("resets"));
	s = sub(&st, NULL, 0);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE,
	      "a job after the FLR: err %d status %u", err, w.status);
	CHECK(fdinfo(fd, "snpu-hangs") == 2 && fdinfo(fd, "snpu-banned") == 0,
	      "two hangs, not banned (%lld)", fdinfo(fd, "snpu-hangs"));

	/* Third hang: the context is banned. */
	CHECK(fi("hang_queue", 1) == 0, "arm: a third hang");
	s = sub(&st, NULL, 0);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	err = err ? err : job_wait(fd, s.job_id, 20000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_TIMEDOUT, "third hang TIMEDOUT: %d %u", err,
	      w.status);
	CHECK(fdinfo(fd, "snpu-banned") == 1, "the context is banned");
	s = sub(&st, NULL, 0);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == ECANCELED,
	      "a banned context's SUBMIT is -ECANCELED");
}

static void test_fdinfo(int fd)
{
	struct bo b = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct stream st = { .len = 0 };
	long long q2, done0 = fdinfo(fd, "snpu-jobs-done");
	struct drm_snpu_submit s;
	char path[64], text[4096];
	FILE *f;
	size_t n;
	int err;

	CHECK(!bo_new(fd, 1 << 20, 0, &b), "1 MiB BO");
	ref = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_WRITE };
	for (int i = 0; i < 16; i++)
		cmd_fill(&st, b.va, 1 << 20, i);
	s = sub(&st, &ref, 1);
	s.queue = 2;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE,
	      "a job on queue 2");
	q2 = fdinfo(fd, "drm-engine-q2");
	CHECK(q2 > 0 && q2 >= (long long)(w.end_ns - w.start_ns),
	      "drm-engine-q2 counts its device time: %lld ns (job %" PRIu64 " ns)", q2,
	      (uint64_t)(w.end_ns - w.start_ns));
	CHECK(fdinfo(fd, "snpu-jobs-done") == done0 + 1, "snpu-jobs-done counts it");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = 0;
	if (f)
		fclose(f);
	CHECK(strstr(text, "drm-driver:\tsnpu\n") && strstr(text, "drm-client-id:") &&
	      strstr(text, "drm-total-memory:") && strstr(text, "drm-engine-q0:") &&
	      strstr(text, "snpu-context:"), "fdinfo keys:\n%s", text);
	{
		const char *m = strstr(text, "drm-total-memory:");
		long long v = m ? strtoll(m + 17, (char **)&m, 10) : -1;
		long long kib = m && !strncmp(m, " MiB", 4) ? v * 1024 :
				m && !strncmp(m, " KiB", 4) ? v : v / 1024;

		CHECK(kib >= 1024, "drm-total-memory counts the 1 MiB BO (%lld KiB)", kib);
	}
	bo_free(fd, &b);
}

/* Jobs queued on every queue survive a system suspend/resume. */
static void test_suspend(int fd)
{
	struct bo flag = { 0 }, out[8];
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream st;
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);
	uint64_t ids[64];
	unsigned int n = 0, done = 0, ok = 0;
	long long suspends0 = status_value("suspends");
	int err = 0;

	if (nq > 8)
		nq = 8;
	CHECK(!bo_new(fd, 4096, 0, &flag), "flag BO");
	memset(out, 0, sizeof(out));
	for (uint32_t q = 0; q < nq; q++) {
		CHECK(!bo_new(fd, 4096, 0, &out[q]), "output BO %u", q);
		refs[0] = (struct drm_snpu_bo_ref){ flag.handle, DRM_SNPU_BO_REF_READ };
		refs[1] = (struct drm_snpu_bo_ref){ out[q].handle, DRM_SNPU_BO_REF_WRITE };
		for (int k = 0; k < 4 && !err; k++) {
			st.len = 0;
			if (k == 0)	/* keeps the queue busy for a while */
				cmd_wait(&st, flag.va, 1, 300000);
			cmd_fill(&st, out[q].va, 4096, 0x100 * q + k);
			s = sub(&st, refs, 2);
			s.queue = q;
			err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
			ids[n++] = s.job_id;
		}
	}
	CHECK(!err, "%u jobs queued", n);
	CHECK(write_file("/sys/power/pm_test", "devices") == 0 &&
	      write_file("/sys/power/state", "freeze") == 0,
	      "system suspend/resume (pm_test=devices): %s", strerror(errno));
	write_file("/sys/power/pm_test", "none");
	for (unsigned int i = 0; i < n; i++)
		done += !job_wait(fd, ids[i], 30000, &w) && w.status == DRM_SNPU_JOB_DONE;
	for (uint32_t q = 0; q < nq; q++)
		ok += all_words(out[q].map, 4096, 0x100 * q + 3);
	CHECK(done == n && ok == nq, "all %u jobs done (%u), every queue's last fill seen (%u)",
	      n, done, ok);
	CHECK(status_value("suspends") > suspends0, "the device was suspended (%lld -> %lld)",
	      suspends0, status_value("suspends"));
	bo_free(fd, &flag);
	for (uint32_t q = 0; q < nq; q++)
		bo_free(fd, &out[q]);
}

static int wait_runtime(const char *want)
{
	char path[320], buf[32] = "";

	snprintf(path, sizeof(path), "%s/power/runtime_status", pci);
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
		}
		if (!strncmp(buf, want, strlen(want)))
			return 1;
		usleep(50000);
	}
	printf("runtime_status: %s", buf);
	return 0;
}

static void test_runtime_pm(void)
{
	char path[320];
	struct bo b = { 0 };
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream st = { .len = 0 };
	long long suspends0 = status_value("suspends");
	int fd, err;

	snprintf(path, sizeof(path), "%s/power/autosuspend_delay_ms", pci);
	CHECK(write_file(path, "100") == 0, "autosuspend delay 100 ms");
	snprintf(path, sizeof(path), "%s/power/control", pci);
	CHECK(write_file(path, "auto") == 0, "runtime PM allowed");
	CHECK(wait_runtime("suspended"), "an idle device autosuspends");
	CHECK(status_value("suspends") > suspends0, "its suspend callback ran");
	fd = open(node, O_RDWR);
	CHECK(!bo_new(fd, 4096, 0, &b), "BO while suspended");
	ref = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_WRITE };
	cmd_fill(&st, b.va, 4096, 0x5eed);
	s = sub(&st, &ref, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(b.map, 4096, 0x5eed), "a job wakes it and runs: err %d status %u", err,
	      w.status);
	CHECK(wait_runtime("suspended"), "and it autosuspends again");
	bo_free(fd, &b);
	close(fd);
	write_file(path, "on");
}

int main(int argc, char **argv)
{
	int suspend = 0, rpm = 0, fd;
	const char *bdf = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--suspend"))
			suspend = 1;
		else if (!strcmp(argv[i], "--runtime-pm"))
			rpm = 1;
		else
			bdf = argv[i];
	}
	if (!bdf) {
		printf("usage: snpu-driver-recovery [--suspend|--runtime-pm] BDF\n");
		return 2;
	}
	snprintf(dbg, sizeof(dbg), "/sys/kernel/debug/accel/%s", bdf);
	snprintf(pci, sizeof(pci), "/sys/bus/pci/devices/%s", bdf);
	if (rpm) {
		test_runtime_pm();
	} else {
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("FAIL open %s\ndriver-recovery: 0 passed, 1 failed\n", node);
			return 1;
		}
		if (suspend) {
			test_suspend(fd);
		} else {
			test_fdinfo(fd);
			printf("fdinfo: %d passed, %d failed\n", passed, failed);
			test_lost_irq_and_hang(fd);
			printf("+lost-irq/hang: %d passed, %d failed\n", passed, failed);
			test_flr_and_ban(fd);
			printf("+flr/ban: %d passed, %d failed\n", passed, failed);
		}
		close(fd);
	}
	printf("driver-recovery: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
