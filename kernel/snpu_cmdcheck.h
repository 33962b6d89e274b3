/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of a submitted command stream against the submitter's BO refs.
 */
#ifndef __SNPU_CMDCHECK_H__
#define __SNPU_CMDCHECK_H__

#include <linux/types.h>

struct snpu_device;

/**
 * struct snpu_va_range - a BO a job may use, as mapped in its context
 * @start: first VA
 * @end: VA past the last byte
 * @write: the job may write it
 */
struct snpu_va_range {
	u64 start;
	u64 end;
	bool write;
};

void snpu_va_ranges_sort(struct snpu_va_range *ranges, u32 count);
int snpu_va_check(const struct snpu_device *sdev, const struct snpu_va_range *ranges,
		  u32 count, u64 addr, u64 len, bool write);
int snpu_cmds_check(const struct snpu_device *sdev, const void *cmds, u32 size,
		    const struct snpu_va_range *ranges, u32 count, u32 *bad_cmd,
		    const char **why);

#endif /* __SNPU_CMDCHECK_H__ */
