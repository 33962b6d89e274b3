/* SPDX-License-Identifier: MIT */
/* First-fit address-range allocator with coalescing free list. */
#include <stdlib.h>

#include "range.h"

int accel__range_init(struct accel_range *r, uint64_t base, uint64_t size)
{
	r->base = base;
	r->size = size;
	r->used = 0;
	r->free = calloc(1, sizeof(*r->free));
	if (!r->free)
		return -1;
	r->free->start = base;
	r->free->size = size;
	return 0;
}

void accel__range_fini(struct accel_range *r)
{
	while (r->free) {
		struct accel_extent *e = r->free;

		r->free = e->next;
		free(e);
	}
}

int accel__range_alloc(struct accel_range *r, uint64_t size, uint64_t align, uint64_t *addr)
{
	struct accel_extent **pp, *e;

	if (!size || !align || (align & (align - 1)))
		return -1;
	for (pp = &r->free; (e = *pp); pp = &e->next) {
		uint64_t a = (e->start + align - 1) & ~(align - 1);
		uint64_t pad = a - e->start;

		if (a < e->start || pad > e->size || e->size - pad < size)
			continue;
		if (pad) {
			/* Keep [start, a) free; carve from a new extent. */
			struct accel_extent *rest = malloc(sizeof(*rest));

			if (!rest)
				return -1;
			rest->start = a;
			rest->size = e->size - pad;
			rest->next = e->next;
			e->size = pad;
			e->next = rest;
			pp = &e->next;
			e = rest;
		}
		e->start += size;
		e->size -= size;
		if (!e->size) {
			*pp = e->next;
			free(e);
		}
		r->used += size;
		*addr = a;
		return 0;
	}
	return -1;
}

void accel__range_free(struct accel_range *r, uint64_t addr, uint64_t size)
{
	struct accel_extent **pp = &r->free, *prev = NULL, *e, *n;

	while ((e = *pp) && e->start < addr) {
		prev = e;
		pp = &e->next;
	}
	r->used -= size;
	if (prev && prev->start + prev->size == addr) {
		prev->size += size;
		if (e && addr + size == e->start) {
			prev->size += e->size;
			prev->next = e->next;
			free(e);
		}
		return;
	}
	if (e && addr + size == e->start) {
		e->start = addr;
		e->size += size;
		return;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return;	/* the range leaks; allocation keeps working */
	n->start = addr;
	n->size = size;
	n->next = e;
	*pp = n;
}
