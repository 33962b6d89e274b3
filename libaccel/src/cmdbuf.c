/* SPDX-License-Identifier: MIT */
/* Command buffers: the byte stream and the buffers it references. */
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "snpu_cmd.h"
#include "snpu_ring.h"

accel_status accel_cmdbuf_create(accel_device *dev, accel_cmdbuf **out)
{
	accel_cmdbuf *cb;

	accel_status st;

	if (!dev || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_create: NULL %s",
				   dev ? "out" : "device");
	if ((st = accel__dev_usable(dev, "accel_cmdbuf_create")))
		return st;
	cb = calloc(1, sizeof(*cb));
	if (!cb)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_cmdbuf_create: out of memory");
	accel__dev_get(dev);
	cb->dev = dev;
	*out = cb;
	return ACCEL_OK;
}

void accel_cmdbuf_reset(accel_cmdbuf *cb)
{
	if (!cb)
		return;
	for (size_t i = 0; i < cb->nrefs; i++)
		accel__buffer_put(cb->refs[i].buf);
	cb->nrefs = 0;
	cb->size = 0;
	cb->count = 0;
}

void accel_cmdbuf_free(accel_cmdbuf *cb)
{
	if (!cb)
		return;
	accel_cmdbuf_reset(cb);
	free(cb->refs);
	free(cb->data);
	accel__dev_put(cb->dev);
	free(cb);
}

uint32_t accel_cmdbuf_count(const accel_cmdbuf *cb)
{
	return cb ? cb->count : 0;
}

size_t accel_cmdbuf_size(const accel_cmdbuf *cb)
{
	return cb ? cb->size : 0;
}

const void *accel_cmdbuf_data(const accel_cmdbuf *cb)
{
	return cb ? cb->data : NULL;
}

static struct accel_bufref *find_ref(accel_cmdbuf *cb, const accel_buffer *buf)
{
	for (size_t i = 0; i < cb->nrefs; i++)
		if (cb->refs[i].buf == buf)
			return &cb->refs[i];
	return NULL;
}

accel_status accel__cmdbuf_append(accel_cmdbuf *cb, const void *cmd, size_t size,
				  const struct accel_bufref *refs, size_t nrefs)
{
	size_t need_refs = cb->nrefs + nrefs;

	if (cb->size + size > SNPU_MAX_CMDBUF)
		return accel__fail(ACCEL_ERR_OUT_OF_RANGE, "command buffer full (%zu bytes, the "
				   "device takes %u per job)", cb->size, SNPU_MAX_CMDBUF);
	if (cb->size + size > cb->cap) {
		size_t cap = cb->cap ? cb->cap : 1024;
		uint8_t *d;

		while (cap < cb->size + size)
			cap *= 2;
		d = realloc(cb->data, cap);
		if (!d)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "command buffer: out of memory");
		cb->data = d;
		cb->cap = cap;
	}
	if (need_refs > cb->capref) {
		size_t cap = cb->capref ? cb->capref : 16;
		struct accel_bufref *r;

		while (cap < need_refs)
			cap *= 2;
		r = realloc(cb->refs, cap * sizeof(*r));
		if (!r)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "command buffer: out of memory");
		cb->refs = r;
		cb->capref = cap;
	}
	for (size_t i = 0; i < nrefs; i++) {
		struct accel_bufref *r = find_ref(cb, refs[i].buf);

		if (r) {
			r->access |= refs[i].access;
		} else {
			accel__buffer_get(refs[i].buf);
			cb->refs[cb->nrefs++] = refs[i];
		}
	}
	memcpy(cb->data + cb->size, cmd, size);
	cb->size += size;
	cb->count++;
	return ACCEL_OK;
}

accel_status accel_cmdbuf_append_raw(accel_cmdbuf *cb, const void *cmd, size_t size)
{
	struct snpu_cmd_header h;

	if (!cb || !cmd)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_append_raw: NULL %s",
				   cb ? "cmd" : "command buffer");
	if (size < sizeof(h) || size % 8)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_append_raw: size %zu is not "
				   "a multiple of 8 holding a header", size);
	memcpy(&h, cmd, sizeof(h));
	if (h.size != size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_append_raw: header size %u "
				   "!= %zu bytes given", h.size, size);
	return accel__cmdbuf_append(cb, cmd, size, NULL, 0);
}

accel_status accel_cmdbuf_use(accel_cmdbuf *cb, accel_buffer *buf, unsigned int access)
{
	struct accel_bufref r = { buf, access };

	if (!cb || !buf)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_use: NULL %s",
				   cb ? "buffer" : "command buffer");
	if (!access || (access & ~(ACCEL_ACCESS_READ | ACCEL_ACCESS_WRITE)))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_use: access 0x%x is not "
				   "READ and/or WRITE", access);
	if (buf->bo->dev != cb->dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmdbuf_use: buffer of %s in a "
				   "command buffer of %s", buf->bo->dev->name, cb->dev->name);
	if (cb->nrefs + 1 > cb->capref) {
		size_t cap = cb->capref ? 2 * cb->capref : 16;
		struct accel_bufref *n = realloc(cb->refs, cap * sizeof(*n));

		if (!n)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "command buffer: out of memory");
		cb->refs = n;
		cb->capref = cap;
	}
	if (find_ref(cb, buf)) {
		find_ref(cb, buf)->access |= access;
	} else {
		accel__buffer_get(buf);
		cb->refs[cb->nrefs++] = r;
	}
	return ACCEL_OK;
}
