// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU debugfs files (read only):
 *   status    device status, firmware, resets and timeouts
 *   registers identity, configuration and firmware registers, read now
 *   rings     per queue: driver and device ring state
 *   contexts  the context table entries in use
 *   counters  the device performance counters
 *   faults    the last MMU faults
 * and one that writes (root only):
 *   fault_inject  the device's fault-injection registers (hardware.md 3.7,
 *                 only on a device created with fault-injection=on): read
 *                 them, or write "NAME VALUE" with NAME drop_irq, dma_fail,
 *                 hang_queue or reset_fail, to test the recovery paths
 */

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "snpu_mmu.h"
#include "snpu_regs.h"

#include "snpu_debugfs.h"
#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_queue.h"

static struct snpu_device *snpu_seq_dev(struct seq_file *m)
{
	struct drm_debugfs_entry *entry = m->private;

	return to_snpu_device(entry->dev);
}

static int snpu_debugfs_status(struct seq_file *m, void *unused)
{
	struct snpu_device *sdev = snpu_seq_dev(m);
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	seq_printf(m, "status 0x%08x\nerror %u\nerror_info 0x%08x\n",
		   snpu_rd(sdev, SNPU_REG_STATUS), snpu_rd(sdev, SNPU_REG_ERROR),
		   snpu_rd(sdev, SNPU_REG_ERROR_INFO));
	seq_printf(m, "fw_status %u\nfw_version 0x%06x\nfw_api 0x%08x\nfw_caps 0x%04x\n",
		   snpu_rd(sdev, SNPU_REG_FW_STATUS), sdev->fw.version, sdev->fw.api,
		   sdev->fw.caps);
	seq_printf(m, "dead %d\nresets %d\ntimeouts %d\nsuspends %d\n", sdev->dead,
		   atomic_read(&sdev->resets), atomic_read(&sdev->timeouts),
		   atomic_read(&sdev->suspends));
	drm_dev_exit(idx);
	return 0;
}

static int snpu_debugfs_registers(struct seq_file *m, void *unused)
{
	static const struct {
		const char *name;
		u32 reg;
	} regs[] = {
		{ "ID", SNPU_REG_ID },
		{ "HW_VERSION", SNPU_REG_HW_VERSION },
		{ "HW_CAPS", SNPU_REG_HW_CAPS },
		{ "NUM_QUEUES", SNPU_REG_NUM_QUEUES },
		{ "DRAM_SIZE_LO", SNPU_REG_DRAM_SIZE_LO },
		{ "DRAM_SIZE_HI", SNPU_REG_DRAM_SIZE_HI },
		{ "SRAM_SIZE", SNPU_REG_SRAM_SIZE },
		{ "MAC_ARRAY", SNPU_REG_MAC_ARRAY },
		{ "CLOCK_MHZ", SNPU_REG_CLOCK_MHZ },
		{ "NUM_CONTEXTS", SNPU_REG_NUM_CONTEXTS },
		{ "DRAM_BW", SNPU_REG_DRAM_BW },
		{ "SRAM_BW", SNPU_REG_SRAM_BW },
		{ "PCIE_BW", SNPU_REG_PCIE_BW },
		{ "CMD_OVERHEAD", SNPU_REG_CMD_OVERHEAD },
		{ "VA_BITS", SNPU_REG_VA_BITS },
		{ "MAX_CMDBUF", SNPU_REG_MAX_CMDBUF },
		{ "STATUS", SNPU_REG_STATUS },
		{ "IRQ_MASK", SNPU_REG_IRQ_MASK },
		{ "FW_STATUS", SNPU_REG_FW_STATUS },
		{ "FW_ERROR", SNPU_REG_FW_ERROR },
		{ "FW_VERSION", SNPU_REG_FW_VERSION },
		{ "FW_CAPS", SNPU_REG_FW_CAPS },
		{ "FW_API", SNPU_REG_FW_API },
		{ "MMU_CTX_COUNT", SNPU_REG_MMU_CTX_COUNT },
		{ "MMU_FAULT_STATUS", SNPU_REG_MMU_FAULT_STATUS },
	};
	struct snpu_device *sdev = snpu_seq_dev(m);
	u32 i;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		seq_printf(m, "%s 0x%08x\n", regs[i].name, snpu_rd(sdev, regs[i].reg));
	drm_dev_exit(idx);
	return 0;
}

static int snpu_debugfs_rings(struct seq_file *m, void *unused)
{
	struct snpu_device *sdev = snpu_seq_dev(m);
	struct snpu_queue *q;
	u32 i;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		seq_printf(m, "queue %u: tail %u seqno %llu completed %lld | HEAD %u TAIL %u STATUS 0x%x ERROR %u DONE_SEQNO %llu PROGRESS %u\n",
			   i, q->tail, q->seqno, (long long)atomic64_read(&q->completed),
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_RING_HEAD)),
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_RING_TAIL)),
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_STATUS)),
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_ERROR)),
			   ((u64)snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_DONE_SEQNO_HI)) << 32) |
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_DONE_SEQNO_LO)),
			   snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_PROGRESS)));
	}
	drm_dev_exit(idx);
	return 0;
}

static int snpu_debugfs_contexts(struct seq_file *m, void *unused)
{
	struct snpu_device *sdev = snpu_seq_dev(m);
	u64 root;
	u32 i;

	mutex_lock(&sdev->ctx_lock);
	/* No table after the removal (snpu_mmu_unplug()). */
	for (i = 0; sdev->ctx_table && i < sdev->hw.num_contexts; i++) {
		root = READ_ONCE(sdev->ctx_table[i].pt_root);
		if (root & SNPU_CTX_VALID)
			seq_printf(m, "context %u: root 0x%llx\n", i, root & SNPU_PTE_ADDR_MASK);
	}
	mutex_unlock(&sdev->ctx_lock);
	return 0;
}

static int snpu_debugfs_counters(struct seq_file *m, void *unused)
{
	static const char * const names[SNPU_NUM_COUNTERS] = {
		"jobs", "jobs_failed", "commands", "macs", "dma_h2d", "dma_d2h", "dma_d2d",
		"pred_cycles", "busy_ns", "faults", "errors", "irqs", "resets",
		"ctx_switches", "sram_bytes", "doorbells",
	};
	struct snpu_device *sdev = snpu_seq_dev(m);
	u32 i;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < SNPU_NUM_COUNTERS; i++)
		seq_printf(m, "%s %llu\n", names[i],
			   snpu_rd64(sdev, SNPU_REG_COUNTER_LO(i), SNPU_REG_COUNTER_HI(i)));
	drm_dev_exit(idx);
	return 0;
}

static int snpu_debugfs_faults(struct seq_file *m, void *unused)
{
	struct snpu_device *sdev = snpu_seq_dev(m);
	struct snpu_fault_rec rec;
	u64 n, i;

	spin_lock(&sdev->fault_lock);
	n = sdev->fault_count;
	spin_unlock(&sdev->fault_lock);
	seq_printf(m, "faults %llu\n", n);
	for (i = n > SNPU_FAULT_LOG_SIZE ? n - SNPU_FAULT_LOG_SIZE : 0; i < n; i++) {
		spin_lock(&sdev->fault_lock);
		rec = sdev->fault_log[i % SNPU_FAULT_LOG_SIZE];
		spin_unlock(&sdev->fault_lock);
		seq_printf(m, "%llu ns: context %u queue %u VA 0x%llx status 0x%x\n",
			   rec.time_ns, rec.ctx, rec.queue, rec.va, rec.status);
	}
	return 0;
}

static const struct drm_debugfs_info snpu_debugfs_files[] = {
	{ "status", snpu_debugfs_status, 0 },
	{ "registers", snpu_debugfs_registers, 0 },
	{ "rings", snpu_debugfs_rings, 0 },
	{ "contexts", snpu_debugfs_contexts, 0 },
	{ "counters", snpu_debugfs_counters, 0 },
	{ "faults", snpu_debugfs_faults, 0 },
};

static const struct {
	const char *name;
	u32 reg;
} snpu_fi_regs[] = {
	{ "drop_irq", SNPU_REG_FI_DROP_IRQ },
	{ "dma_fail", SNPU_REG_FI_DMA_FAIL },
	{ "hang_queue", SNPU_REG_FI_HANG_QUEUE },
	{ "reset_fail", SNPU_REG_FI_RESET_FAIL },
};

static int snpu_fi_show(struct seq_file *m, void *unused)
{
	struct snpu_device *sdev = m->private;
	u32 i;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	seq_printf(m, "enable %u\n", snpu_rd(sdev, SNPU_REG_FI_ENABLE));
	for (i = 0; i < ARRAY_SIZE(snpu_fi_regs); i++)
		seq_printf(m, "%s %u\n", snpu_fi_regs[i].name, snpu_rd(sdev, snpu_fi_regs[i].reg));
	seq_printf(m, "injected %u\n", snpu_rd(sdev, SNPU_REG_FI_INJECTED));
	drm_dev_exit(idx);
	return 0;
}

static int snpu_fi_open(struct inode *inode, struct file *file)
{
	return single_open(file, snpu_fi_show, inode->i_private);
}

static ssize_t snpu_fi_write(struct file *file, const char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct snpu_device *sdev = file_inode(file)->i_private;
	char buf[48], name[16];
	u32 i, value;
	int idx;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%15s %i", name, &value) != 2)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(snpu_fi_regs); i++)
		if (!strcmp(name, snpu_fi_regs[i].name))
			break;
	if (i == ARRAY_SIZE(snpu_fi_regs))
		return -EINVAL;
	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	if (!snpu_rd(sdev, SNPU_REG_FI_ENABLE)) {
		drm_dev_exit(idx);
		return -EOPNOTSUPP;
	}
	snpu_wr(sdev, snpu_fi_regs[i].reg, value);
	drm_dev_exit(idx);
	return len;
}

static const struct file_operations snpu_fi_fops = {
	.owner = THIS_MODULE,
	.open = snpu_fi_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = snpu_fi_write,
};

/**
 * snpu_debugfs_init - add the files (before the DRM device is registered)
 * @sdev: the device
 */
void snpu_debugfs_init(struct snpu_device *sdev)
{
	drm_debugfs_add_files(&sdev->drm, snpu_debugfs_files, ARRAY_SIZE(snpu_debugfs_files));
	debugfs_create_file("fault_inject", 0600, sdev->drm.debugfs_root, sdev, &snpu_fi_fops);
}
