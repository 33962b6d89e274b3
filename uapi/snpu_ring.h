/* SPDX-License-Identifier: MIT */
/*
 * SNPU hardware queues: ring entries (job descriptors), completion records
 * and per-command profile records.
 *
 * Each queue has a ring of SNPU_QREG_RING_SIZE job descriptors in host
 * memory, owned by the driver. The driver writes descriptors at index
 * tail % size, then writes the new free-running tail to SNPU_QREG_RING_TAIL
 * (the doorbell). The device consumes descriptors in order, advancing
 * SNPU_QREG_RING_HEAD; tail - head is the number of pending jobs and must
 * never exceed the ring size (a doorbell that does stops the queue with
 * SNPU_ERR_RING).
 *
 * For each job the device fetches the command stream at cmd_addr (a bus
 * address: the driver copies user commands into memory userspace cannot
 * map), switches to MMU context ctx_id, executes the commands in order,
 * writes the completion record to completion_addr (done flag last), updates
 * SNPU_QREG_DONE_SEQNO and, when SNPU_JOB_IRQ is set, sets IRQ_STATUS bit q
 * and sends MSI-X vector q.
 */
#ifndef SNPU_RING_H
#define SNPU_RING_H

#include <linux/types.h>

struct snpu_job_desc {
	__u64 cmd_addr;		/* bus address of the command stream, 8-aligned */
	__u32 cmd_size;		/* bytes, multiple of 8, <= SNPU_REG_MAX_CMDBUF */
	__u32 ctx_id;		/* MMU context the commands run in */
	__u64 seqno;		/* echoed in the completion record */
	__u64 completion_addr;	/* bus address of snpu_completion, 64-aligned */
	__u32 flags;		/* SNPU_JOB_* */
	__u32 num_profile;	/* profile records room (SNPU_JOB_PROFILE) */
	__u64 profile_va;	/* context VA of snpu_profile_rec[num_profile] */
	__u64 reserved[2];	/* must be zero */
};

#define SNPU_JOB_IRQ		(1u << 0)	/* interrupt on completion */
#define SNPU_JOB_PROFILE	(1u << 1)	/* write per-command records */
#define SNPU_JOB_FLAGS_VALID	(SNPU_JOB_IRQ | SNPU_JOB_PROFILE)

#define SNPU_MAX_CMDBUF		(1u << 20)

struct snpu_completion {
	__u64 seqno;		/* from the descriptor */
	__u32 status;		/* enum snpu_err, SNPU_OK on success */
	__u32 failed_cmd;	/* index of the command that failed */
	__u64 fault_va;		/* faulting VA (MMU errors) */
	__u32 fault_ctx;	/* context of the fault */
	__u32 fault_flags;	/* SNPU_MMU_FAULT_* bits */
	__u64 pred_cycles;	/* timing-model cycles of the whole job */
	__u64 start_ns;		/* device clock at job start */
	__u64 end_ns;		/* device clock at job end */
	__u32 cmds_done;	/* commands completed successfully */
	__u32 flags;		/* SNPU_COMPL_DONE, written last */
};
#define SNPU_COMPL_DONE		(1u << 0)
/* failed_cmd when the job failed before its first command (descriptor,
 * command stream fetch or context errors). */
#define SNPU_COMPL_NO_CMD	0xffffffffu

/* One per executed command when SNPU_JOB_PROFILE is set. */
struct snpu_profile_rec {
	__u64 start_ns;		/* device clock when the command started */
	__u64 end_ns;		/* device clock when it ended */
	__u64 pred_cycles;	/* timing-model cycles of the command */
	__u16 opcode;
	__u16 status;		/* enum snpu_err */
	__u32 index;		/* command index in the stream */
};

#endif /* SNPU_RING_H */
