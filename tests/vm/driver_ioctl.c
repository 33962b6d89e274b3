// SPDX-License-Identifier: MIT
/*
 * 20-driver-ioctl: every snpu.ko ioctl with valid and invalid arguments
 * (the errno each case must give is the one uapi/drm/snpu_accel.h
 * documents), jobs through the device (fill, copy, fence, syncobjs),
 * isolation between two processes, and a hung job that is timed out and
 * reset while another context's job completes.
 *
 *   snpu-driver-ioctl [/dev/accel/accelN]
 *   snpu-driver-ioctl --inflight [--linger]   submit jobs on every queue and
 *       exit at once (--linger: 2 s later, expecting the device unbound)
 *   snpu-driver-ioctl --unbind-open   a file with BOs, CPU mappings, an
 *       import, a finished and a pending job stays open across an unbind of
 *       its device: the page tables go at the unbind (the memory cgroup the
 *       program moves into is uncharged by them), every ioctl fails with
 *       -ENODEV, the SYSTEM BO's CPU mapping keeps its data; the files
 *       close; bound again, the device runs a job. With a second SNPU
 *       (/dev/accel/accel1) a BO of it is imported and used first.
 *
 * The module must be loaded with a short job_timeout_ms (the wrapper
 * script uses 250). Ends with "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "driver_check.h"
#include "driver_util.h"

/* ---- BO ioctls ---- */
static void test_bo(int fd)
{
	struct drm_snpu_bo_create c;
	struct drm_snpu_bo_info info;
	struct drm_snpu_bo_mmap_offset mo;
	struct drm_snpu_bo_bind b;
	struct bo sys = { 0 }, dev = { 0 }, fixed = { 0 };
	uint64_t dram = get_param(fd, DRM_SNPU_PARAM_DRAM_SIZE);

	c = (struct drm_snpu_bo_create){ .size = 0 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "size 0");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = 0x80 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "unknown flag");
	c = (struct drm_snpu_bo_create){ .size = 1ull << 60 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == E2BIG, "huge SYSTEM");
	c = (struct drm_snpu_bo_create){ .size = dram + 4096, .flags = DRM_SNPU_BO_DEVICE };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == E2BIG, "DEVICE past DRAM");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
					 .va = 0x10000123 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "unaligned fixed VA");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "fixed VA 0");
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
					 .va = SNPU_VA_SIZE };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == EINVAL, "fixed VA past the VA space");

	CHECK(bo_new(fd, 65536, DRM_SNPU_BO_SYSTEM, &sys) == 0, "SYSTEM BO");
	CHECK(sys.va && sys.va % 4096 == 0, "SYSTEM VA 0x%" PRIx64, sys.va);
	CHECK(all_bytes(sys.map, sys.size, 0), "new SYSTEM BO is zeroed");
	CHECK(bo_new(fd, 65536, DRM_SNPU_BO_DEVICE, &dev) == 0, "DEVICE BO");
	CHECK(dev.va && dev.va != sys.va, "DEVICE VA 0x%" PRIx64, dev.va);
	CHECK(dev.map && all_bytes(dev.map, dev.size, 0), "new DEVICE BO is zeroed");
	memset(dev.map, 0x5a, dev.size);
	CHECK(all_bytes(dev.map, dev.size, 0x5a), "DEVICE BO mmap write/read");

	fixed.va = 0x40000000;
	CHECK(bo_new(fd, 8192, DRM_SNPU_BO_FIXED_VA, &fixed) == 0 && fixed.va == 0x40000000,
	      "fixed VA BO at 0x%" PRIx64, fixed.va);
	c = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
					 .va = 0x40001000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c) == ENOSPC, "fixed VA taken");

	info = (struct drm_snpu_bo_info){ .handle = 0xdead };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_INFO, &info) == ENOENT, "BO_INFO bad handle");
	info = (struct drm_snpu_bo_info){ .handle = dev.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_INFO, &info) == 0 && info.size == 65536 &&
	      info.flags == DRM_SNPU_BO_DEVICE && info.va == dev.va, "BO_INFO DEVICE");

	mo = (struct drm_snpu_bo_mmap_offset){ .handle = sys.handle, .pad = 1 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &mo) == EINVAL, "mmap offset pad");
	mo = (struct drm_snpu_bo_mmap_offset){ .handle = 0xdead };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &mo) == ENOENT, "mmap offset bad handle");

	b = (struct drm_snpu_bo_bind){ .handle = sys.handle, .flags = 0x100 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == EINVAL, "bind unknown flag");
	b = (struct drm_snpu_bo_bind){ .handle = sys.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == EBUSY, "bind twice");
	b = (struct drm_snpu_bo_bind){ .handle = sys.handle,
				       .flags = DRM_SNPU_BIND_UNMAP | DRM_SNPU_BIND_READ_ONLY };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == EINVAL, "unmap with map flags");
	b = (struct drm_snpu_bo_bind){ .handle = 0xdead, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == ENOENT, "unmap bad handle");
	b = (struct drm_snpu_bo_bind){ .handle = sys.handle, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == 0, "unmap");
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == ENOENT, "unmap twice");
	info = (struct drm_snpu_bo_info){ .handle = sys.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_INFO, &info) == 0 && info.va == 0, "unbound VA 0");
	b = (struct drm_snpu_bo_bind){ .handle = sys.handle, .flags = DRM_SNPU_BIND_FIXED_VA,
				       .va = 0x40000000 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == ENOSPC, "bind at a taken VA");
	b = (struct drm_snpu_bo_bind){ .handle = sys.handle, .flags = DRM_SNPU_BIND_READ_ONLY };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == 0 && b.va, "bind again read-only");

	bo_free(fd, &sys);
	bo_free(fd, &dev);
	bo_free(fd, &fixed);
}

/* ---- SUBMIT: invalid arguments ---- */
static void test_submit_invalid(int fd)
{
	struct bo a = { 0 }, ro = { 0 }, unmapped = { 0 };
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_sync sync = { 0 };
	struct drm_snpu_submit s;
	struct drm_snpu_bo_bind b;
	struct stream st = { .len = 0 };
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);

	bo_new(fd, 8192, 0, &a);
	bo_new(fd, 8192, DRM_SNPU_BO_READ_ONLY, &ro);
	bo_new(fd, 8192, 0, &unmapped);
	b = (struct drm_snpu_bo_bind){ .handle = unmapped.handle, .flags = DRM_SNPU_BIND_UNMAP };
	xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b);
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	cmd_fill(&st, a.va, 4096, 1);

	s = sub(&st, refs, 1); s.flags = 0x80;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "unknown submit flag");
	s = sub(&st, refs, 1); s.queue = nq;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "queue out of range");
	s = sub(&st, refs, 1); s.priority = 3;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "priority 3");
	s = sub(&st, refs, 1); s.cmds_size = 0;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "cmds_size 0");
	s = sub(&st, refs, 1); s.cmds_size = 12;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "cmds_size 12");
	s = sub(&st, refs, 1); s.cmds_size = 1u << 24;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "cmds_size past MAX_CMDBUF");
	s = sub(&st, refs, 1); s.cmds = 8;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EFAULT, "bad cmds pointer");
	s = sub(&st, refs, 1); s.bo_ref_size = 4;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "bo_ref_size 4");
	s = sub(&st, refs, 1); s.num_profile = 4;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "num_profile without PROFILE");
	s = sub(&st, refs, 1); s.bo_count = 100000;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "bo_count huge");

	refs[0].handle = 0xdead;
	s = sub(&st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == ENOENT, "unknown BO handle");
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, 0 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "BO ref flags 0");
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, 0x10 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "BO ref unknown flag");
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_READ };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EPERM, "fill of a READ ref");
	refs[0] = (struct drm_snpu_bo_ref){ ro.handle, DRM_SNPU_BO_REF_WRITE };
	st.len = 0;
	cmd_fill(&st, ro.va, 4096, 1);
	s = sub(&st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EPERM, "fill of a READ_ONLY BO");
	refs[0] = (struct drm_snpu_bo_ref){ unmapped.handle, DRM_SNPU_BO_REF_WRITE };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "unmapped BO ref");
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_WRITE };
	refs[1] = refs[0];
	st.len = 0;
	cmd_fill(&st, a.va, 4096, 1);
	s = sub(&st, refs, 2);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "the same BO twice");

	st.len = 0;
	cmd_fill(&st, a.va + 4096, 8192, 1);	/* runs past the BO */
	s = sub(&st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EPERM, "fill past the BO");
	st.len = 0;
	cmd_fill(&st, 0x7000000000ull, 4096, 1);	/* forged VA */
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EPERM, "forged VA");
	st.len = 0;
	emit(&st, 0x7f, 8);	/* unknown opcode */
	s = sub(&st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "unknown opcode");
	st.len = 0;
	cmd_fill(&st, a.va, 4096, 1);
	((struct snpu_cmd_header *)st.buf)->size = 4096;	/* past the stream */
	s = sub(&st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "command size past the stream");

	st.len = 0;
	cmd_fill(&st, a.va, 4096, 1);
	s = sub(&st, refs, 1);
	sync.handle = 0xdead;
	s.in_syncs = (uintptr_t)&sync;
	s.in_sync_count = 1;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == ENOENT, "unknown in-syncobj");
	s = sub(&st, refs, 1);
	s.out_syncs = (uintptr_t)&sync;
	s.out_sync_count = 1;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == ENOENT, "unknown out-syncobj");
	drmSyncobjCreate(fd, 0, &sync.handle);
	sync.flags = 1;
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == EINVAL, "sync flags");
	drmSyncobjDestroy(fd, sync.handle);

	bo_free(fd, &a);
	bo_free(fd, &ro);
	bo_free(fd, &unmapped);
}

/* ---- SUBMIT: jobs that run ---- */
static void test_jobs(int fd)
{
	struct bo src = { 0 }, dst = { 0 }, dram = { 0 };
	struct drm_snpu_bo_ref refs[3];
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct drm_snpu_sync out = { 0 }, in = { 0 };
	struct stream st = { .len = 0 };
	uint64_t jobs0 = get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_JOBS));
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES), syncobj, tl;
	uint64_t point;
	int err;

	CHECK(bo_new(fd, 16384, 0, &src) == 0 && bo_new(fd, 16384, 0, &dst) == 0 &&
	      bo_new(fd, 16384, DRM_SNPU_BO_DEVICE, &dram) == 0, "BOs for jobs");
	refs[0] = (struct drm_snpu_bo_ref){ src.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
	refs[1] = (struct drm_snpu_bo_ref){ dst.handle, DRM_SNPU_BO_REF_WRITE };
	refs[2] = (struct drm_snpu_bo_ref){ dram.handle, DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };

	/* fill -> copy to DRAM -> copy back -> fence */
	cmd_fill(&st, src.va, 16384, 0xa5a5a5a5);
	cmd_copy(&st, src.va, dram.va, 16384);
	cmd_copy(&st, dram.va, dst.va, 8192);
	cmd_fence(&st, dst.va + 8192, 0x1122334455667788ull);
	err = run(fd, &st, refs, 3, &w);
	CHECK(err == 0 && w.status == DRM_SNPU_JOB_DONE && w.hw_status == SNPU_OK,
	      "fill/copy job: err %d status %u hw %u cmd %u", err, w.status, w.hw_status,
	      w.failed_cmd);
	CHECK(all_words(src.map, 16384, 0xa5a5a5a5), "fill reached host memory");
	CHECK(all_words(dram.map, 16384, 0xa5a5a5a5), "copy reached device DRAM");
	CHECK(all_words(dst.map, 8192, 0xa5a5a5a5), "copy back from device DRAM");
	CHECK(*(uint64_t *)((char *)dst.map + 8192) == 0x1122334455667788ull, "fence value");
	CHECK(w.end_ns >= w.start_ns, "job timestamps");
	CHECK(get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_JOBS)) > jobs0, "jobs counter");

	CHECK(job_wait(fd, 1ull << 40, 0, &w) == ENOENT, "JOB_WAIT unknown id");

	/* Every queue and priority (high needs CAP_SYS_NICE: root here). */
	for (uint32_t q = 0; q < nq; q++) {
		for (uint32_t p = 0; p < 3; p++) {
			st.len = 0;
			cmd_fill(&st, dst.va, 4096, q * 16 + p);
			s = sub(&st, refs, 3);
			s.queue = q;
			s.priority = p;
			err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
			if (!err)
				err = job_wait(fd, s.job_id, 20000, &w);
			CHECK(!err && w.status == DRM_SNPU_JOB_DONE &&
			      all_words(dst.map, 4096, q * 16 + p),
			      "queue %u priority %u: err %d status %u", q, p, err, w.status);
		}
	}

	/* Out-syncobj, then a job that waits on it (binary), then a timeline. */
	drmSyncobjCreate(fd, 0, &syncobj);
	out.handle = syncobj;
	st.len = 0;
	cmd_fill(&st, dst.va, 4096, 7);
	s = sub(&st, refs, 3);
	s.out_syncs = (uintptr_t)&out;
	s.out_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err, "submit with out-syncobj: %d", err);
	CHECK(drmSyncobjWait(fd, &syncobj, 1, now_ns() + 20000000000ll, 0, NULL) == 0,
	      "out-syncobj signalled");
	in.handle = syncobj;
	st.len = 0;
	cmd_fill(&st, dst.va, 4096, 8);
	s = sub(&st, refs, 3);
	s.in_syncs = (uintptr_t)&in;
	s.in_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(dst.map, 4096, 8), "job after an in-syncobj");
	drmSyncobjDestroy(fd, syncobj);

	drmSyncobjCreate(fd, 0, &tl);
	out = (struct drm_snpu_sync){ .handle = tl, .point = 5 };
	s = sub(&st, refs, 3);
	s.out_syncs = (uintptr_t)&out;
	s.out_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	point = 5;
	CHECK(!err && drmSyncobjTimelineWait(fd, &tl, &point, 1, now_ns() + 20000000000ll,
					     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL) == 0,
	      "timeline point 5 signalled (err %d)", err);
	drmSyncobjDestroy(fd, tl);

	/* A job whose in-syncobj carries an error is canceled, not run. */
	drmSyncobjCreate(fd, 0, &syncobj);
	out = (struct drm_snpu_sync){ .handle = syncobj };
	st.len = 0;
	cmd_wait(&st, src.va, 0x99, 1000);	/* times out in the device: an error */
	s = sub(&st, refs, 3);
	s.out_syncs = (uintptr_t)&out;
	s.out_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) &&
	      w.hw_status == SNPU_ERR_WAIT_TIMEOUT, "failing job (err %d hw %u)", err,
	      w.hw_status);
	in = (struct drm_snpu_sync){ .handle = syncobj };
	st.len = 0;
	cmd_fill(&st, dst.va, 4096, 10);
	s = sub(&st, refs, 3);
	s.in_syncs = (uintptr_t)&in;
	s.in_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) &&
	      w.status == DRM_SNPU_JOB_CANCELED && !all_words(dst.map, 4096, 10),
	      "job after a failed in-syncobj is canceled (err %d status %u)", err, w.status);
	drmSyncobjDestroy(fd, syncobj);

	/*
	 * The same, submitted while the failing job is still queued on the
	 * same queue (same entity): the dependent job must wait for it to end,
	 * not merely to be scheduled, and be canceled.
	 */
	drmSyncobjCreate(fd, 0, &syncobj);
	out = (struct drm_snpu_sync){ .handle = syncobj };
	st.len = 0;
	cmd_fill(&st, dst.va, 4096, 11);
	cmd_wait(&st, src.va, 0x99, 100000);	/* times out: command 1 fails */
	s = sub(&st, refs, 3);
	s.out_syncs = (uintptr_t)&out;
	s.out_sync_count = 1;
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	{
		uint64_t failing = s.job_id;

		in = (struct drm_snpu_sync){ .handle = syncobj };
		st.len = 0;
		cmd_fill(&st, dst.va, 4096, 12);
		s = sub(&st, refs, 3);
		s.in_syncs = (uintptr_t)&in;
		s.in_sync_count = 1;
		err = err ? err : xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		CHECK(!err && !job_wait(fd, failing, 20000, &w) &&
		      w.hw_status == SNPU_ERR_WAIT_TIMEOUT && w.failed_cmd == 1 &&
		      w.cmds_done == 1, "failing job: err %d hw %u cmd %u cmds_done %u", err,
		      w.hw_status, w.failed_cmd, w.cmds_done);
		CHECK(!err && !job_wait(fd, s.job_id, 20000, &w) &&
		      w.status == DRM_SNPU_JOB_CANCELED && w.hw_status == SNPU_ERR_ABORTED &&
		      w.cmds_done == 0 && all_words(dst.map, 4096, 11),
		      "job queued behind its failing dependency is canceled (err %d status %u hw %u)",
		      err, w.status, w.hw_status);
	}
	drmSyncobjDestroy(fd, syncobj);

	/*
	 * DRM_SNPU_SUBMIT_NO_IMPLICIT: a job that writes a BO another pending
	 * job WAITs on does not wait for it; without the flag it would (until
	 * the WAIT timed out).
	 */
	if (nq >= 2) {
		uint64_t waiter;

		*(volatile uint64_t *)src.map = 0;
		st.len = 0;
		cmd_wait(&st, src.va, 0x55, 3000000);
		cmd_fill(&st, dst.va, 4096, 13);
		s = sub(&st, refs, 3);
		err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		waiter = s.job_id;
		st.len = 0;
		cmd_fence(&st, src.va, 0x55);
		s = sub(&st, refs, 3);
		s.queue = 1;
		s.flags = DRM_SNPU_SUBMIT_NO_IMPLICIT;
		err = err ? err : xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		CHECK(!err && !job_wait(fd, s.job_id, 5000, &w) && w.status == DRM_SNPU_JOB_DONE &&
		      w.hw_status == SNPU_OK && w.cmds_done == 1,
		      "NO_IMPLICIT job runs before the pending job on its BO (err %d status %u)",
		      err, w.status);
		CHECK(!err && !job_wait(fd, waiter, 5000, &w) && w.status == DRM_SNPU_JOB_DONE &&
		      w.hw_status == SNPU_OK && all_words(dst.map, 4096, 13),
		      "the waiting job saw its write (err %d status %u hw %u)", err, w.status,
		      w.hw_status);
	}

	/* Poll: a finished job reports DONE with timeout 0. */
	st.len = 0;
	cmd_fill(&st, dst.va, 4096, 9);
	s = sub(&st, refs, 3);
	xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	job_wait(fd, s.job_id, 20000, &w);
	CHECK(job_wait(fd, s.job_id, 0, &w) == 0 && w.status == DRM_SNPU_JOB_DONE,
	      "poll a finished job");

	/*
	 * Unbinding a BO a pending job uses is refused. (The WAIT is shorter
	 * than the 250 ms the module gives a job without progress.)
	 */
	st.len = 0;
	cmd_wait(&st, src.va, 0x77, 100000);
	s = sub(&st, refs, 3);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	{
		struct drm_snpu_bo_bind b = { .handle = src.handle, .flags = DRM_SNPU_BIND_UNMAP };

		CHECK(!err && xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &b) == EBUSY,
		      "unbind under a pending job");
		CHECK(job_wait(fd, s.job_id, 0, &w) == 0 && w.status == DRM_SNPU_JOB_PENDING,
		      "poll a pending job");
		job_wait(fd, s.job_id, 20000, &w);
		CHECK(w.status == DRM_SNPU_JOB_DONE && w.hw_status == SNPU_ERR_WAIT_TIMEOUT,
		      "WAIT timed out in the device: status %u hw %u", w.status, w.hw_status);
	}

	bo_free(fd, &src);
	bo_free(fd, &dst);
	bo_free(fd, &dram);
}

/*
 * ---- SUBMIT racing its own job's completion ----
 * Regression: SUBMIT used job->bos after pushing the job to the scheduler,
 * so a cheap job with many BO refs could complete and be freed while the
 * ioctl still walked its BO array (GPF in snpu_ioctl_submit, first seen
 * with libaccel's tensor tests). 1024 BO refs, one NOP, an idle queue:
 * the job completes while the ioctl would still be in that loop.
 */
#define RACE_BOS	1024	/* the most a SUBMIT takes: the longest window */
#define RACE_ROUNDS	120
#define RACE_BURST	120	/* < 256, the queued-jobs bound per queue */

static void test_submit_race(int fd)
{
	struct bo bos[RACE_BOS];
	struct drm_snpu_bo_ref refs[RACE_BOS];
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s;
	struct stream st = { .len = 0 };
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES), n, ok = 0, err = 0;
	uint64_t last[8] = { 0 };

	memset(bos, 0, sizeof(bos));
	for (n = 0; n < RACE_BOS; n++) {
		if (bo_new(fd, 4096, 0, &bos[n]))
			break;
		/* Read-only refs: no implicit dependency between the jobs. */
		refs[n] = (struct drm_snpu_bo_ref){ bos[n].handle, DRM_SNPU_BO_REF_READ };
	}
	CHECK(n == RACE_BOS, "%u BOs for the submit race", RACE_BOS);
	emit(&st, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
	if (nq > 8)
		nq = 8;
	/* Every submit finds its queue idle: wait for the previous job there. */
	for (uint32_t i = 0; i < RACE_ROUNDS && n == RACE_BOS; i++) {
		uint32_t q = i % nq;

		if (last[q] && job_wait(fd, last[q], 20000, &w) == 0 &&
		    w.status == DRM_SNPU_JOB_DONE)
			ok++;
		s = sub(&st, refs, RACE_BOS - i % 4);
		s.queue = q;
		err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		if (err)
			break;
		last[q] = s.job_id;
	}
	for (uint32_t q = 0; q < nq; q++)
		if (last[q] && job_wait(fd, last[q], 20000, &w) == 0 &&
		    w.status == DRM_SNPU_JOB_DONE)
			ok++;
	CHECK(!err && ok == RACE_ROUNDS,
	      "submit racing completion: %u of %u NOP jobs with up to %u BO refs done (err %d)",
	      ok, RACE_ROUNDS, RACE_BOS, err);
	/* A burst: the jobs pile up and complete while later ones are submitted. */
	for (uint32_t i = 0; i < RACE_BURST && !err; i++) {
		s = sub(&st, refs, RACE_BOS - i % 8);
		s.queue = i % nq;
		err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
		last[i % nq] = s.job_id;
	}
	for (uint32_t q = 0; q < nq && !err; q++)
		if (job_wait(fd, last[q], 20000, &w) || w.status != DRM_SNPU_JOB_DONE)
			err = -1;
	CHECK(!err, "burst of %u NOP jobs with %u BO refs (err %d)", RACE_BURST, RACE_BOS, err);
	for (n = 0; n < RACE_BOS; n++)
		bo_free(fd, &bos[n]);
}

/* ---- PRIME: share a BO with another file ---- */
static void test_prime(int fd)
{
	struct bo a = { 0 }, d = { 0 };
	struct drm_snpu_bo_info info;
	struct drm_snpu_bo_bind b;
	struct drm_snpu_bo_ref ref;
	struct drm_snpu_job_wait w;
	struct drm_gem_close gc;
	struct stream st = { .len = 0 };
	int fd2 = open(node, O_RDWR), dmabuf = -1, err;
	uint32_t h2 = 0;

	CHECK(bo_new(fd, 8192, 0, &a) == 0, "BO to export");
	memset(a.map, 0x11, 8192);
	CHECK(drmPrimeHandleToFD(fd, a.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) == 0,
	      "export a SYSTEM BO: %s", strerror(errno));
	CHECK(drmPrimeFDToHandle(fd2, dmabuf, &h2) == 0, "import it in another file");
	info = (struct drm_snpu_bo_info){ .handle = h2 };
	CHECK(xioctl(fd2, DRM_IOCTL_SNPU_BO_INFO, &info) == 0 && info.va == 0 &&
	      info.size == 8192, "imported BO is not mapped yet (va 0x%" PRIx64 ")",
	      (uint64_t)info.va);
	ref = (struct drm_snpu_bo_ref){ h2, DRM_SNPU_BO_REF_WRITE };
	cmd_fill(&st, a.va, 8192, 0x22222222);
	CHECK(run(fd2, &st, &ref, 1, &w) == EINVAL, "unbound import cannot be used");
	b = (struct drm_snpu_bo_bind){ .handle = h2 };
	CHECK(xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &b) == 0 && b.va, "bind the import");
	st.len = 0;
	cmd_fill(&st, b.va, 8192, 0x22222222);
	err = run(fd2, &st, &ref, 1, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(a.map, 8192, 0x22222222),
	      "the exporter sees the importer's job (err %d status %u)", err, w.status);

	CHECK(bo_new(fd, 4096, DRM_SNPU_BO_DEVICE, &d) == 0, "DEVICE BO");
	err = drmPrimeHandleToFD(fd, d.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) ? errno : 0;
	CHECK(err == EOPNOTSUPP, "DEVICE BOs cannot be exported: %d", err);

	gc = (struct drm_gem_close){ .handle = h2 };
	drmIoctl(fd2, DRM_IOCTL_GEM_CLOSE, &gc);
	if (dmabuf >= 0)
		close(dmabuf);
	close(fd2);
	bo_free(fd, &a);
	bo_free(fd, &d);
}

/* Leave jobs running and exit: the module is removed right after. */
static int inflight(int fd)
{
	struct bo flag = { 0 }, buf = { 0 };
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_submit s;
	struct stream st = { .len = 0 };
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);

	if (bo_new(fd, 4096, 0, &flag) || bo_new(fd, 1 << 20, 0, &buf))
		return 1;
	refs[0] = (struct drm_snpu_bo_ref){ flag.handle, DRM_SNPU_BO_REF_READ };
	refs[1] = (struct drm_snpu_bo_ref){ buf.handle, DRM_SNPU_BO_REF_WRITE };
	cmd_wait(&st, flag.va, 1, 500000);
	cmd_fill(&st, buf.va, 1 << 20, 3);
	for (uint32_t q = 0; q < nq; q++) {
		s = sub(&st, refs, 2);
		s.queue = q;
		if (xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s))
			return 1;
	}
	return 0;
}

/* ---- A file open across an unbind of its device ---- */

/* The value of key in fd's fdinfo, -1 if absent. */
static long fdinfo_value(int fd, const char *key)
{
	size_t n = strlen(key);
	char path[64], line[256];
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

static int sysfs_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The PCI address of the device of fd into bdf; 0 on success. */
static int fd_bdf(int fd, char *bdf, size_t size)
{
	char path[96], target[256];
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb))
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device", major(sb.st_rdev),
		 minor(sb.st_rdev));
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = 0;
	snprintf(bdf, size, "%s", basename(target));
	return 0;
}

/*
 * The driver charges page tables to the memory cgroup of the task that
 * maps (__GFP_ACCOUNT): in a cgroup of its own, this program sees them go.
 */
#define CG_ROOT	"/sys/fs/cgroup"
#define CG_DIR	CG_ROOT "/snpu-unbind-open"

static int cg_enter(void)
{
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL);
	sysfs_write(CG_ROOT "/cgroup.subtree_control", "+memory");
	mkdir(CG_DIR, 0755);
	return !access(CG_DIR "/memory.current", F_OK) && sysfs_write(CG_DIR "/cgroup.procs", "0");
}

static long long cg_current(void)
{
	long long v = -1;
	FILE *f = fopen(CG_DIR "/memory.current", "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void cg_leave(void)
{
	sysfs_write(CG_ROOT "/cgroup.procs", "0");
	rmdir(CG_DIR);
}

#define SPARSE_BOS	512
#define SPARSE_VA	(1ull << 30)

static struct stream ustream;

static void unbind_open(int fd)
{
	struct bo a = { 0 }, b = { 0 }, d = { 0 }, o = { 0 };
	struct drm_snpu_bo_ref refs[2];
	struct drm_snpu_submit s;
	struct drm_snpu_job_wait w;
	struct drm_snpu_bo_bind bb;
	struct drm_snpu_bo_create bc;
	struct drm_gem_close gc;
	struct stream *st = &ustream;
	char bdf[64], node2[128];
	uint32_t h2 = 0, himp = 0;
	uint64_t done_id = 0, pending_id = 0, imp_va = 0;
	int fd2 = open(node, O_RDWR | O_CLOEXEC), fdo = -1, dmabuf = -1, odmabuf = -1;
	int err, have_other = access("/dev/accel/accel1", F_OK) == 0, cg = cg_enter();
	long long mem0, mem1;
	long pt, pt2;
	uint32_t i, sparse = 0;
	glob_t g;

	if (fd_bdf(fd, bdf, sizeof(bdf)) || fd2 < 0) {
		CHECK(0, "the PCI address of %s", node);
		return;
	}
	/* A leaf table each: 4 KiB BOs 2 MiB apart. */
	for (i = 0; i < SPARSE_BOS; i++) {
		bc = (struct drm_snpu_bo_create){ .size = 4096, .flags = DRM_SNPU_BO_FIXED_VA,
						   .va = SPARSE_VA + ((uint64_t)i << 21) };
		sparse += xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &bc) == 0;
	}
	CHECK(sparse == SPARSE_BOS, "%u BOs 2 MiB apart (%u)", SPARSE_BOS, sparse);
	CHECK(bo_new(fd, 65536, 0, &a) == 0 && bo_new(fd, 4096, 0, &b) == 0 &&
	      bo_new(fd, 65536, DRM_SNPU_BO_DEVICE, &d) == 0, "SYSTEM and DEVICE BOs");
	memset(b.map, 0, 4096);
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_WRITE };
	refs[1] = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_READ };
	st->len = 0;
	cmd_fill(st, a.va, 65536, 0x5a5a1234);
	s = sub(st, refs, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	done_id = s.job_id;
	CHECK(!err && !job_wait(fd, done_id, 20000, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(a.map, 65536, 0x5a5a1234), "a job done before the unbind (err %d)", err);

	/* A second file binds the first one's BO (PRIME): a second context. */
	CHECK(drmPrimeHandleToFD(fd, a.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) == 0 &&
	      drmPrimeFDToHandle(fd2, dmabuf, &h2) == 0, "share the BO with a second file");
	bb = (struct drm_snpu_bo_bind){ .handle = h2 };
	CHECK(xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bb) == 0, "bind it in the second file");

	/* A BO of another SNPU, imported (mapped for this device) and used. */
	if (have_other) {
		fdo = open("/dev/accel/accel1", O_RDWR | O_CLOEXEC);
		CHECK(fdo >= 0 && bo_new(fdo, 8192, 0, &o) == 0 &&
		      drmPrimeHandleToFD(fdo, o.handle, DRM_CLOEXEC | DRM_RDWR, &odmabuf) == 0 &&
		      drmPrimeFDToHandle(fd, odmabuf, &himp) == 0,
		      "import a BO of the second SNPU");
		bb = (struct drm_snpu_bo_bind){ .handle = himp };
		err = xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb);
		imp_va = bb.va;
		refs[0] = (struct drm_snpu_bo_ref){ himp, DRM_SNPU_BO_REF_WRITE };
		st->len = 0;
		cmd_fill(st, imp_va, 8192, 0x0dd0f00d);
		err = err ? err : run(fd, st, refs, 1, &w);
		CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(o.map, 8192, 0x0dd0f00d),
		      "a job of this SNPU writes the other SNPU's BO (err %d)", err);
	}

	/* A job still waiting (for b's first word) when the device goes. */
	refs[0] = (struct drm_snpu_bo_ref){ b.handle, DRM_SNPU_BO_REF_READ };
	st->len = 0;
	cmd_wait(st, b.va, 1, 3000000);
	s = sub(st, refs, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	pending_id = s.job_id;
	CHECK(!err && !job_wait(fd, pending_id, 0, &w) && w.status == DRM_SNPU_JOB_PENDING,
	      "a job pending at the unbind (err %d)", err);

	pt = fdinfo_value(fd, "snpu-pagetable-pages");
	pt2 = fdinfo_value(fd2, "snpu-pagetable-pages");
	CHECK(pt > SPARSE_BOS && pt2 > 0, "page tables before the unbind (%ld and %ld pages)",
	      pt, pt2);

	mem0 = cg_current();
	CHECK(sysfs_write("/sys/bus/pci/drivers/snpu/unbind", bdf), "unbind %s", bdf);
	mem1 = cg_current();
	/*
	 * remove returned: it freed every DMA allocation of the device, the
	 * page tables of the open files' contexts too (fdinfo shows nothing
	 * once the device is unplugged; the cgroup's charge does).
	 */
	if (cg && mem0 > 0 && mem1 > 0)
		printf("unbind: %ld page-table pages, the memory cgroup dropped by %lld KiB\n", pt,
		       (mem0 - mem1) >> 10);
	if (cg && mem0 > 0 && mem1 > 0)
		CHECK(mem0 - mem1 >= pt * 4096 * 3 / 4,
		      "the unbind freed the %ld page-table pages of the open file: its memory cgroup "
		      "dropped by %lld KiB", pt, (mem0 - mem1) >> 10);
	else
		printf("no memory cgroup (%d, %lld, %lld): the page tables' release is not checked\n",
		       cg, mem0, mem1);
	CHECK(all_words(a.map, 65536, 0x5a5a1234), "a SYSTEM BO's CPU mapping keeps its data");
	memset(a.map, 0x33, 4096);
	CHECK(all_bytes(a.map, 4096, 0x33), "and can still be written");

	bb = (struct drm_snpu_bo_bind){ .handle = b.handle, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb) == ENODEV, "UNMAP after the unbind: ENODEV");
	bb = (struct drm_snpu_bo_bind){ .handle = h2, .flags = DRM_SNPU_BIND_UNMAP };
	CHECK(xioctl(fd2, DRM_IOCTL_SNPU_BO_BIND, &bb) == ENODEV,
	      "UNMAP in the second file: ENODEV");
	bb = (struct drm_snpu_bo_bind){ .handle = himp ? himp : b.handle };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_BIND, &bb) == ENODEV, "BIND after the unbind: ENODEV");
	bc = (struct drm_snpu_bo_create){ .size = 4096 };
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &bc) == ENODEV, "BO_CREATE: ENODEV");
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_WRITE };
	st->len = 0;
	cmd_fill(st, a.va, 4096, 1);
	s = sub(st, refs, 1);
	CHECK(xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s) == ENODEV, "SUBMIT: ENODEV");
	CHECK(job_wait(fd, done_id, 0, &w) == ENODEV && job_wait(fd, pending_id, 1000, &w) == ENODEV,
	      "JOB_WAIT on the done and the pending job: ENODEV");
	gc = (struct drm_gem_close){ .handle = b.handle };
	CHECK(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc) == ENODEV, "GEM_CLOSE: ENODEV");
	if (have_other) {
		uint32_t h = 0;

		CHECK(drmPrimeFDToHandle(fd2, odmabuf, &h) != 0, "no PRIME import after the unbind");
	}

	/* Closing frees the rest: BOs, mappings (the import's too), contexts. */
	munmap(a.map, a.size);
	munmap(b.map, b.size);
	munmap(d.map, d.size);
	if (dmabuf >= 0)
		close(dmabuf);
	close(fd2);
	close(fd);
	if (have_other) {
		st->len = 0;
		refs[0] = (struct drm_snpu_bo_ref){ o.handle, DRM_SNPU_BO_REF_WRITE };
		cmd_fill(st, o.va, 8192, 0x600d600d);
		err = run(fdo, st, refs, 1, &w);
		CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(o.map, 8192, 0x600d600d),
		      "the other SNPU still runs a job on the BO it exported (err %d)", err);
		if (odmabuf >= 0)
			close(odmabuf);
		bo_free(fdo, &o);
		close(fdo);
	}

	CHECK(sysfs_write("/sys/bus/pci/drivers/snpu/bind", bdf), "bind %s again", bdf);
	snprintf(node2, sizeof(node2), "/sys/bus/pci/devices/%s/accel/accel*", bdf);
	if (glob(node2, 0, NULL, &g) || g.gl_pathc != 1) {
		CHECK(0, "the device node of %s after the bind", bdf);
		globfree(&g);
		return;
	}
	snprintf(node2, sizeof(node2), "/dev/accel/%s", basename(g.gl_pathv[0]));
	globfree(&g);
	fd = open(node2, O_RDWR | O_CLOEXEC);
	memset(&a, 0, sizeof(a));
	CHECK(fd >= 0 && bo_new(fd, 65536, 0, &a) == 0, "open %s, a BO", node2);
	if (fd < 0)
		return;
	refs[0] = (struct drm_snpu_bo_ref){ a.handle, DRM_SNPU_BO_REF_WRITE };
	st->len = 0;
	cmd_fill(st, a.va, 65536, 0x77665544);
	err = run(fd, st, refs, 1, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_DONE && all_words(a.map, 65536, 0x77665544),
	      "bound again, the device runs a job (err %d)", err);
	bo_free(fd, &a);
	close(fd);
	if (cg)
		cg_leave();
}

/* ---- Two processes ---- */
static void test_isolation(void)
{
	int to_parent[2], to_child[2];
	struct { uint64_t va; uint32_t handle; } info;
	pid_t pid;
	int status, fd;
	char ok;

	if (pipe(to_parent) || pipe(to_child)) {
		CHECK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct bo secret = { 0 };
		int cfd = open(node, O_RDWR);

		if (cfd < 0 || bo_new(cfd, 8192, 0, &secret))
			_exit(2);
		memset(secret.map, 0x42, secret.size);
		info.va = secret.va;
		info.handle = secret.handle;
		if (write(to_parent[1], &info, sizeof(info)) != sizeof(info) ||
		    read(to_child[0], &ok, 1) != 1)
			_exit(3);
		_exit(all_bytes(secret.map, secret.size, 0x42) ? 0 : 1);
	}
	if (read(to_parent[0], &info, sizeof(info)) != sizeof(info)) {
		CHECK(0, "child did not start");
		return;
	}

	fd = open(node, O_RDWR);
	{
		struct bo mine = { 0 };
		struct drm_snpu_bo_ref ref;
		struct drm_snpu_job_wait w;
		struct drm_snpu_bo_info bi = { .handle = info.handle };
		struct stream st = { .len = 0 };
		int err;

		/* Away from the VAs the allocator hands out, hence from the child's. */
		mine.va = 0x4000000000ull;
		CHECK(bo_new(fd, 8192, DRM_SNPU_BO_FIXED_VA, &mine) == 0 && mine.va != info.va,
		      "attacker BO at 0x%" PRIx64, mine.va);
		ref = (struct drm_snpu_bo_ref){ mine.handle,
						DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE };
		CHECK(info.handle == mine.handle ||
		      xioctl(fd, DRM_IOCTL_SNPU_BO_INFO, &bi) == ENOENT,
		      "the other process's handle means nothing here");
		/* Read the other process's VA into my BO, then write over it. */
		cmd_copy(&st, info.va, mine.va, 8192);
		cmd_fill(&st, info.va, 8192, 0);
		err = run(fd, &st, &ref, 1, &w);
		CHECK(err == EPERM, "forged VA of another process refused: %d", err);
		CHECK(!all_bytes(mine.map, 8192, 0x42), "nothing of the other process leaked");
		bo_free(fd, &mine);
	}
	close(fd);
	ok = 1;
	CHECK(write(to_child[1], &ok, 1) == 1, "wake child");
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the other process's data is intact (child status 0x%x)", status);
}

/* ---- A hung job is reset, another context's job completes ---- */
static void test_hang(int fd)
{
	struct bo flag = { 0 }, other = { 0 }, behind = { 0 };
	struct drm_snpu_bo_ref ref, oref, bref;
	struct drm_snpu_job_wait w;
	struct drm_snpu_submit s, os, bs;
	static struct stream st, ost, bst;
	int err3;
	uint64_t resets0 = get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_RESETS));
	uint32_t nq = get_param(fd, DRM_SNPU_PARAM_NUM_QUEUES);
	int fd2 = open(node, O_RDWR), err, err2;

	bo_new(fd, 4096, 0, &flag);
	bo_new(fd2, 4096, 0, &other);
	ref = (struct drm_snpu_bo_ref){ flag.handle, DRM_SNPU_BO_REF_READ };
	oref = (struct drm_snpu_bo_ref){ other.handle, DRM_SNPU_BO_REF_WRITE };
	/* Waits for a value nobody writes: 8 x 1 s WAITs. */
	for (int i = 0; i < 8; i++)
		cmd_wait(&st, flag.va, 1, 1000000);
	s = sub(&st, &ref, 1);
	err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &s);
	CHECK(!err, "submit the hanging job: %d", err);

	cmd_fill(&ost, other.va, 4096, 0x600d);
	os = sub(&ost, &oref, 1);
	os.queue = nq > 1 ? 1 : 0;
	err2 = xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &os);
	CHECK(!err2, "submit another context's job: %d", err2);

	/* Another context's job queued behind the hung one on the same ring. */
	bo_new(fd2, 4096, 0, &behind);
	bref = (struct drm_snpu_bo_ref){ behind.handle, DRM_SNPU_BO_REF_WRITE };
	bst.len = 0;
	cmd_fill(&bst, behind.va, 4096, 0xbe41d);
	bs = sub(&bst, &bref, 1);
	err3 = xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &bs);
	CHECK(!err3, "submit a job behind the hung one: %d", err3);

	err = job_wait(fd, s.job_id, 30000, &w);
	CHECK(!err && w.status == DRM_SNPU_JOB_TIMEDOUT,
	      "hung job timed out: err %d status %u hw %u", err, w.status, w.hw_status);
	err2 = job_wait(fd2, os.job_id, 30000, &w);
	CHECK(!err2 && w.status == DRM_SNPU_JOB_DONE && all_words(other.map, 4096, 0x600d),
	      "the other context's job completed: err %d status %u", err2, w.status);
	err3 = job_wait(fd2, bs.job_id, 30000, &w);
	CHECK(!err3 && w.status == DRM_SNPU_JOB_DONE && all_words(behind.map, 4096, 0xbe41d),
	      "the job behind it was run again and completed: err %d status %u", err3,
	      w.status);
	CHECK(get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_RESETS)) > resets0,
	      "the engine was reset");

	/* The device works after the reset. */
	ost.len = 0;
	cmd_fill(&ost, other.va, 4096, 0xaf7e2);
	os = sub(&ost, &oref, 1);
	err2 = xioctl(fd2, DRM_IOCTL_SNPU_SUBMIT, &os);
	CHECK(!err2 && !job_wait(fd2, os.job_id, 30000, &w) && w.status == DRM_SNPU_JOB_DONE &&
	      all_words(other.map, 4096, 0xaf7e2), "a job after the reset");

	bo_free(fd, &flag);
	bo_free(fd2, &other);
	bo_free(fd2, &behind);
	close(fd2);
}

int main(int argc, char **argv)
{
	int hold = 0, linger = 0, unbind = 0, fd;
	uint64_t faults0, resets0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--inflight"))
			hold = 1;
		else if (!strcmp(argv[i], "--linger"))
			linger = 1;
		else if (!strcmp(argv[i], "--unbind-open"))
			unbind = 1;
		else
			node = argv[i];
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL cannot open %s: %s\n0 passed, 1 failed\n", node, strerror(errno));
		return 1;
	}
	if (hold) {
		int ret = inflight(fd);
		struct drm_snpu_get_param p = { .param = DRM_SNPU_PARAM_DEVICE_ID };

		if (!ret && linger) {
			/* Keep the file (and its jobs) while the device is unbound. */
			sleep(2);
			ret = xioctl(fd, DRM_IOCTL_SNPU_GET_PARAM, &p) == ENODEV ? 0 : 2;
		}
		return ret;
	}
	if (unbind) {
		unbind_open(fd);	/* closes fd */
		printf("driver-ioctl: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	faults0 = get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_FAULTS));
	resets0 = get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_RESETS));
	{
		test_bo(fd);
		printf("bo: %d passed, %d failed\n", passed, failed);
		test_submit_invalid(fd);
		printf("+submit-invalid: %d passed, %d failed\n", passed, failed);
		test_jobs(fd);
		printf("+jobs: %d passed, %d failed\n", passed, failed);
		test_submit_race(fd);
		printf("+submit-race: %d passed, %d failed\n", passed, failed);
		test_prime(fd);
		printf("+prime: %d passed, %d failed\n", passed, failed);
	}
	test_isolation();
	printf("+isolation: %d passed, %d failed\n", passed, failed);
	test_hang(fd);
	printf("+hang: %d passed, %d failed\n", passed, failed);
	printf("exercised: %u ioctl cases, %llu MMU faults, %llu engine resets\n", ioctl_cases,
	       (unsigned long long)(get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_FAULTS)) - faults0),
	       (unsigned long long)(get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_CNT_RESETS)) - resets0));
	close(fd);
	printf("driver-ioctl: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
