/* SPDX-License-Identifier: MIT */
/* Sub-allocator: many small buffers carved from a few large BOs. */
#include <stdlib.h>

#include "internal.h"
#include "range.h"

struct heap_chunk {
	struct accel_bo *bo;
	struct accel_range range;
	struct heap_chunk *next;
};

struct accel_heap {
	atomic_int refs;		/* the user + one per live sub-buffer */
	accel_device *dev;
	uint64_t chunk_size;
	unsigned int flags;
	pthread_mutex_t lock;
	struct heap_chunk *chunks;
	uint64_t used, reserved;
};

#define HEAP_MIN_CHUNK (64ull << 10)

accel_status accel_heap_create(accel_device *dev, uint64_t chunk_size, unsigned int flags,
			       accel_heap **out)
{
	accel_heap *h;
	accel_status st;

	if (!dev || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_heap_create: NULL %s",
				   dev ? "out" : "device");
	*out = NULL;
	if ((st = accel__dev_usable(dev, "accel_heap_create")))
		return st;
	if (chunk_size < HEAP_MIN_CHUNK || chunk_size > (1ull << 40))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_heap_create: chunk size %llu "
				   "outside 64 KiB..1 TiB", (unsigned long long)chunk_size);
	if (flags & ~ACCEL_MEM_FLAGS)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_heap_create: unknown flags 0x%x",
				   flags & ~ACCEL_MEM_FLAGS);
	h = calloc(1, sizeof(*h));
	if (!h || pthread_mutex_init(&h->lock, NULL)) {
		free(h);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_heap_create: out of memory");
	}
	atomic_init(&h->refs, 1);
	accel__dev_get(dev);
	h->dev = dev;
	h->chunk_size = chunk_size;
	h->flags = flags;
	*out = h;
	return ACCEL_OK;
}

static void heap_put(accel_heap *h)
{
	if (atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	while (h->chunks) {
		struct heap_chunk *c = h->chunks;

		h->chunks = c->next;
		accel__range_fini(&c->range);
		accel__bo_put(c->bo);
		free(c);
	}
	pthread_mutex_destroy(&h->lock);
	accel__dev_put(h->dev);
	free(h);
}

accel_status accel_heap_alloc(accel_heap *h, uint64_t size, uint64_t align, accel_buffer **out)
{
	struct heap_chunk *c;
	accel_status st;
	uint64_t off;

	if (!h || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_heap_alloc: NULL %s",
				   h ? "out" : "heap");
	*out = NULL;
	if (!align)
		align = 64;
	if (!size || (align & (align - 1)) || align > h->chunk_size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_heap_alloc: %s",
				   !size ? "size is 0" : "alignment not a power of two <= chunk");
	if (size > h->chunk_size / 2)
		return accel_buffer_create(h->dev, size, h->flags, out);
	pthread_mutex_lock(&h->lock);
	for (c = h->chunks; c; c = c->next)
		if (!accel__range_alloc(&c->range, size, align, &off))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || accel__range_init(&c->range, 0, h->chunk_size)) {
			free(c);
			pthread_mutex_unlock(&h->lock);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_heap_alloc: out of memory");
		}
		st = accel__bo_new(h->dev, h->chunk_size, h->flags, &c->bo);
		if (st) {
			accel__range_fini(&c->range);
			free(c);
			pthread_mutex_unlock(&h->lock);
			return st;
		}
		c->next = h->chunks;
		h->chunks = c;
		h->reserved += h->chunk_size;
		if (accel__range_alloc(&c->range, size, align, &off)) {
			pthread_mutex_unlock(&h->lock);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_heap_alloc: out of memory");
		}
	}
	h->used += size;
	pthread_mutex_unlock(&h->lock);
	accel__bo_get(c->bo);
	st = accel__buffer_wrap(c->bo, off, size, out);
	if (st) {
		accel__bo_put(c->bo);
		pthread_mutex_lock(&h->lock);
		accel__range_free(&c->range, off, size);
		h->used -= size;
		pthread_mutex_unlock(&h->lock);
		return st;
	}
	atomic_fetch_add(&h->refs, 1);
	(*out)->heap = h;
	(*out)->heap_chunk = c;
	return ACCEL_OK;
}

void accel__heap_release(accel_heap *h, void *chunk, uint64_t off, uint64_t size)
{
	struct heap_chunk *c = chunk;

	pthread_mutex_lock(&h->lock);
	accel__range_free(&c->range, off, size);
	h->used -= size;
	pthread_mutex_unlock(&h->lock);
	heap_put(h);
}

void accel_heap_usage(accel_heap *h, uint64_t *used, uint64_t *reserved)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	if (used)
		*used = h->used;
	if (reserved)
		*reserved = h->reserved;
	pthread_mutex_unlock(&h->lock);
}

void accel_heap_destroy(accel_heap *h)
{
	if (h)
		heap_put(h);
}
