/* SPDX-License-Identifier: MIT */
/*
 * Userspace interface of snpu.ko, the SNPU DRM accel driver
 * (/dev/accel/accelN).
 *
 * Rules every ioctl follows (Documentation/process/botching-up-ioctls.rst):
 * all structs are multiples of 8 bytes with explicit padding; pads and
 * reserved fields must be zero and unknown flags are refused (-EINVAL);
 * arrays are passed as a __u64 user pointer, a count and an element size
 * (so elements can grow); timeouts are absolute CLOCK_MONOTONIC __s64
 * nanoseconds. Each struct may grow at its end: the kernel zero-extends
 * what an older userspace passes.
 */
#ifndef _UAPI_SNPU_ACCEL_H_
#define _UAPI_SNPU_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Ioctl numbers: append only, never reuse. */
enum drm_snpu_ioctl_id {
	DRM_SNPU_GET_PARAM = 0,
	DRM_SNPU_BO_CREATE,
	DRM_SNPU_BO_MMAP_OFFSET,
	DRM_SNPU_BO_INFO,
	DRM_SNPU_SUBMIT,
	DRM_SNPU_BO_BIND,
	DRM_SNPU_JOB_WAIT,
};

/**
 * enum drm_snpu_param - what DRM_IOCTL_SNPU_GET_PARAM reports
 *
 * Device facts come from BAR0 (snpu_regs.h), firmware facts from the
 * firmware the driver booted.
 */
enum drm_snpu_param {
	DRM_SNPU_PARAM_DEVICE_ID = 0,	/* PCI vendor << 16 | device */
	DRM_SNPU_PARAM_HW_VERSION = 1,	/* major << 16 | minor */
	DRM_SNPU_PARAM_HW_CAPS = 2,	/* SNPU_CAP_* of the silicon */
	DRM_SNPU_PARAM_FW_VERSION = 3,	/* major << 16 | minor << 8 | patch */
	DRM_SNPU_PARAM_FW_API = 4,	/* major << 16 | minor */
	DRM_SNPU_PARAM_FW_CAPS = 5,	/* SNPU_CAP_* usable (hw & fw) */
	DRM_SNPU_PARAM_NUM_QUEUES = 6,
	DRM_SNPU_PARAM_DRAM_SIZE = 7,	/* bytes */
	DRM_SNPU_PARAM_SRAM_SIZE = 8,	/* bytes */
	DRM_SNPU_PARAM_MAC_ROWS = 9,
	DRM_SNPU_PARAM_MAC_COLS = 10,
	DRM_SNPU_PARAM_CLOCK_MHZ = 11,
	DRM_SNPU_PARAM_NUM_CONTEXTS = 12,
	DRM_SNPU_PARAM_DRAM_BW = 13,	/* MB/s */
	DRM_SNPU_PARAM_SRAM_BW = 14,	/* MB/s */
	DRM_SNPU_PARAM_PCIE_BW = 15,	/* MB/s */
	DRM_SNPU_PARAM_CMD_OVERHEAD = 16,	/* cycles */
	DRM_SNPU_PARAM_VA_BITS = 17,
	DRM_SNPU_PARAM_MAX_CMDBUF = 18,	/* bytes per SUBMIT */
	DRM_SNPU_PARAM_TIMESTAMP = 19,	/* device clock now, ns */
	DRM_SNPU_PARAM_CONTEXT_ID = 20,	/* this file's MMU context */
	DRM_SNPU_PARAM_SRAM_VA = 21,	/* VA of the SRAM window */
	DRM_SNPU_PARAM_BO_FLAGS = 22,	/* DRM_SNPU_BO_* this driver takes */
	DRM_SNPU_PARAM_BIND_FLAGS = 23,	/* DRM_SNPU_BIND_* this driver takes */
	DRM_SNPU_PARAM_SUBMIT_FLAGS = 24,	/* DRM_SNPU_SUBMIT_* this driver takes */
	/* DRM_SNPU_PARAM_COUNTER(i): device counter i (enum snpu_counter) */
	DRM_SNPU_PARAM_COUNTER_BASE = 0x100,
};

#define DRM_SNPU_PARAM_COUNTER(i)	(DRM_SNPU_PARAM_COUNTER_BASE + (i))

/**
 * struct drm_snpu_get_param - read one device parameter
 * @param: [in] enum drm_snpu_param; unknown -> -EINVAL
 * @pad: [in] must be zero
 * @value: [out] the value
 */
struct drm_snpu_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* Lowest VA the driver maps: [0, 64 KiB) always faults (NULL-based addresses). */
#define DRM_SNPU_VA_MIN		0x10000ull

/* BO placement and access, DRM_IOCTL_SNPU_BO_CREATE flags */
#define DRM_SNPU_BO_SYSTEM	0x0u	/* host pages (shmem), pinned while mapped */
#define DRM_SNPU_BO_DEVICE	0x1u	/* device DRAM (BAR2), mmap is write-combined */
#define DRM_SNPU_BO_READ_ONLY	0x2u	/* device may only read it, in every context */
#define DRM_SNPU_BO_FIXED_VA	0x4u	/* map at @va instead of choosing one */
#define DRM_SNPU_BO_FLAGS	(DRM_SNPU_BO_DEVICE | DRM_SNPU_BO_READ_ONLY | DRM_SNPU_BO_FIXED_VA)

/**
 * struct drm_snpu_bo_create - create a buffer and map it in this file's context
 * @size: [in] bytes, > 0; rounded up to the page size (-EINVAL if 0,
 *        -E2BIG past the placement's capacity: device DRAM for DEVICE,
 *        RAM and the VA space for SYSTEM; -EDQUOT past the creating
 *        user's share: module parameters max_user_pinned_mb for SYSTEM,
 *        max_user_dram_mb for DEVICE; -ENOSPC if device DRAM is too
 *        fragmented)
 * @flags: [in] DRM_SNPU_BO_* (unknown bits -EINVAL)
 * @handle: [out] GEM handle
 * @va: [in/out] with DRM_SNPU_BO_FIXED_VA the page-aligned VA to map at
 *      (-EINVAL if below DRM_SNPU_VA_MIN, unaligned or past the VA space,
 *      -ENOSPC if taken), otherwise 0 on input (-EINVAL) and [out] the VA
 *      chosen; valid only in this file's context
 *
 * New BOs read as zero. READ_ONLY is a property of the BO: every mapping
 * of it (BO_BIND, PRIME imports of it) is read-only for the device. SYSTEM
 * BOs are pinned while mapped in a context (their pages are charged to the
 * creator's memory cgroup). DEVICE BOs cannot be exported with PRIME
 * (-EOPNOTSUPP); SYSTEM BOs can, and an importer maps them with
 * DRM_IOCTL_SNPU_BO_BIND.
 */
struct drm_snpu_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 va;
};

/**
 * struct drm_snpu_bo_mmap_offset - offset for mmap() of a BO on this file
 * @handle: [in] GEM handle (-ENOENT if unknown)
 * @pad: [in] must be zero
 * @offset: [out] fake offset to pass to mmap()
 */
struct drm_snpu_bo_mmap_offset {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

/**
 * struct drm_snpu_bo_info - describe a BO
 * @handle: [in] GEM handle (-ENOENT if unknown)
 * @flags: [out] DRM_SNPU_BO_* it was created with (imported: SYSTEM)
 * @size: [out] bytes
 * @va: [out] VA in this file's context, 0 if not mapped (imported, unbound)
 */
struct drm_snpu_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 va;
};

#define DRM_SNPU_BIND_MAP	0x0u
#define DRM_SNPU_BIND_UNMAP	0x1u
#define DRM_SNPU_BIND_READ_ONLY	0x2u
#define DRM_SNPU_BIND_FIXED_VA	0x4u
#define DRM_SNPU_BIND_FLAGS \
	(DRM_SNPU_BIND_UNMAP | DRM_SNPU_BIND_READ_ONLY | DRM_SNPU_BIND_FIXED_VA)

/**
 * struct drm_snpu_bo_bind - map or unmap a BO (e.g. a PRIME import) in this
 * file's context
 * @handle: [in] GEM handle (-ENOENT if unknown)
 * @flags: [in] DRM_SNPU_BIND_*; unknown bits, or UNMAP with another flag ->
 *         -EINVAL; mapping twice -> -EBUSY, unmapping an unmapped BO ->
 *         -ENOENT, unmapping a BO a pending job uses -> -EBUSY (any job
 *         whose fence is in the BO's reservation; decided under the
 *         reservation lock, so no SUBMIT can start using the mapping
 *         meanwhile); a READ_ONLY BO is mapped read-only whatever the flags
 * @va: [in/out] as for drm_snpu_bo_create (must be 0 with UNMAP)
 */
struct drm_snpu_bo_bind {
	__u32 handle;
	__u32 flags;
	__u64 va;
};

/* BO reference access flags, struct drm_snpu_bo_ref */
#define DRM_SNPU_BO_REF_READ	0x1u
#define DRM_SNPU_BO_REF_WRITE	0x2u

/**
 * struct drm_snpu_bo_ref - a BO a job uses
 * @handle: [in] GEM handle (-ENOENT if unknown), mapped in this file's
 *          context (-EINVAL if not); each BO at most once per job (-EINVAL)
 * @flags: [in] DRM_SNPU_BO_REF_READ and/or WRITE, at least one (-EINVAL):
 *         implicit dependencies (wait for writers; writers also wait for
 *         readers; none with DRM_SNPU_SUBMIT_NO_IMPLICIT); a job may write
 *         only WRITE refs of BOs mapped writable
 */
struct drm_snpu_bo_ref {
	__u32 handle;
	__u32 flags;
};

/**
 * struct drm_snpu_sync - a syncobj a job waits on or signals
 * @handle: [in] syncobj handle (-ENOENT if unknown; an in-syncobj must have
 *          a fence, or a fence at @point)
 * @flags: [in] must be zero (-EINVAL)
 * @point: [in] timeline point, 0 for a binary syncobj
 *
 * A job runs only once the fences of all its in-syncobjs have signalled
 * (also those of jobs of the same queue). A job whose in-syncobj fence
 * signals an error is not run: it ends DRM_SNPU_JOB_CANCELED and its
 * out-syncobjs signal with an error.
 */
struct drm_snpu_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

/* 0 is the default, as a zeroed struct drm_snpu_submit asks (since 1.1) */
enum drm_snpu_priority {
	DRM_SNPU_PRIORITY_NORMAL = 0,
	DRM_SNPU_PRIORITY_LOW = 1,
	DRM_SNPU_PRIORITY_HIGH = 2,	/* needs CAP_SYS_NICE, else -EPERM */
};

#define DRM_SNPU_SUBMIT_PROFILE	0x1u	/* per-command records at profile_va */
/*
 * No implicit synchronisation: the job does not wait for the fences of its
 * BOs' reservations (earlier jobs, other files, dma-buf exporters); it is
 * ordered by its in-syncs only. Its own fence is still added to its BOs, so
 * that other users (importers, other files, jobs without this flag) keep
 * syncing against it.
 */
#define DRM_SNPU_SUBMIT_NO_IMPLICIT	0x2u
#define DRM_SNPU_SUBMIT_FLAGS	(DRM_SNPU_SUBMIT_PROFILE | DRM_SNPU_SUBMIT_NO_IMPLICIT)

/**
 * struct drm_snpu_submit - queue one command stream
 * @cmds: [in] user pointer to the command stream (snpu_cmd.h)
 * @cmds_size: [in] bytes, multiple of 8, 8..MAX_CMDBUF (-EINVAL)
 * @queue: [in] hardware queue, < NUM_QUEUES (-EINVAL)
 * @bo_refs: [in] user pointer to struct drm_snpu_bo_ref[bo_count]; every
 *           address a command uses must lie inside one of them with the
 *           access it needs: an unknown handle is -ENOENT, a command that
 *           reaches outside them or writes a READ ref is -EPERM, a
 *           malformed command is -EINVAL
 * @bo_count: [in] at most 1024 (-EINVAL)
 * @bo_ref_size: [in] sizeof(struct drm_snpu_bo_ref) userspace knows: at
 *               least the size of this version, at most 256, bytes past
 *               what the kernel knows zero (-EINVAL)
 * @in_syncs: [in] user pointer to struct drm_snpu_sync[in_sync_count]
 * @in_sync_count: [in] at most 256 (-EINVAL)
 * @sync_size: [in] sizeof(struct drm_snpu_sync) userspace knows, as for
 *             @bo_ref_size
 * @out_syncs: [in] user pointer to struct drm_snpu_sync[out_sync_count],
 *             signalled when the job ends (even with an error)
 * @out_sync_count: [in] at most 256 (-EINVAL)
 * @priority: [in] enum drm_snpu_priority (-EINVAL past HIGH)
 * @flags: [in] DRM_SNPU_SUBMIT_* (unknown bits -EINVAL; PROFILE needs
 *         SNPU_CAP_PROFILE in DRM_SNPU_PARAM_FW_CAPS, else -EINVAL;
 *         NO_IMPLICIT: order the job by its in-syncs only)
 * @num_profile: [in] profile records room at profile_va; with PROFILE > 0,
 *               without it 0 (-EINVAL)
 * @profile_va: [in] with DRM_SNPU_SUBMIT_PROFILE: 8-aligned VA (in a WRITE
 *              BO ref, else -EPERM) of struct snpu_profile_rec[num_profile];
 *              without it 0 (-EINVAL)
 * @job_id: [out] id to pass to DRM_IOCTL_SNPU_JOB_WAIT, from 1 up per file
 *
 * An unreadable @cmds, @bo_refs or sync array is -EFAULT. When 256 jobs of
 * this file (any queue and priority) are queued or running, -EAGAIN: wait
 * for some of them and submit again (libdrm's drmIoctl() retries -EAGAIN
 * by itself). A device that did not come back from a reset: -EIO. A
 * context banned after 3 hangs of its jobs: -ECANCELED (open a new file).
 */
struct drm_snpu_submit {
	__u64 cmds;
	__u32 cmds_size;
	__u32 queue;
	__u64 bo_refs;
	__u32 bo_count;
	__u32 bo_ref_size;
	__u64 in_syncs;
	__u32 in_sync_count;
	__u32 sync_size;
	__u64 out_syncs;
	__u32 out_sync_count;
	__u32 priority;
	__u32 flags;
	__u32 num_profile;
	__u64 profile_va;
	__u64 job_id;
};

/* Job status, struct drm_snpu_job_wait.status */
enum drm_snpu_job_status {
	DRM_SNPU_JOB_DONE = 0,		/* completed, device status in hw_status */
	DRM_SNPU_JOB_PENDING = 1,	/* not finished before the timeout */
	/* hung: killed by the watchdog and an engine reset; the jobs queued
	 * behind it by the same file, queue and priority are CANCELED; jobs
	 * of others not yet started run after the reset
	 */
	DRM_SNPU_JOB_TIMEDOUT = 2,
	/* never ran: queued behind a hung job of its file/queue/priority,
	 * its context banned, device removal, or a dependency failed
	 */
	DRM_SNPU_JOB_CANCELED = 3,
	DRM_SNPU_JOB_FAULTED = 4,	/* MMU fault, see fault_va */
	/* was running when the engine was reset for another job's hang: it
	 * may have run part of its commands and is not run again
	 */
	DRM_SNPU_JOB_ABORTED = 5,
};

/**
 * struct drm_snpu_job_wait - wait for a job of this file and read its result
 * @job_id: [in] from DRM_IOCTL_SNPU_SUBMIT; results of the last 4096 jobs
 *          of a file are kept (-ENOENT for unknown or forgotten ids)
 * @timeout_ns: [in] absolute CLOCK_MONOTONIC; 0 = poll; negative -EINVAL;
 *              a signal interrupts the wait (-EINTR/-ERESTARTSYS)
 * @status: [out] enum drm_snpu_job_status
 * @hw_status: [out] enum snpu_err from the completion record;
 *             SNPU_ERR_ABORTED for TIMEDOUT, ABORTED and CANCELED
 * @failed_cmd: [out] index of the failing command
 * @pad: [out] zero
 * @fault_va: [out] faulting VA (FAULTED)
 * @pred_cycles: [out] timing-model cycles
 * @start_ns: [out] device clock at start
 * @end_ns: [out] device clock at end
 * @fault_flags: [out] SNPU_MMU_FAULT_* of the completion record (FAULTED)
 * @cmds_done: [out] commands the device completed successfully
 *
 * While the job is PENDING every other [out] field is 0. @fault_flags and
 * @cmds_done were appended later: an older userspace passes the shorter
 * struct and does not see them.
 */
struct drm_snpu_job_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 status;
	__u32 hw_status;
	__u32 failed_cmd;
	__u32 pad;
	__u64 fault_va;
	__u64 pred_cycles;
	__u64 start_ns;
	__u64 end_ns;
	__u32 fault_flags;
	__u32 cmds_done;
};

#define DRM_IOCTL_SNPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_GET_PARAM, struct drm_snpu_get_param)
#define DRM_IOCTL_SNPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_BO_CREATE, struct drm_snpu_bo_create)
#define DRM_IOCTL_SNPU_BO_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_BO_MMAP_OFFSET, struct drm_snpu_bo_mmap_offset)
#define DRM_IOCTL_SNPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_BO_INFO, struct drm_snpu_bo_info)
#define DRM_IOCTL_SNPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_SUBMIT, struct drm_snpu_submit)
#define DRM_IOCTL_SNPU_BO_BIND \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_BO_BIND, struct drm_snpu_bo_bind)
#define DRM_IOCTL_SNPU_JOB_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SNPU_JOB_WAIT, struct drm_snpu_job_wait)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_SNPU_ACCEL_H_ */
