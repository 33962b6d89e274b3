/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU tracepoints (events/snpu/): a job's submission, its start on the
 * ring, its completion, and engine resets.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM snpu

#if !defined(__SNPU_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __SNPU_TRACE_H__

#include <linux/tracepoint.h>

TRACE_EVENT(snpu_job_submit,
	    TP_PROTO(u32 ctx, u32 queue, u32 prio, u64 job_id, u32 cmds_size),
	    TP_ARGS(ctx, queue, prio, job_id, cmds_size),
	    TP_STRUCT__entry(__field(u32, ctx)
			     __field(u32, queue)
			     __field(u32, prio)
			     __field(u64, job_id)
			     __field(u32, cmds_size)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->queue = queue;
			   __entry->prio = prio;
			   __entry->job_id = job_id;
			   __entry->cmds_size = cmds_size;),
	    TP_printk("ctx=%u queue=%u prio=%u job=%llu cmds_size=%u", __entry->ctx,
		      __entry->queue, __entry->prio, __entry->job_id, __entry->cmds_size)
);

TRACE_EVENT(snpu_job_run,
	    TP_PROTO(u32 ctx, u32 queue, u64 seqno, u32 slot),
	    TP_ARGS(ctx, queue, seqno, slot),
	    TP_STRUCT__entry(__field(u32, ctx)
			     __field(u32, queue)
			     __field(u64, seqno)
			     __field(u32, slot)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->queue = queue;
			   __entry->seqno = seqno;
			   __entry->slot = slot;),
	    TP_printk("ctx=%u queue=%u seqno=%llu slot=%u", __entry->ctx, __entry->queue,
		      __entry->seqno, __entry->slot)
);

TRACE_EVENT(snpu_job_complete,
	    TP_PROTO(u32 queue, u64 seqno, u32 status, u32 hw_status, int error),
	    TP_ARGS(queue, seqno, status, hw_status, error),
	    TP_STRUCT__entry(__field(u32, queue)
			     __field(u64, seqno)
			     __field(u32, status)
			     __field(u32, hw_status)
			     __field(int, error)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->seqno = seqno;
			   __entry->status = status;
			   __entry->hw_status = hw_status;
			   __entry->error = error;),
	    TP_printk("queue=%u seqno=%llu status=%u hw_status=%u error=%d", __entry->queue,
		      __entry->seqno, __entry->status, __entry->hw_status, __entry->error)
);

TRACE_EVENT(snpu_engine_reset,
	    TP_PROTO(int queue, u64 seqno, bool reset),
	    TP_ARGS(queue, seqno, reset),
	    TP_STRUCT__entry(__field(int, queue)
			     __field(u64, seqno)
			     __field(bool, reset)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->seqno = seqno;
			   __entry->reset = reset;),
	    TP_printk("queue=%d seqno=%llu reset=%d", __entry->queue, __entry->seqno,
		      __entry->reset)
);

#endif /* __SNPU_TRACE_H__ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE snpu_trace
#include <trace/define_trace.h>
