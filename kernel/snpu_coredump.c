// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU devcoredump: when a job hangs, before the engine reset, the driver
 * writes a text dump to /sys/class/devcoredump/devcdN/data: the device
 * and firmware registers, every queue's ring registers, the hung job's
 * descriptor and the command it was stuck at (hex).
 *
 * The snapshot is taken in the timeout handler's fence signalling section
 * (snpu_engine_reset): it allocates with GFP_NOWAIT and gives up (no dump)
 * when that fails. dev_coredumpm() allocates with GFP_KERNEL whatever its
 * gfp argument (device name, sysfs): snpu_engine_reset ends the signalling
 * annotation around snpu_coredump_publish(), before any fence of the reset
 * signals (lockdep: fs_reclaim under dma_fence_map).
 * A dump lives
 * until read and deleted (write to data), 5 minutes, or the device's
 * removal.
 */

#include <linux/devcoredump.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "snpu_cmd.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#include "snpu_coredump.h"
#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"
#include "snpu_queue.h"

#define SNPU_DUMP_SIZE		(16 * 1024)
#define SNPU_DUMP_CMD_BYTES	256

struct snpu_dump {
	char *buf;
	size_t len;
};

static __printf(2, 3) void snpu_dump_printf(struct snpu_dump *d, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	d->len += vscnprintf(d->buf + d->len, SNPU_DUMP_SIZE - d->len, fmt, args);
	va_end(args);
}

static ssize_t snpu_dump_read(char *buffer, loff_t offset, size_t count, void *data,
			      size_t datalen)
{
	return memory_read_from_buffer(buffer, count, &offset, data, datalen);
}

static void snpu_dump_free(void *data)
{
	kfree(data);
}

/* Byte offset of command index in the job's stream (validated at SUBMIT). */
static u32 snpu_dump_cmd_offset(const struct snpu_job *job, u32 index)
{
	const struct snpu_cmd_header *h;
	u32 off = 0;

	while (index-- && off + sizeof(*h) <= job->cmds_size) {
		h = job->cmds + off;
		if (!h->size)
			break;
		off += h->size;
	}
	return off;
}

static void snpu_dump_regs(struct snpu_dump *d, struct snpu_device *sdev)
{
	static const struct {
		const char *name;
		u32 reg;
	} regs[] = {
		{ "STATUS", SNPU_REG_STATUS },
		{ "ERROR", SNPU_REG_ERROR },
		{ "ERROR_INFO", SNPU_REG_ERROR_INFO },
		{ "IRQ_STATUS", SNPU_REG_IRQ_STATUS },
		{ "IRQ_MASK", SNPU_REG_IRQ_MASK },
		{ "FW_STATUS", SNPU_REG_FW_STATUS },
		{ "FW_ERROR", SNPU_REG_FW_ERROR },
		{ "MMU_FAULT_STATUS", SNPU_REG_MMU_FAULT_STATUS },
		{ "MMU_FAULT_CTX", SNPU_REG_MMU_FAULT_CTX },
		{ "MMU_FAULT_VA_LO", SNPU_REG_MMU_FAULT_VA_LO },
		{ "MMU_FAULT_VA_HI", SNPU_REG_MMU_FAULT_VA_HI },
	};
	u32 i, q;

	snpu_dump_printf(d, "[registers]\n");
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		snpu_dump_printf(d, "%s 0x%08x\n", regs[i].name, snpu_rd(sdev, regs[i].reg));
	for (q = 0; q < sdev->hw.num_queues; q++)
		snpu_dump_printf(d,
				 "queue %u: HEAD %u TAIL %u STATUS 0x%x ERROR %u PROGRESS %u DONE_SEQNO %u\n",
				 q, snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_RING_HEAD)),
				 snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_RING_TAIL)),
				 snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_STATUS)),
				 snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_ERROR)),
				 snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_PROGRESS)),
				 snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_DONE_SEQNO_LO)));
}

/**
 * snpu_coredump - snapshot the device state for a hung job (device not reset yet)
 * @sdev: the device
 * @bad: the hung job, on its queue's ring
 * @len: set to the snapshot's length
 *
 * Return: the snapshot for snpu_coredump_publish(), or NULL (no memory).
 */
void *snpu_coredump(struct snpu_device *sdev, struct snpu_job *bad, size_t *len)
{
	struct snpu_queue *q = bad->q;
	const struct snpu_job_desc *desc = &q->ring[bad->slot];
	u32 progress = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_PROGRESS));
	struct snpu_dump d = { 0 };
	u32 off, n;

	d.buf = kzalloc(SNPU_DUMP_SIZE, GFP_NOWAIT | __GFP_NOWARN);
	if (!d.buf)
		return NULL;
	snpu_dump_printf(&d, "SNPU devcoredump\ndevice %s\ntime_ns %llu\nfw_version 0x%06x\n",
			 pci_name(sdev->pdev), ktime_get_ns(), sdev->fw.version);
	snpu_dump_printf(&d, "[hung job]\nqueue %u\ncontext %u\nseqno %llu\nslot %u\n",
			 q->index, bad->vm->id, bad->seqno, bad->slot);
	snpu_dump_printf(&d, "desc cmd_addr 0x%llx cmd_size %u ctx_id %u seqno %llu flags 0x%x\n",
			 desc->cmd_addr, desc->cmd_size, desc->ctx_id, desc->seqno, desc->flags);
	snpu_dump_regs(&d, sdev);

	off = snpu_dump_cmd_offset(bad, progress);
	snpu_dump_printf(&d, "[failing command]\nindex %u\noffset %u\n", progress, off);
	if (off + sizeof(struct snpu_cmd_header) <= bad->cmds_size) {
		const struct snpu_cmd_header *h = bad->cmds + off;
		const u8 *p = bad->cmds + off;

		n = min3(h->size ? (u32)h->size : (u32)sizeof(*h), bad->cmds_size - off,
			 (u32)SNPU_DUMP_CMD_BYTES);
		snpu_dump_printf(&d, "opcode %u\nsize %u\nbytes", h->opcode, h->size);
		for (; n; n--, p++)
			snpu_dump_printf(&d, " %02x", *p);
		snpu_dump_printf(&d, "\n");
	}
	*len = d.len;
	return d.buf;
}

/**
 * snpu_coredump_publish - hand a snapshot to devcoredump (outside any fence
 * signalling section; it may allocate with GFP_KERNEL)
 * @sdev: the device
 * @dump: from snpu_coredump(), or NULL
 * @len: its length
 */
void snpu_coredump_publish(struct snpu_device *sdev, void *dump, size_t len)
{
	if (!dump)
		return;
	/*
	 * No module reference (it would block rmmod for the dump's lifetime):
	 * snpu_coredump_fini() drops the dump before the module can go.
	 */
	dev_coredumpm(&sdev->pdev->dev, NULL, dump, len, GFP_KERNEL, snpu_dump_read,
		      snpu_dump_free);
}

/**
 * snpu_coredump_fini - at removal: free a dump userspace has not read
 * @sdev: the device
 */
void snpu_coredump_fini(struct snpu_device *sdev)
{
	dev_coredump_put(&sdev->pdev->dev);
}
