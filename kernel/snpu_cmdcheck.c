// SPDX-License-Identifier: GPL-2.0-only
/*
 * Validation of a command stream before it reaches the ring.
 *
 * The stream is checked in the kernel's own copy, which userspace cannot
 * touch afterwards. Every command is validated by snpu_cmd_check() (the one
 * validator the device also runs) and every memory region it touches must
 * lie inside one BO ref of the submission, with write access if it writes,
 * or inside the SRAM window. The device MMU enforces the context boundary
 * again; this gives userspace a precise error before anything runs.
 */

#include <linux/bsearch.h>
#include <linux/sort.h>

#include "snpu_cmd.h"
#include "snpu_cmd_regions.h"
#include "snpu_mmu.h"

#include "snpu_cmdcheck.h"
#include "snpu_drv.h"

static int snpu_va_range_cmp(const void *a, const void *b)
{
	const struct snpu_va_range *ra = a, *rb = b;

	if (ra->start < rb->start)
		return -1;
	return ra->start > rb->start;
}

/**
 * snpu_va_ranges_sort - sort ranges by start (they never overlap: each is
 * a different BO mapped in the same context)
 * @ranges: the ranges
 * @count: how many
 */
void snpu_va_ranges_sort(struct snpu_va_range *ranges, u32 count)
{
	sort(ranges, count, sizeof(*ranges), snpu_va_range_cmp, NULL);
}

/* bsearch key: the range holding key->start. */
static int snpu_va_range_find(const void *key, const void *elt)
{
	const struct snpu_va_range *k = key, *r = elt;

	if (k->start < r->start)
		return -1;
	return k->start >= r->end;
}

/**
 * snpu_va_check - may a job touch [addr, addr + len)?
 * @sdev: the device
 * @ranges: the job's BO refs, sorted
 * @count: how many
 * @addr: first VA
 * @len: bytes, > 0
 * @write: the access writes
 *
 * Return: 0, or -EPERM if no single ref (or the SRAM window) holds the
 * range with the access it needs.
 */
int snpu_va_check(const struct snpu_device *sdev, const struct snpu_va_range *ranges,
		  u32 count, u64 addr, u64 len, bool write)
{
	struct snpu_va_range key = { .start = addr };
	const struct snpu_va_range *r;
	u64 end;

	if (check_add_overflow(addr, len, &end))
		return -EPERM;
	if (addr >= SNPU_SRAM_VA)
		return end <= SNPU_SRAM_VA + sdev->hw.sram_size ? 0 : -EPERM;

	r = bsearch(&key, ranges, count, sizeof(*ranges), snpu_va_range_find);
	if (!r || end > r->end || (write && !r->write))
		return -EPERM;
	return 0;
}

/**
 * snpu_cmds_check - validate a whole command stream
 * @sdev: the device
 * @cmds: the stream (kernel copy)
 * @size: its size, a multiple of 8
 * @ranges: the job's BO refs, sorted
 * @count: how many
 * @bad_cmd: on error, index of the offending command
 * @why: on error, what is wrong with it
 *
 * Return: 0; -EINVAL for a malformed command; -EPERM for a command that
 * reaches outside the refs or writes a read-only one.
 */
int snpu_cmds_check(const struct snpu_device *sdev, const void *cmds, u32 size,
		    const struct snpu_va_range *ranges, u32 count, u32 *bad_cmd,
		    const char **why)
{
	const struct snpu_cmd_header *h;
	struct snpu_cmd_regions regs;
	u32 off = 0, idx = 0, i;
	int ret;

	while (off < size) {
		*bad_cmd = idx;
		h = cmds + off;
		if (size - off < sizeof(*h) || h->size < sizeof(*h) || h->size % 8 ||
		    h->size > size - off) {
			*why = "command size past the stream, < 8 or not a multiple of 8";
			return -EINVAL;
		}
		if (snpu_cmd_check(h, h->size, &regs) != SNPU_OK) {
			*why = regs.why;
			return -EINVAL;
		}
		for (i = 0; i < regs.count; i++) {
			ret = snpu_va_check(sdev, ranges, count, regs.r[i].addr, regs.r[i].len,
					    regs.r[i].write);
			if (ret) {
				*why = regs.r[i].write ? "writes outside its writable BO refs" :
							 "reads outside its BO refs";
				return ret;
			}
		}
		off += h->size;
		idx++;
	}
	return 0;
}
