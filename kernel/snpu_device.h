/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU PCI function: BARs, DMA mask, MSI-X, register access and reset.
 */
#ifndef __SNPU_DEVICE_H__
#define __SNPU_DEVICE_H__

#include <linux/io.h>
#include <linux/spinlock.h>

#include "snpu_drv.h"

static inline u32 snpu_rd(struct snpu_device *sdev, u32 reg)
{
	return readl(sdev->regs + reg);
}

static inline void snpu_wr(struct snpu_device *sdev, u32 reg, u32 val)
{
	writel(val, sdev->regs + reg);
}

/* A 64-bit register pair whose LO read latches HI: LO first, atomically. */
static inline u64 snpu_rd64(struct snpu_device *sdev, u32 lo, u32 hi)
{
	unsigned long flags;
	u32 l, h;

	spin_lock_irqsave(&sdev->latch_lock, flags);
	l = snpu_rd(sdev, lo);
	h = snpu_rd(sdev, hi);
	spin_unlock_irqrestore(&sdev->latch_lock, flags);

	return ((u64)h << 32) | l;
}

int snpu_device_init(struct snpu_device *sdev);
int snpu_device_reset(struct snpu_device *sdev);
int snpu_device_flr(struct snpu_device *sdev);
void snpu_device_fini(struct snpu_device *sdev);

#endif /* __SNPU_DEVICE_H__ */
