/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU debugfs: rings, contexts, counters and the MMU fault log, under
 * /sys/kernel/debug/accel/<minor>/.
 */
#ifndef __SNPU_DEBUGFS_H__
#define __SNPU_DEBUGFS_H__

struct snpu_device;

void snpu_debugfs_init(struct snpu_device *sdev);

#endif /* __SNPU_DEBUGFS_H__ */
