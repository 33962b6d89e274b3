// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU PCI function: enable, BARs, DMA mask, identity registers, MSI-X and
 * the error/management vector, soft reset.
 */

#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/pci.h>

#include "snpu_regs.h"
#include "snpu_mmu.h"
#include "snpu_ring.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"

#define SNPU_RESET_TIMEOUT_US	(2 * USEC_PER_SEC)
#define SNPU_RESET_POLL_US	100

/* Page table entries carry bus addresses in bits 51:12. */
#define SNPU_DMA_BITS		52

static bool snpu_reset_done(struct snpu_device *sdev)
{
	return !(snpu_rd(sdev, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING) &&
	       snpu_rd(sdev, SNPU_REG_FW_STATUS) == SNPU_FW_STATUS_OFF;
}

/**
 * snpu_device_reset - soft reset: abort every job, stop all DMA, drop the
 * firmware. The device is back in the state it had after power on.
 * @sdev: the device
 *
 * Return: 0, or -ETIMEDOUT if the device did not come out of reset.
 */
int snpu_device_reset(struct snpu_device *sdev)
{
	bool done;
	int ret;

	snpu_wr(sdev, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	ret = read_poll_timeout(snpu_reset_done, done, done, SNPU_RESET_POLL_US,
				SNPU_RESET_TIMEOUT_US, false, sdev);
	if (ret)
		dev_err(&sdev->pdev->dev, "soft reset timed out (STATUS 0x%08x, FW_STATUS %u)\n",
			snpu_rd(sdev, SNPU_REG_STATUS), snpu_rd(sdev, SNPU_REG_FW_STATUS));
	return ret;
}

/**
 * snpu_device_flr - the fallback when a soft reset does not complete:
 * a PCIe function level reset, with the config space saved and restored
 * @sdev: the device
 *
 * Return: 0, or a negative errno (no FLR, or the device did not come back).
 */
int snpu_device_flr(struct snpu_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	bool done;
	int ret;

	dev_warn(&pdev->dev, "soft reset failed: trying a function level reset\n");
	pci_save_state(pdev);
	ret = pcie_reset_flr(pdev, PCI_RESET_DO_RESET);
	pci_restore_state(pdev);
	if (!ret)
		ret = read_poll_timeout(snpu_reset_done, done, done, SNPU_RESET_POLL_US,
					SNPU_RESET_TIMEOUT_US, false, sdev);
	if (ret)
		dev_err(&pdev->dev, "function level reset failed: %d\n", ret);
	return ret;
}

static int snpu_read_hw_info(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;
	struct snpu_hw_info *hw = &sdev->hw;
	u32 id = snpu_rd(sdev, SNPU_REG_ID);

	if (id != SNPU_ID_MAGIC) {
		dev_err(dev, "unsupported device: ID register 0x%08x, expected 0x%08x\n",
			id, SNPU_ID_MAGIC);
		return -ENODEV;
	}
	hw->hw_version = snpu_rd(sdev, SNPU_REG_HW_VERSION);
	hw->hw_caps = snpu_rd(sdev, SNPU_REG_HW_CAPS);
	hw->num_queues = snpu_rd(sdev, SNPU_REG_NUM_QUEUES);
	hw->dram_size = snpu_rd64(sdev, SNPU_REG_DRAM_SIZE_LO, SNPU_REG_DRAM_SIZE_HI);
	hw->sram_size = snpu_rd(sdev, SNPU_REG_SRAM_SIZE);
	hw->mac_array = snpu_rd(sdev, SNPU_REG_MAC_ARRAY);
	hw->clock_mhz = snpu_rd(sdev, SNPU_REG_CLOCK_MHZ);
	hw->num_contexts = snpu_rd(sdev, SNPU_REG_NUM_CONTEXTS);
	hw->dram_bw = snpu_rd(sdev, SNPU_REG_DRAM_BW);
	hw->sram_bw = snpu_rd(sdev, SNPU_REG_SRAM_BW);
	hw->pcie_bw = snpu_rd(sdev, SNPU_REG_PCIE_BW);
	hw->cmd_overhead = snpu_rd(sdev, SNPU_REG_CMD_OVERHEAD);
	hw->va_bits = snpu_rd(sdev, SNPU_REG_VA_BITS);
	hw->max_cmdbuf = snpu_rd(sdev, SNPU_REG_MAX_CMDBUF);

	if (hw->hw_version >> 16 != SNPU_HW_VERSION_MAJOR) {
		dev_err(dev, "unsupported device: hardware version %u.%u, driver supports %u.x\n",
			hw->hw_version >> 16, hw->hw_version & 0xffff, SNPU_HW_VERSION_MAJOR);
		return -ENODEV;
	}
	if (hw->num_queues < 1 || hw->num_queues > SNPU_MAX_QUEUES) {
		dev_err(dev, "unsupported device: %u hardware queues (1..%u)\n",
			hw->num_queues, SNPU_MAX_QUEUES);
		return -ENODEV;
	}
	if (hw->num_contexts < 2) {
		dev_err(dev, "unsupported device: %u MMU contexts (at least 2)\n",
			hw->num_contexts);
		return -ENODEV;
	}
	if (hw->va_bits < 32 || hw->va_bits > SNPU_VA_BITS) {
		dev_err(dev, "unsupported device: %u-bit VAs (32..%u)\n",
			hw->va_bits, SNPU_VA_BITS);
		return -ENODEV;
	}
	if (hw->max_cmdbuf < 8 || hw->max_cmdbuf > SNPU_MAX_CMDBUF || hw->max_cmdbuf % 8) {
		dev_err(dev, "unsupported device: MAX_CMDBUF %u (8..%u, multiple of 8)\n",
			hw->max_cmdbuf, SNPU_MAX_CMDBUF);
		return -ENODEV;
	}
	if (hw->dram_size > sdev->dram_len) {
		dev_err(dev, "unsupported device: DRAM_SIZE %llu exceeds BAR%d (%llu bytes)\n",
			hw->dram_size, SNPU_BAR_DRAM, (u64)sdev->dram_len);
		return -ENODEV;
	}
	return 0;
}

/* Hard handler of the error vector: is it ours? The thread does the work. */
static irqreturn_t snpu_err_irq(int irq, void *arg)
{
	struct snpu_device *sdev = arg;

	if (!(snpu_rd(sdev, SNPU_REG_IRQ_STATUS) & SNPU_IRQ_ERROR))
		return IRQ_NONE;
	return IRQ_WAKE_THREAD;
}

static irqreturn_t snpu_err_irq_thread(int irq, void *arg)
{
	struct snpu_device *sdev = arg;
	u32 status, qstatus, q;

	/* Acknowledge first: an event raised after this read sends a new MSI. */
	snpu_wr(sdev, SNPU_REG_IRQ_STATUS, SNPU_IRQ_ERROR);

	status = snpu_rd(sdev, SNPU_REG_STATUS);
	if (status & SNPU_STATUS_FATAL)
		dev_err_ratelimited(&sdev->pdev->dev, "device halted: ERROR %u, ERROR_INFO 0x%08x\n",
				    snpu_rd(sdev, SNPU_REG_ERROR),
				    snpu_rd(sdev, SNPU_REG_ERROR_INFO));

	if (READ_ONCE(sdev->started)) {
		snpu_mmu_handle_fault(sdev);
		for (q = 0; q < sdev->hw.num_queues; q++) {
			qstatus = snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_STATUS));
			if (!(qstatus & SNPU_QSTAT_STOPPED))
				continue;
			dev_err_ratelimited(&sdev->pdev->dev, "queue %u stopped: ERROR %u\n", q,
					    snpu_rd(sdev, SNPU_REG_QUEUE(q, SNPU_QREG_ERROR)));
			snpu_engine_fault(sdev, q);
		}
	}

	wake_up_all(&sdev->event_wq);
	return IRQ_HANDLED;
}

static int snpu_irq_init(struct snpu_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	unsigned int nvec = SNPU_MSIX_VECTORS(sdev->hw.num_queues);
	int ret;

	/* Nothing may fire before the handlers exist. */
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
	snpu_wr(sdev, SNPU_REG_IRQ_STATUS, ~0u);

	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(&pdev->dev, "cannot allocate %u MSI-X vectors: %d\n", nvec, ret);
		return ret;
	}

	sdev->err_irq = pci_irq_vector(pdev, SNPU_MSIX_ERROR(sdev->hw.num_queues));
	if (sdev->err_irq < 0)
		return sdev->err_irq;

	ret = devm_request_threaded_irq(&pdev->dev, sdev->err_irq, snpu_err_irq,
					snpu_err_irq_thread, IRQF_ONESHOT,
					"snpu-error", sdev);
	if (ret) {
		dev_err(&pdev->dev, "cannot request the error interrupt: %d\n", ret);
		return ret;
	}

	/* Queue vectors stay masked until their queue is set up. */
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~SNPU_IRQ_ERROR);
	return 0;
}

/**
 * snpu_device_init - bring the PCI function up to the point where firmware
 * can be booted: BARs mapped, identity checked, device reset, MSI-X ready.
 * Resources are device-managed: nothing to undo but snpu_device_fini().
 * @sdev: the device
 *
 * Return: 0 or a negative errno (with one dev_err line saying why).
 */
int snpu_device_init(struct snpu_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	struct device *dev = &pdev->dev;
	void __iomem *regs;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret) {
		dev_err(dev, "cannot enable the PCI device: %d\n", ret);
		return ret;
	}

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(SNPU_DMA_BITS));
	if (ret) {
		dev_err(dev, "no usable %d-bit DMA: %d\n", SNPU_DMA_BITS, ret);
		return ret;
	}

	if (pci_resource_len(pdev, SNPU_BAR_REGS) < SNPU_REGS_SIZE ||
	    !(pci_resource_flags(pdev, SNPU_BAR_REGS) & IORESOURCE_MEM)) {
		dev_err(dev, "BAR%d is not a %u-byte memory BAR\n", SNPU_BAR_REGS,
			SNPU_REGS_SIZE);
		return -ENODEV;
	}
	if (!(pci_resource_flags(pdev, SNPU_BAR_DRAM) & IORESOURCE_MEM)) {
		dev_err(dev, "BAR%d (device DRAM) is missing\n", SNPU_BAR_DRAM);
		return -ENODEV;
	}

	regs = pcim_iomap_region(pdev, SNPU_BAR_REGS, "snpu-regs");
	if (IS_ERR(regs)) {
		dev_err(dev, "cannot map BAR%d: %ld\n", SNPU_BAR_REGS, PTR_ERR(regs));
		return PTR_ERR(regs);
	}
	sdev->regs = regs;

	ret = pcim_request_region(pdev, SNPU_BAR_DRAM, "snpu-dram");
	if (ret) {
		dev_err(dev, "cannot claim BAR%d: %d\n", SNPU_BAR_DRAM, ret);
		return ret;
	}
	sdev->dram_start = pci_resource_start(pdev, SNPU_BAR_DRAM);
	sdev->dram_len = pci_resource_len(pdev, SNPU_BAR_DRAM);

	ret = snpu_read_hw_info(sdev);
	if (ret)
		return ret;

	pci_set_master(pdev);

	/* A previous driver instance may have left firmware running. */
	ret = snpu_device_reset(sdev);
	if (ret)
		return ret;

	return snpu_irq_init(sdev);
}

/**
 * snpu_device_fini - quiesce the device: no interrupt, no DMA afterwards
 * @sdev: the device
 */
void snpu_device_fini(struct snpu_device *sdev)
{
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
	snpu_device_reset(sdev);
	snpu_wr(sdev, SNPU_REG_IRQ_STATUS, ~0u);
	synchronize_irq(sdev->err_irq);
	pci_clear_master(sdev->pdev);
}
