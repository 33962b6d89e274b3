/* SPDX-License-Identifier: MIT */
/* First-fit address-range allocator (device VA, sim DRAM, heap chunks).
 * Not thread-safe: callers hold their own lock. */
#ifndef ACCEL_RANGE_H
#define ACCEL_RANGE_H

#include <stdint.h>
#include "internal.h"

struct accel_extent {
	uint64_t start, size;
	struct accel_extent *next;
};

struct accel_range {
	struct accel_extent *free;	/* sorted by start, coalesced */
	uint64_t base, size, used;
};

/* 0, or -1 when out of memory. */
HIDDEN int accel__range_init(struct accel_range *r, uint64_t base, uint64_t size);
HIDDEN void accel__range_fini(struct accel_range *r);
/* Allocate size bytes aligned to align (power of two): 0 and *addr, or -1
 * when no free extent fits (or no host memory for bookkeeping). */
HIDDEN int accel__range_alloc(struct accel_range *r, uint64_t size, uint64_t align,
			      uint64_t *addr);
/* Return [addr, addr + size) (must have come from accel__range_alloc). */
HIDDEN void accel__range_free(struct accel_range *r, uint64_t addr, uint64_t size);

#endif /* ACCEL_RANGE_H */
