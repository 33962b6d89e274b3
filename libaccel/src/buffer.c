/* SPDX-License-Identifier: MIT */
/* Buffers: backend BOs, the buffers carved from them, transfers, sharing. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "snpu_mmu.h"

#define STAGE_HALF (2ull << 20)	/* bytes staged per DMA job; the staging buffer has two */

accel_status accel__bo_new(accel_device *dev, uint64_t size, unsigned int flags,
			   struct accel_bo **out)
{
	struct accel_bo *bo;
	accel_status st;

	if ((st = accel__dev_usable(dev, "accel_buffer_create")))
		return st;
	if (size > (1ull << 40))
		return accel__fail(ACCEL_ERR_OUT_OF_RANGE, "%s: buffer of %llu bytes is too large",
				   dev->name, (unsigned long long)size);
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", dev->name);
	atomic_init(&bo->refs, 1);
	bo->dev = dev;
	bo->size = (size + SNPU_PAGE_SIZE - 1) & ~(SNPU_PAGE_SIZE - 1);
	bo->flags = flags;
	if (pthread_mutex_init(&bo->map_lock, NULL)) {
		free(bo);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: cannot create a lock", dev->name);
	}
	st = dev->ops->bo_create(dev, bo);
	if (st) {
		pthread_mutex_destroy(&bo->map_lock);
		free(bo);
		return st;
	}
	accel__dev_get(dev);
	*out = bo;
	return ACCEL_OK;
}

void accel__bo_get(struct accel_bo *bo)
{
	atomic_fetch_add(&bo->refs, 1);
}

void accel__bo_put(struct accel_bo *bo)
{
	accel_device *dev;

	if (!bo || atomic_fetch_sub(&bo->refs, 1) != 1)
		return;
	dev = bo->dev;
	dev->ops->bo_destroy(dev, bo);
	pthread_mutex_destroy(&bo->map_lock);
	free(bo);
	accel__dev_put(dev);
}

accel_status accel__bo_map(struct accel_bo *bo)
{
	accel_status st = ACCEL_OK;

	pthread_mutex_lock(&bo->map_lock);
	if (!bo->cpu)
		st = bo->dev->ops->bo_map(bo->dev, bo);
	pthread_mutex_unlock(&bo->map_lock);
	return st;
}

accel_status accel__buffer_wrap(struct accel_bo *bo, uint64_t off, uint64_t size,
				accel_buffer **out)
{
	accel_buffer *buf = calloc(1, sizeof(*buf));

	if (!buf)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", bo->dev->name);
	atomic_init(&buf->refs, 1);
	buf->bo = bo;
	buf->offset = off;
	buf->size = size;
	*out = buf;
	return ACCEL_OK;
}

void accel__buffer_get(accel_buffer *buf)
{
	atomic_fetch_add(&buf->refs, 1);
}

void accel__buffer_put(accel_buffer *buf)
{
	if (!buf || atomic_fetch_sub(&buf->refs, 1) != 1)
		return;
	if (buf->heap)
		accel__heap_release(buf->heap, buf->heap_chunk, buf->offset, buf->size);
	accel__bo_put(buf->bo);
	free(buf);
}

accel_status accel_buffer_create(accel_device *dev, uint64_t size, unsigned int flags,
				 accel_buffer **out)
{
	struct accel_bo *bo;
	accel_status st;

	if (!dev || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_create: NULL %s",
				   dev ? "out" : "device");
	*out = NULL;
	if (!size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_create: size is 0");
	if (flags & ~ACCEL_MEM_FLAGS)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_create: unknown flags 0x%x",
				   flags & ~ACCEL_MEM_FLAGS);
	st = accel__bo_new(dev, size, flags, &bo);
	if (st)
		return st;
	st = accel__buffer_wrap(bo, 0, size, out);
	if (st)
		accel__bo_put(bo);
	return st;
}

void accel_buffer_free(accel_buffer *buf)
{
	accel__buffer_put(buf);
}

uint64_t accel_buffer_size(const accel_buffer *buf)
{
	return buf ? buf->size : 0;
}

unsigned int accel_buffer_flags(const accel_buffer *buf)
{
	return buf ? buf->bo->flags : 0;
}

accel_device *accel_buffer_device(const accel_buffer *buf)
{
	return buf ? buf->bo->dev : NULL;
}

uint64_t accel_buffer_va(const accel_buffer *buf)
{
	return buf ? buf->bo->va + buf->offset : 0;
}

accel_status accel_buffer_map(accel_buffer *buf, void **ptr)
{
	accel_status st;

	if (!buf || !ptr)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_map: NULL %s",
				   buf ? "ptr" : "buffer");
	st = accel__bo_map(buf->bo);
	if (st)
		return st;
	*ptr = (uint8_t *)buf->bo->cpu + buf->offset;
	return ACCEL_OK;
}

static accel_status check_range(const char *fn, const accel_buffer *buf, uint64_t off,
				uint64_t n)
{
	if (off > buf->size || n > buf->size - off)
		return accel__fail(ACCEL_ERR_OUT_OF_RANGE,
				   "%s: bytes [%llu, +%llu) outside the %llu-byte buffer", fn,
				   (unsigned long long)off, (unsigned long long)n,
				   (unsigned long long)buf->size);
	return ACCEL_OK;
}

/*
 * Host <-> DEVICE buffer by DMA: through the device's staging buffer (two
 * halves of STAGE_HALF pinned host bytes, created at the first transfer and
 * kept until accel_close), one DMA job per half, so that the CPU copies
 * chunk i+1 while the device moves chunk i. The jobs are reaped by this
 * thread (on drm: JOB_WAIT sleeps on the job, no syncobj, no reaper hop).
 */
static accel_status stage_get(accel_device *dev)
{
	accel_status st;
	void *p;

	if (dev->stage)
		return ACCEL_OK;
	st = accel_buffer_create(dev, 2 * STAGE_HALF, ACCEL_MEM_HOST, &dev->stage);
	if (st)
		return st;
	st = accel_buffer_map(dev->stage, &p);
	if (st) {
		accel_buffer_free(dev->stage);
		dev->stage = NULL;
		return st;
	}
	dev->stage_cpu = p;
	return ACCEL_OK;
}

void accel__xfer_fini(accel_device *dev)
{
	pthread_mutex_lock(&dev->xfer_lock);
	accel_buffer_free(dev->stage);
	dev->stage = NULL;
	dev->stage_cpu = NULL;
	pthread_mutex_unlock(&dev->xfer_lock);
}

/* Queue the DMA of chunk [done, +len) between buf and staging half h. */
static accel_status stage_submit(accel_buffer *buf, uint64_t off, uint64_t done, uint64_t len,
				 int h, bool write, accel_cmdbuf *cb, accel_job **job)
{
	accel_device *dev = buf->bo->dev;
	accel_ref s = accel_ref_buffer(dev->stage, (uint64_t)h * STAGE_HALF);
	accel_ref d = accel_ref_buffer(buf, off + done);
	accel_status st;

	accel_cmdbuf_reset(cb);
	st = write ? accel_cmd_copy(cb, d, s, len) : accel_cmd_copy(cb, s, d, len);
	if (!st)
		st = accel__submit_self(dev, cb, job);
	return st;
}

static accel_status staged(accel_buffer *buf, uint64_t off, uint8_t *host, size_t n, bool write)
{
	const char *what = write ? "accel_buffer_write" : "accel_buffer_read";
	accel_device *dev = buf->bo->dev;
	uint64_t nchunks = (n + STAGE_HALF - 1) / STAGE_HALF, sub = 0, fin = 0;
	accel_cmdbuf *cb[2] = { NULL, NULL };
	accel_job *job[2] = { NULL, NULL };
	accel_status st, st2;

	if ((st = accel__dev_usable(dev, what)))
		return st;
	pthread_mutex_lock(&dev->xfer_lock);
	if ((st = stage_get(dev)) || (st = accel_cmdbuf_create(dev, &cb[0])) ||
	    (st = accel_cmdbuf_create(dev, &cb[1])))
		goto out;
	/* At most two chunks in flight, one per half: sub submitted, fin done. */
	while (!st && fin < nchunks) {
		while (!st && sub < nchunks && sub - fin < 2) {
			uint64_t done = sub * STAGE_HALF, len = n - done < STAGE_HALF ? n - done :
							      STAGE_HALF;
			int h = (int)(sub & 1);

			if (write)
				memcpy(dev->stage_cpu + h * STAGE_HALF, host + done, len);
			st = stage_submit(buf, off, done, len, h, write, cb[h], &job[h]);
			sub += !st;
		}
		if (st || fin == sub)
			break;
		{
			int h = (int)(fin & 1);
			uint64_t done = fin * STAGE_HALF, len = n - done < STAGE_HALF ? n - done :
							      STAGE_HALF;

			st = accel__job_reap(job[h], what);
			accel_job_release(job[h]);
			job[h] = NULL;
			if (!st && !write)
				memcpy(host + done, dev->stage_cpu + h * STAGE_HALF, len);
			fin++;
		}
	}
	/* After a failure: the other half's job still uses the staging buffer. */
	for (int h = 0; h < 2; h++) {
		if (!job[h])
			continue;
		st2 = accel__job_reap(job[h], what);
		if (!st)
			st = st2;
		accel_job_release(job[h]);
	}
out:
	pthread_mutex_unlock(&dev->xfer_lock);
	accel_cmdbuf_free(cb[0]);
	accel_cmdbuf_free(cb[1]);
	return st;
}

/* Is the device still there (not unplugged)? A cheap parameter query. */
static accel_status present(accel_device *dev, const char *fn)
{
	accel_status st;
	uint64_t v;

	st = dev->ops->get_param(dev, ACCEL_PARAM_NUM_QUEUES, &v);
	if (st)
		return accel__fail(st, "%s: device %s is gone (removed or unbound): the data "
				   "read through its mapping is not the buffer's", fn, dev->name);
	return ACCEL_OK;
}

/* A DEVICE buffer's transfer of n bytes goes through its CPU mapping (a
 * memcpy) up to dev->map_max bytes, by DMA above; a failed map falls back
 * to DMA. Host memory is always copied through the mapping. */
static bool use_map(const accel_buffer *buf, size_t n, bool write)
{
	unsigned int f = buf->bo->flags;

	if (!(f & ACCEL_MEM_DEVICE))
		return true;
	/* The device cannot write a READ_ONLY buffer: fill it by the CPU. */
	if (write && (f & ACCEL_MEM_READ_ONLY))
		return true;
	return n <= (write ? buf->bo->dev->map_write_max : buf->bo->dev->map_read_max);
}

accel_status accel_buffer_write(accel_buffer *buf, uint64_t off, const void *src, size_t n)
{
	unsigned int f;
	accel_status st;
	void *p;

	if (!buf || (!src && n))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_write: NULL %s",
				   buf ? "src" : "buffer");
	if ((st = check_range("accel_buffer_write", buf, off, n)) || !n)
		return st;
	f = buf->bo->flags;
	/* Device memory of a closed device is refused, by either path. */
	if ((f & ACCEL_MEM_DEVICE) && (st = accel__dev_usable(buf->bo->dev, "accel_buffer_write")))
		return st;
	if (use_map(buf, n, true)) {
		st = accel_buffer_map(buf, &p);
		if (!st) {
			memcpy((uint8_t *)p + off, src, n);
			/* Drain write-combining buffers before a job reads it. */
			if (f & ACCEL_MEM_DEVICE)
				atomic_thread_fence(memory_order_seq_cst);
			return ACCEL_OK;
		}
		if (!(f & ACCEL_MEM_DEVICE) || (f & ACCEL_MEM_READ_ONLY))
			return st;
	}
	return staged(buf, off, (uint8_t *)src, n, true);
}

accel_status accel_buffer_read(accel_buffer *buf, uint64_t off, void *dst, size_t n)
{
	accel_status st;
	void *p;

	if (!buf || (!dst && n))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_read: NULL %s",
				   buf ? "dst" : "buffer");
	if ((st = check_range("accel_buffer_read", buf, off, n)) || !n)
		return st;
	if ((buf->bo->flags & ACCEL_MEM_DEVICE) &&
	    (st = accel__dev_usable(buf->bo->dev, "accel_buffer_read")))
		return st;
	if (use_map(buf, n, false)) {
		st = accel_buffer_map(buf, &p);
		if (!st) {
			memcpy(dst, (uint8_t *)p + off, n);
			/* A removed device's mapping reads zeros (the driver's dummy
			 * page): one query tells the caller the data is not real. */
			if (buf->bo->flags & ACCEL_MEM_DEVICE)
				return present(buf->bo->dev, "accel_buffer_read");
			return ACCEL_OK;
		}
		if (!(buf->bo->flags & ACCEL_MEM_DEVICE))
			return st;
	}
	return staged(buf, off, dst, n, false);
}

accel_status accel_buffer_copy(accel_buffer *dst, uint64_t dst_off, accel_buffer *src,
			       uint64_t src_off, uint64_t n)
{
	const uint64_t step = 1ull << 30;
	accel_cmdbuf *cb;
	accel_status st;

	if (!dst || !src)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_copy: NULL %s",
				   dst ? "src" : "dst");
	if (dst->bo->dev != src->bo->dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG,
				   "accel_buffer_copy: buffers of two devices (%s, %s); share one "
				   "with accel_buffer_share first", dst->bo->dev->name,
				   src->bo->dev->name);
	if (dst->bo->flags & ACCEL_MEM_READ_ONLY)
		return accel__fail(ACCEL_ERR_PERMISSION, "accel_buffer_copy: dst is READ_ONLY: the "
				   "device cannot write it (fill it with accel_buffer_write or "
				   "through accel_buffer_map)");
	if ((st = accel__dev_usable(dst->bo->dev, "accel_buffer_copy")) ||
	    (st = check_range("accel_buffer_copy (dst)", dst, dst_off, n)) ||
	    (st = check_range("accel_buffer_copy (src)", src, src_off, n)) || !n)
		return st;
	if ((st = accel_cmdbuf_create(dst->bo->dev, &cb)))
		return st;
	for (uint64_t done = 0; !st && done < n; done += step) {
		accel_ref d = accel_ref_buffer(dst, dst_off + done);
		accel_ref s = accel_ref_buffer(src, src_off + done);

		st = accel_cmd_copy(cb, d, s, n - done < step ? n - done : step);
	}
	if (!st)
		st = accel__run_sync(dst->bo->dev, cb, "accel_buffer_copy");
	accel_cmdbuf_free(cb);
	return st;
}

accel_status accel_buffer_export_dmabuf(accel_buffer *buf, int *fd)
{
	accel_device *dev;

	if (!buf || !fd)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_export_dmabuf: NULL %s",
				   buf ? "fd" : "buffer");
	dev = buf->bo->dev;
	if (buf->heap || buf->offset || buf->size != buf->bo->size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_export_dmabuf: a "
				   "sub-allocated buffer cannot be exported (export the whole one)");
	if (!dev->ops->bo_export)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "accel_buffer_export_dmabuf: the %s "
				   "backend has no dma-buf", dev->ops->name);
	return dev->ops->bo_export(dev, buf->bo, fd);
}

/* An empty BO of dev for an import (holds a device reference). */
static accel_status bo_shell(accel_device *dev, const char *fn, struct accel_bo **out)
{
	struct accel_bo *bo;
	accel_status st = accel__dev_usable(dev, fn);

	if (st)
		return st;
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", dev->name);
	atomic_init(&bo->refs, 1);
	bo->dev = dev;
	if (pthread_mutex_init(&bo->map_lock, NULL)) {
		free(bo);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: cannot create a lock", dev->name);
	}
	accel__dev_get(dev);
	*out = bo;
	return ACCEL_OK;
}

static void bo_shell_free(struct accel_bo *bo)
{
	accel_device *dev = bo->dev;

	pthread_mutex_destroy(&bo->map_lock);
	free(bo);
	accel__dev_put(dev);
}

accel_status accel_buffer_import_dmabuf(accel_device *dev, int fd, accel_buffer **out)
{
	struct accel_bo *bo;
	accel_status st;

	if (!dev || !out || fd < 0)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_import_dmabuf: %s",
				   !dev ? "NULL device" : !out ? "NULL out" : "negative fd");
	*out = NULL;
	if (!dev->ops->bo_import)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "accel_buffer_import_dmabuf: the %s "
				   "backend has no dma-buf", dev->ops->name);
	if ((st = bo_shell(dev, "accel_buffer_import_dmabuf", &bo)))
		return st;
	st = dev->ops->bo_import(dev, fd, bo);
	if (st) {
		bo_shell_free(bo);
		return st;
	}
	st = accel__buffer_wrap(bo, 0, bo->size, out);
	if (st)
		accel__bo_put(bo);
	return st;
}

accel_status accel_buffer_share(accel_buffer *buf, accel_device *to, accel_buffer **out)
{
	accel_device *from;
	struct accel_bo *bo;
	accel_status st;
	int fd;

	if (!buf || !to || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_buffer_share: NULL %s",
				   !buf ? "buffer" : !to ? "device" : "out");
	*out = NULL;
	from = buf->bo->dev;
	if (from == to) {
		accel__buffer_get(buf);
		*out = buf;
		return ACCEL_OK;
	}
	if (from->ops != to->ops)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "accel_buffer_share: %s (%s) and %s (%s) "
				   "cannot share memory", from->name, from->ops->name, to->name,
				   to->ops->name);
	if (to->ops->bo_share) {
		if ((st = bo_shell(to, "accel_buffer_share", &bo)))
			return st;
		st = to->ops->bo_share(to, buf->bo, bo);
		if (st) {
			bo_shell_free(bo);
			return st;
		}
	} else {
		if (!from->ops->bo_export || !to->ops->bo_import)
			return accel__fail(ACCEL_ERR_UNSUPPORTED, "accel_buffer_share: the %s backend "
					   "cannot share memory", to->ops->name);
		if ((st = from->ops->bo_export(from, buf->bo, &fd)))
			return st;
		if ((st = bo_shell(to, "accel_buffer_share", &bo))) {
			close(fd);
			return st;
		}
		st = to->ops->bo_import(to, fd, bo);
		close(fd);
		if (st) {
			bo_shell_free(bo);
			return st;
		}
	}
	st = accel__buffer_wrap(bo, buf->offset, buf->size, out);
	if (st)
		accel__bo_put(bo);
	return st;
}
