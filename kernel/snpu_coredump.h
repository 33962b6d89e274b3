/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU devcoredump: the device state at a hang, for userspace to collect.
 */
#ifndef __SNPU_COREDUMP_H__
#define __SNPU_COREDUMP_H__

#include <linux/types.h>

struct snpu_device;
struct snpu_job;

void *snpu_coredump(struct snpu_device *sdev, struct snpu_job *bad, size_t *len);
void snpu_coredump_publish(struct snpu_device *sdev, void *dump, size_t len);
void snpu_coredump_fini(struct snpu_device *sdev);

#endif /* __SNPU_COREDUMP_H__ */
