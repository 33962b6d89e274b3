/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the in-VM driver test programs: ioctl wrapper, BOs,
 * a command stream builder, SUBMIT/JOB_WAIT wrappers, memory checks.
 * Include after driver_check.h. node is the device node the program uses.
 */
#ifndef DRIVER_UTIL_H
#define DRIVER_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_cmd.h"

static const char *node = "/dev/accel/accel0";

#define ERRNO(expr) ((expr) ? errno : 0)

static unsigned int ioctl_cases;

static inline int xioctl(int fd, unsigned long req, void *arg)
{
	__atomic_fetch_add(&ioctl_cases, 1, __ATOMIC_RELAXED);
	return drmIoctl(fd, req, arg) ? errno : 0;
}

static inline uint64_t get_param(int fd, uint32_t p)
{
	struct drm_snpu_get_param a = { .param = p };

	return xioctl(fd, DRM_IOCTL_SNPU_GET_PARAM, &a) ? ~0ull : a.value;
}

struct bo {
	uint32_t handle;
	uint64_t va;
	uint64_t size;
	void *map;
};

static inline int bo_new(int fd, uint64_t size, uint32_t flags, struct bo *bo)
{
	struct drm_snpu_bo_create c = { .size = size, .flags = flags,
					 .va = flags & DRM_SNPU_BO_FIXED_VA ? bo->va : 0 };
	struct drm_snpu_bo_mmap_offset m = { 0 };
	int err = xioctl(fd, DRM_IOCTL_SNPU_BO_CREATE, &c);

	if (err)
		return err;
	bo->handle = c.handle;
	bo->va = c.va;
	bo->size = size;
	m.handle = c.handle;
	err = xioctl(fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &m);
	if (err)
		return err;
	bo->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	return bo->map == MAP_FAILED ? errno : 0;
}

static inline void bo_free(int fd, struct bo *bo)
{
	struct drm_gem_close c = { .handle = bo->handle };

	if (bo->map && bo->map != MAP_FAILED)
		munmap(bo->map, bo->size);
	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
	memset(bo, 0, sizeof(*bo));
}

/* ---- command stream builder ---- */
struct stream {
	uint8_t buf[136 * 1024];	/* the unbind race uses 128 KiB of NOPs */
	uint32_t len;
};

static inline void *emit(struct stream *s, uint16_t op, uint16_t size)
{
	struct snpu_cmd_header *h = (void *)(s->buf + s->len);

	memset(h, 0, size);
	h->opcode = op;
	h->size = size;
	s->len += size;
	return h;
}

static inline void cmd_fill(struct stream *s, uint64_t dst, uint32_t size, uint32_t value)
{
	struct snpu_cmd_dma_fill *c = emit(s, SNPU_OP_DMA_FILL, sizeof(*c));

	c->dst = dst;
	c->size = size;
	c->value = value;
}

static inline void cmd_copy(struct stream *s, uint64_t src, uint64_t dst, uint32_t bytes)
{
	struct snpu_cmd_dma_copy *c = emit(s, SNPU_OP_DMA_COPY, sizeof(*c));

	c->src = src;
	c->dst = dst;
	c->row_bytes = bytes;
	c->rows = 1;
}

static inline void cmd_fence(struct stream *s, uint64_t addr, uint64_t value)
{
	struct snpu_cmd_fence *c = emit(s, SNPU_OP_FENCE, sizeof(*c));

	c->addr = addr;
	c->value = value;
}

static inline void cmd_wait(struct stream *s, uint64_t addr, uint64_t value, uint32_t us)
{
	struct snpu_cmd_wait *c = emit(s, SNPU_OP_WAIT, sizeof(*c));

	c->addr = addr;
	c->value = value;
	c->op = SNPU_WAIT_EQ;
	c->timeout_us = us;
}

static inline struct drm_snpu_submit sub(const struct stream *s, struct drm_snpu_bo_ref *refs,
				  uint32_t nrefs)
{
	struct drm_snpu_submit a = {
		.cmds = (uintptr_t)s->buf, .cmds_size = s->len,
		.bo_refs = (uintptr_t)refs, .bo_count = nrefs,
		.bo_ref_size = sizeof(*refs), .sync_size = sizeof(struct drm_snpu_sync),
		.priority = DRM_SNPU_PRIORITY_NORMAL,
	};
	return a;
}

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int job_wait(int fd, uint64_t id, int64_t ms, struct drm_snpu_job_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->timeout_ns = ms ? now_ns() + ms * 1000000 : 0;
	return xioctl(fd, DRM_IOCTL_SNPU_JOB_WAIT, w);
}

/* Submit and wait; returns the ioctl errno or the job's status in *st. */
static inline int run(int fd, struct stream *s, struct drm_snpu_bo_ref *refs, uint32_t n,
	       struct drm_snpu_job_wait *w)
{
	struct drm_snpu_submit a = sub(s, refs, n);
	int err = xioctl(fd, DRM_IOCTL_SNPU_SUBMIT, &a);

	if (err)
		return err;
	return job_wait(fd, a.job_id, 20000, w);
}

static inline int all_bytes(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

static inline int all_words(const void *p, size_t n, uint32_t v)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++)
		if (w[i] != v)
			return 0;
	return 1;
}

#endif /* DRIVER_UTIL_H */
