/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU jobs: drm_sched per hardware queue, SUBMIT, JOB_WAIT, timeouts and
 * engine reset.
 */
#ifndef __SNPU_JOB_H__
#define __SNPU_JOB_H__

#include <drm/gpu_scheduler.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>

struct drm_device;
struct drm_file;
struct drm_printer;
struct drm_gem_object;
struct snpu_device;
struct snpu_file;
struct snpu_queue;
struct snpu_vm;

/* Jobs whose result a file keeps for DRM_IOCTL_SNPU_JOB_WAIT. */
#define SNPU_JOB_RESULTS	4096

/**
 * struct snpu_job_result - what DRM_IOCTL_SNPU_JOB_WAIT reports
 * @ref: held by the file's result table and by the job
 * @done: the job's finished fence
 * @status: enum drm_snpu_job_status, final once @done signalled
 * @hw_status: enum snpu_err of the completion record
 * @failed_cmd: index of the failing command
 * @fault_va: faulting VA
 * @pred_cycles: timing-model cycles
 * @start_ns: device clock at start
 * @end_ns: device clock at end
 * @fault_flags: SNPU_MMU_FAULT_* of the completion record
 * @cmds_done: commands completed successfully
 */
struct snpu_job_result {
	struct kref ref;
	struct dma_fence *done;
	u32 status;
	u32 hw_status;
	u32 failed_cmd;
	u64 fault_va;
	u64 pred_cycles;
	u64 start_ns;
	u64 end_ns;
	u32 fault_flags;
	u32 cmds_done;
};

/**
 * struct snpu_stream - the jobs of one scheduler entity (file, queue,
 * priority), in submission order; jobs hold a reference
 * @ref: the entity's and each job's
 * @submitted: jobs submitted so far (the last one's @stream_seq)
 * @cancel_upto: jobs up to this one are canceled: they were queued
 *               behind a job of the stream that hung
 */
struct snpu_stream {
	struct kref ref;
	atomic64_t submitted;
	atomic64_t cancel_upto;
};

/**
 * struct snpu_job - one SUBMIT
 * @base: the scheduler's job
 * @sdev: the device
 * @q: the hardware queue it runs on
 * @vm: the context it runs in (a reference)
 * @res: its result (a reference)
 * @cmds: the command stream, copied and validated (DMA-coherent); freed
 *        with the job, or at the device's removal (then NULL)
 * @cmds_dma: its bus address
 * @cmds_size: its size
 * @cmds_link: in sdev->cmds_jobs while @cmds is allocated (cmds_lock)
 * @bos: the BOs it uses (references)
 * @bo_write: per BO, whether the job may write it
 * @bo_count: number of @bos
 * @in_fences: fences of the in-syncobjs, unwrapped from their containers
 *             (references): the job runs once all signalled (it waits for
 *             all of them through one dependency); if one failed, the job
 *             is canceled instead of run
 * @in_fence_count: number of @in_fences
 * @desc_flags: SNPU_JOB_* of the descriptor
 * @num_profile: profile records room
 * @profile_va: where the profile records go
 * @stream: its entity's stream (a reference)
 * @stream_seq: its place in @stream
 * @hw_fence: allocated at SUBMIT, initialised when the job reaches the
 *            ring, signalled by the completion interrupt; the job's
 *            reference, NULL once signalled
 * @hw_fence_init: @hw_fence was initialised (else it is only memory)
 * @pm_ref: holds a runtime PM reference of the device
 * @seqno: descriptor seqno of the current run
 * @slot: ring slot (descriptor and completion record) of the current run
 * @link: in q->inflight while on the ring
 */
struct snpu_job {
	struct drm_sched_job base;
	struct snpu_device *sdev;
	struct snpu_queue *q;
	struct snpu_vm *vm;
	struct snpu_job_result *res;
	void *cmds;
	dma_addr_t cmds_dma;
	u32 cmds_size;
	struct list_head cmds_link;
	struct drm_gem_object **bos;
	bool *bo_write;
	u32 bo_count;
	struct dma_fence **in_fences;
	u32 in_fence_count;
	u32 desc_flags;
	u32 num_profile;
	u64 profile_va;
	struct snpu_stream *stream;
	u64 stream_seq;
	struct dma_fence *hw_fence;
	bool hw_fence_init;
	bool pm_ref;
	u64 seqno;
	u32 slot;
	struct list_head link;
};

int snpu_job_init(struct snpu_device *sdev);
void snpu_job_stop(struct snpu_device *sdev);
void snpu_job_unplug(struct snpu_device *sdev);
int snpu_engine_start(struct snpu_device *sdev);
void snpu_engine_hw_init(struct snpu_device *sdev);
void snpu_engine_fault(struct snpu_device *sdev, u32 queue);
void snpu_engine_recover(struct snpu_device *sdev);

void snpu_show_fdinfo(struct drm_printer *p, struct drm_file *file);
int snpu_file_jobs_init(struct snpu_file *sfile);
void snpu_file_jobs_fini(struct snpu_file *sfile);

int snpu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int snpu_ioctl_job_wait(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __SNPU_JOB_H__ */
