/* SPDX-License-Identifier: MIT */
/*
 * "sim" backend buffers: host buffers are page-aligned host memory in the
 * bus map, device buffers are ranges of the core's DRAM; both are mapped
 * at a VA of the device context. A host buffer of another sim device can
 * be mapped too (accel_buffer_share): the same pages, reached by both.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim_bo {
	void *host;		/* host memory (owned unless shared) */
	uint64_t dram_off;	/* device memory */
	struct accel_bo *shared;	/* the BO whose pages these are */
};

static accel_status map_bo(struct sim_dev *s, struct accel_bo *bo, uint64_t addr, bool dram)
{
	accel_status st;

	if (accel__range_alloc(&s->va, bo->size, SNPU_PAGE_SIZE, &bo->va))
		return accel__fail(ACCEL_ERR_NO_SPACE, "sim: no free device VA for %llu bytes",
				   (unsigned long long)bo->size);
	st = accel__sim_mmu_map(s, bo->va, addr, bo->size / SNPU_PAGE_SIZE, dram,
				!(bo->flags & ACCEL_MEM_READ_ONLY));
	if (st)
		accel__range_free(&s->va, bo->va, bo->size);
	return st;
}

accel_status accel__sim_bo_create(accel_device *dev, struct accel_bo *bo)
{
	struct sim_dev *s = sim_dev(dev);
	struct sim_bo *sb = calloc(1, sizeof(*sb));
	accel_status st;

	if (!sb)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: out of memory");
	pthread_mutex_lock(&s->lock);
	if (bo->flags & ACCEL_MEM_DEVICE) {
		if (accel__range_alloc(&s->dram_alloc, bo->size, SNPU_PAGE_SIZE, &sb->dram_off)) {
			st = accel__fail(ACCEL_ERR_NO_SPACE, "%s: no %llu bytes of device DRAM left "
					 "(%llu of %llu used)", dev->name,
					 (unsigned long long)bo->size,
					 (unsigned long long)s->dram_alloc.used,
					 (unsigned long long)s->dram_size);
			goto fail;
		}
		memset(s->dram + sb->dram_off, 0, bo->size);
		st = map_bo(s, bo, sb->dram_off, true);
		if (st) {
			accel__range_free(&s->dram_alloc, sb->dram_off, bo->size);
			goto fail;
		}
		bo->cpu = s->dram + sb->dram_off;
	} else {
		sb->host = accel__sim_dma_alloc(s, bo->size, SNPU_PAGE_SIZE);
		if (!sb->host) {
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "%s: no %llu bytes of host memory",
					 dev->name, (unsigned long long)bo->size);
			goto fail;
		}
		st = map_bo(s, bo, (uintptr_t)sb->host, false);
		if (st) {
			accel__sim_dma_free(s, sb->host);
			goto fail;
		}
		bo->cpu = sb->host;
	}
	pthread_mutex_unlock(&s->lock);
	bo->priv = sb;
	return ACCEL_OK;
fail:
	pthread_mutex_unlock(&s->lock);
	free(sb);
	return st;
}

void accel__sim_bo_destroy(accel_device *dev, struct accel_bo *bo)
{
	struct sim_dev *s = sim_dev(dev);
	struct sim_bo *sb = bo->priv;

	pthread_mutex_lock(&s->lock);
	accel__sim_mmu_unmap(s, bo->va, bo->size / SNPU_PAGE_SIZE);
	accel__range_free(&s->va, bo->va, bo->size);
	if (bo->flags & ACCEL_MEM_DEVICE)
		accel__range_free(&s->dram_alloc, sb->dram_off, bo->size);
	else if (sb->shared)
		accel__sim_bus_del(s, sb->host);
	else
		accel__sim_dma_free(s, sb->host);
	pthread_mutex_unlock(&s->lock);
	if (sb->shared)
		accel__bo_put(sb->shared);
	free(sb);
}

accel_status accel__sim_bo_map(accel_device *dev, struct accel_bo *bo)
{
	(void)dev;
	(void)bo;
	return ACCEL_OK;	/* mapped at creation */
}

accel_status accel__sim_bo_share(accel_device *dev, struct accel_bo *src, struct accel_bo *bo)
{
	struct sim_dev *s = sim_dev(dev);
	struct sim_bo *ssrc = src->priv, *sb;
	accel_status st;

	if (src->flags & ACCEL_MEM_DEVICE)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "sim: device memory of %s cannot be "
				   "mapped by %s (only host buffers are shared)",
				   src->dev->name, dev->name);
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: out of memory");
	sb->host = ssrc->host;
	sb->shared = src;
	bo->size = src->size;
	bo->flags = src->flags;
	pthread_mutex_lock(&s->lock);
	if (accel__sim_bus_add(s, sb->host, bo->size)) {
		pthread_mutex_unlock(&s->lock);
		free(sb);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: out of memory");
	}
	st = map_bo(s, bo, (uintptr_t)sb->host, false);
	if (st) {
		accel__sim_bus_del(s, sb->host);
		pthread_mutex_unlock(&s->lock);
		free(sb);
		return st;
	}
	pthread_mutex_unlock(&s->lock);
	accel__bo_get(src);
	bo->cpu = sb->host;
	bo->priv = sb;
	return ACCEL_OK;
}
