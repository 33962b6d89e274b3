/* SPDX-License-Identifier: MIT */
/*
 * "sim" backend: the bus map. The device core reaches host memory only
 * through dma_read/dma_write; an address outside every registered region
 * is a bus error (SNPU_ERR_DMA), exactly as an IOMMU-less PCIe device
 * reading unmapped memory would get a master abort.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* Index of the first region with bus > addr (lock held). */
static size_t upper(const struct sim_dev *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nregions;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->regions[mid].bus <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int accel__sim_bus_add(struct sim_dev *s, const void *ptr, uint64_t size)
{
	uint64_t bus = (uintptr_t)ptr;
	size_t i;

	pthread_rwlock_wrlock(&s->bus_lock);
	if (s->nregions == s->capregions) {
		size_t cap = s->capregions ? 2 * s->capregions : 64;
		struct sim_region *r = realloc(s->regions, cap * sizeof(*r));

		if (!r) {
			pthread_rwlock_unlock(&s->bus_lock);
			return -1;
		}
		s->regions = r;
		s->capregions = cap;
	}
	i = upper(s, bus);
	memmove(&s->regions[i + 1], &s->regions[i], (s->nregions - i) * sizeof(*s->regions));
	s->regions[i].bus = bus;
	s->regions[i].size = size;
	s->nregions++;
	pthread_rwlock_unlock(&s->bus_lock);
	return 0;
}

void accel__sim_bus_del(struct sim_dev *s, const void *ptr)
{
	uint64_t bus = (uintptr_t)ptr;
	size_t i;

	pthread_rwlock_wrlock(&s->bus_lock);
	i = upper(s, bus);
	if (i > 0 && s->regions[i - 1].bus == bus) {
		memmove(&s->regions[i - 1], &s->regions[i],
			(s->nregions - i) * sizeof(*s->regions));
		s->nregions--;
	}
	pthread_rwlock_unlock(&s->bus_lock);
}

/* Is [addr, addr + len) inside one region? (read lock held) */
static bool bus_ok(const struct sim_dev *s, uint64_t addr, size_t len)
{
	size_t i = upper(s, addr);
	const struct sim_region *r;

	if (i == 0 || addr + len < addr)
		return false;
	r = &s->regions[i - 1];
	return addr - r->bus <= r->size && len <= r->size - (addr - r->bus);
}

int accel__sim_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	struct sim_dev *s = opaque;
	int ret = -1;

	pthread_rwlock_rdlock(&s->bus_lock);
	if (bus_ok(s, addr, len)) {
		memcpy(buf, (const void *)(uintptr_t)addr, len);
		ret = 0;
	}
	pthread_rwlock_unlock(&s->bus_lock);
	return ret;
}

int accel__sim_dma_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
	struct sim_dev *s = opaque;
	int ret = -1;

	pthread_rwlock_rdlock(&s->bus_lock);
	if (bus_ok(s, addr, len)) {
		memcpy((void *)(uintptr_t)addr, buf, len);
		ret = 0;
	}
	pthread_rwlock_unlock(&s->bus_lock);
	return ret;
}

void *accel__sim_dma_alloc(struct sim_dev *s, uint64_t size, uint64_t align)
{
	uint64_t sz = (size + align - 1) & ~(align - 1);
	void *p;

	if (!sz || sz < size)
		return NULL;
	p = aligned_alloc(align, sz);
	if (!p)
		return NULL;
	memset(p, 0, sz);
	if (accel__sim_bus_add(s, p, sz)) {
		free(p);
		return NULL;
	}
	return p;
}

void accel__sim_dma_free(struct sim_dev *s, void *ptr)
{
	if (!ptr)
		return;
	accel__sim_bus_del(s, ptr);
	free(ptr);
}
