/* SPDX-License-Identifier: MIT */
/*
 * libaccel buffers: device-visible memory, mapped in the device's MMU
 * context of the opening process.
 *
 *   ACCEL_MEM_HOST    pinned host memory (a SYSTEM BO): the CPU maps it
 *                     cached, the device reaches it over PCIe, zero copy.
 *   ACCEL_MEM_DEVICE  device DRAM (a DEVICE BO): fast for the tensor
 *                     engine; the CPU map is write-combined (drm), so bulk
 *                     transfers go through accel_buffer_write()/read(),
 *                     which use the device's DMA engine.
 *
 * A heap (accel_heap) sub-allocates many small buffers from large ones so
 * that a small tensor does not cost an ioctl; a sub-allocated buffer is an
 * accel_buffer like any other. Buffers are reference counted internally:
 * accel_buffer_free() may be called while a job still uses the buffer; the
 * memory goes away when the last job using it has ended.
 *
 * Filling an ACCEL_MEM_READ_ONLY buffer: the device may only read it, so
 * the DMA engine cannot write it; accel_buffer_write() copies through the
 * CPU mapping instead (for device memory: a write-combined mapping), and
 * accel_buffer_map() gives a pointer to fill it in place.
 *
 * Threads: buffers and heaps are thread-safe: several threads may map,
 * read, write (disjoint ranges, or ordering is theirs to keep), use in
 * commands and free buffers at once. Each buffer holds a reference on its
 * device (see accel_close()).
 */
#ifndef ACCEL_BUFFER_H
#define ACCEL_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_buffer accel_buffer;
typedef struct accel_heap accel_heap;

/* Placement and access flags of accel_buffer_create / accel_heap_create. */
#define ACCEL_MEM_HOST		0u		/* pinned host memory (default) */
#define ACCEL_MEM_DEVICE	(1u << 0)	/* device DRAM */
#define ACCEL_MEM_READ_ONLY	(1u << 1)	/* the device may only read it */
#define ACCEL_MEM_FLAGS		(ACCEL_MEM_DEVICE | ACCEL_MEM_READ_ONLY)

/* Create a buffer of size bytes (> 0; rounded up to 4 KiB internally),
 * zero-filled, mapped in the device context. */
ACCEL_API accel_status accel_buffer_create(accel_device *dev, uint64_t size, unsigned int flags,
					   accel_buffer **out);

/* Drop the caller's reference (NULL is ignored). */
ACCEL_API void accel_buffer_free(accel_buffer *buf);

ACCEL_API uint64_t accel_buffer_size(const accel_buffer *buf);	/* as requested */
ACCEL_API unsigned int accel_buffer_flags(const accel_buffer *buf);
ACCEL_API accel_device *accel_buffer_device(const accel_buffer *buf);
/* Device virtual address of byte 0 in this process's context. */
ACCEL_API uint64_t accel_buffer_va(const accel_buffer *buf);

/* CPU pointer to byte 0, mapping on first use. Device memory on the drm
 * backend is write-combined: fine to fill, slow to read. */
ACCEL_API accel_status accel_buffer_map(accel_buffer *buf, void **ptr);

/* Copy n bytes between host memory and the buffer at offset off
 * (synchronous). Host buffers: memcpy. Device buffers: memcpy through the
 * CPU mapping up to 64 MiB (env ACCEL_MAP_MAX=bytes changes the limit, 0 =
 * always DMA), above it DMA_COPY jobs through the device's reused, double-
 * buffered pinned staging buffer; READ_ONLY device buffers are always
 * written through the CPU mapping. After accel_close a device buffer's
 * transfers fail with ACCEL_ERR_STATE. */
ACCEL_API accel_status accel_buffer_write(accel_buffer *buf, uint64_t off, const void *src,
					  size_t n);
ACCEL_API accel_status accel_buffer_read(accel_buffer *buf, uint64_t off, void *dst, size_t n);

/* Device-side copy of n bytes (DMA_COPY on the device, synchronous).
 * Both buffers must belong to the same device; dst must not be READ_ONLY. */
ACCEL_API accel_status accel_buffer_copy(accel_buffer *dst, uint64_t dst_off, accel_buffer *src,
					 uint64_t src_off, uint64_t n);

/* dma-buf: export a buffer (whole, not sub-allocated) as a file
 * descriptor the caller owns, or import one into a device (mapped in its
 * context). drm backend only; "sim" returns ACCEL_ERR_UNSUPPORTED. */
ACCEL_API accel_status accel_buffer_export_dmabuf(accel_buffer *buf, int *fd);
ACCEL_API accel_status accel_buffer_import_dmabuf(accel_device *dev, int fd, accel_buffer **out);

/* Sub-allocator: carves buffers from chunk_size (>= 64 KiB) buffers of
 * placement flags, creating chunks on demand. Thread-safe. */
ACCEL_API accel_status accel_heap_create(accel_device *dev, uint64_t chunk_size,
					 unsigned int flags, accel_heap **out);
/* A buffer of size bytes aligned to align (power of two, 0 = 64) bytes in
 * device VA. Requests larger than the chunk get a buffer of their own.
 * Free it with accel_buffer_free(). */
ACCEL_API accel_status accel_heap_alloc(accel_heap *heap, uint64_t size, uint64_t align,
					accel_buffer **out);
/* Bytes handed out and bytes held in chunks. */
ACCEL_API void accel_heap_usage(accel_heap *heap, uint64_t *used, uint64_t *reserved);
/* Destroy: buffers still allocated from it keep their memory alive. */
ACCEL_API void accel_heap_destroy(accel_heap *heap);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_BUFFER_H */
