// SPDX-License-Identifier: MIT
/*
 * Tensor engine operand staging: gather a strided tensor into a dense host
 * buffer with snpu_exec_read(), scatter a dense result back with
 * snpu_exec_write() without touching the bytes between strided elements.
 *
 * How each tensor is read and written, and every size involved, comes
 * from te_plan_load()/te_plan_out() (te_budget.c), which the command's
 * budget was computed with. Reads: a tensor whose span is dense (any axis
 * order) or at most 4x its payload (or 16 MiB), and at most 128 MiB, is
 * read in one piece and gathered on the host; sparser ones are read row by
 * row (or element by element). Writes: a span exactly covered by the
 * elements is written in one piece; rows contiguous in memory are written
 * one by one; otherwise the span is read, patched and written back
 * (read-modify-write), or elements are written one by one when the span is
 * sparse. Row loops stop when te_cancelled() fires.
 */
#include <stdlib.h>
#include <string.h>
#include "snpu_layout.h"
#include "te_internal.h"

enum snpu_err te_read_new(struct snpu_exec *x, uint64_t va, size_t len, void **out)
{
	void *p = malloc(len ? len : 1);
	enum snpu_err err;

	*out = NULL;
	if (!p) {
		snpu_exec_log(x, "tensor engine: out of memory (%zu bytes)", len);
		return SNPU_ERR_FATAL;
	}
	err = snpu_exec_read(x, va, p, len);
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	return SNPU_OK;
}

void te_view_free(struct te_view *v)
{
	free(v->data);
	v->data = NULL;
}

static void copy_elem(uint8_t *dst, const uint8_t *src, uint32_t esize)
{
	switch (esize) {
	case 1: *dst = *src; break;
	case 2: memcpy(dst, src, 2); break;
	default: memcpy(dst, src, 4); break;
	}
}

/* Dense strides (elements) of dims cd, row-major. */
static void dense_strides(const uint32_t cd[4], size_t st[4])
{
	st[3] = 1;
	st[2] = cd[3];
	st[1] = (size_t)cd[2] * cd[3];
	st[0] = st[1] * cd[1];
}

/* Gather (dir 0) or scatter (dir 1) between a span buffer (tensor strides,
 * element 0 at span) and a dense buffer with strides dst. */
static void move4(uint8_t *span, const struct snpu_tensor *t, const uint32_t cd[4],
		  uint8_t *dense, const size_t dst[4], uint32_t esize, int dir)
{
	uint32_t a, b, c, d;

	for (a = 0; a < cd[0]; a++)
	for (b = 0; b < cd[1]; b++)
	for (c = 0; c < cd[2]; c++) {
		uint8_t *s = span + ((uint64_t)a * t->stride[0] + (uint64_t)b * t->stride[1] +
				     (uint64_t)c * t->stride[2]) * esize;
		uint8_t *q = dense + (a * dst[0] + b * dst[1] + c * dst[2]) * esize;

		/* Per row, as rows_io: a 2048 x 4096 broadcast gather is one (a, b). */
		if (te_cancelled())
			return;
		if (t->stride[3] == 1 || cd[3] == 1) {
			if (dir)
				memcpy(s, q, (size_t)cd[3] * esize);
			else
				memcpy(q, s, (size_t)cd[3] * esize);
			continue;
		}
		for (d = 0; d < cd[3]; d++) {
			if (te_cancelled_at(d))
				return;
			uint8_t *se = s + (uint64_t)d * t->stride[3] * esize;

			if (dir)
				copy_elem(se, q + (size_t)d * esize, esize);
			else
				copy_elem(q + (size_t)d * esize, se, esize);
		}
	}
}

/* Element-by-element or row-by-row access of sparse tensors. */
static enum snpu_err rows_io(struct snpu_exec *x, const struct snpu_tensor *t,
			     const uint32_t cd[4], uint8_t *dense, const size_t dst[4],
			     uint32_t esize, int dir)
{
	uint32_t a, b, c, d, n;
	enum snpu_err err;

	for (a = 0; a < cd[0]; a++)
	for (b = 0; b < cd[1]; b++)
	for (c = 0; c < cd[2]; c++) {
		uint64_t va = t->addr + ((uint64_t)a * t->stride[0] + (uint64_t)b * t->stride[1] +
					 (uint64_t)c * t->stride[2]) * esize;
		uint8_t *q = dense + (a * dst[0] + b * dst[1] + c * dst[2]) * esize;
		int row = t->stride[3] == 1 || cd[3] == 1;

		if (te_cancelled())
			return SNPU_ERR_ABORTED;
		n = row ? 1 : cd[3];
		for (d = 0; d < n; d++) {
			if (te_cancelled_at(d))
				return SNPU_ERR_ABORTED;
			uint64_t ea = va + (uint64_t)d * t->stride[3] * esize;
			size_t len = row ? (size_t)cd[3] * esize : esize;

			err = dir ? snpu_exec_write(x, ea, q + (size_t)d * esize, len)
				  : snpu_exec_read(x, ea, q + (size_t)d * esize, len);
			if (err)
				return err;
		}
	}
	return SNPU_OK;
}

static void f16_to_f32_buf(float *dst, const uint16_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = snpu_f16_to_f32(src[i]);
}

enum snpu_err te_load(struct snpu_exec *x, const struct snpu_tensor *t, int to_f32,
		      unsigned int collapse, struct te_view *v)
{
	uint32_t esize = snpu_dtype_size(t->dtype);
	struct te_load_plan pl;
	size_t dst[4];
	uint8_t *dense, *tmp;
	enum snpu_err err;
	int i;

	memset(v, 0, sizeof(*v));
	if (te_cancelled())
		return SNPU_ERR_ABORTED;	/* no staging for a stopped command */
	/* the command's budget covered pl.mem; this re-check keeps te_load
	 * safe on its own */
	if (te_plan_load(t, to_f32, collapse, &pl) || pl.mem > TE_MEM_BUDGET) {
		snpu_exec_log(x, "tensor at 0x%llx: %llu elements exceed the engine's staging limit",
			      (unsigned long long)t->addr, (unsigned long long)pl.n);
		return SNPU_ERR_OVERFLOW;
	}
	dense_strides(pl.cd, dst);
	for (i = 0; i < 4; i++) {
		v->dim[i] = t->dim[i];
		v->st[i] = pl.cd[i] == 1 ? 0 : dst[i];
	}
	v->dtype = t->dtype;
	v->esize = esize;
	if (pl.mode == TE_LOAD_DENSE) {
		err = te_read_new(x, pl.lo, (size_t)pl.bytes, (void **)&dense);
		if (err)
			return err;
	} else {
		dense = malloc(pl.bytes ? pl.bytes : 1);
		if (!dense) {
			snpu_exec_log(x, "tensor engine: out of memory");
			return SNPU_ERR_FATAL;
		}
		if (pl.mode == TE_LOAD_SPAN) {
			err = te_read_new(x, pl.lo, (size_t)pl.span, (void **)&tmp);
			if (!err) {
				move4(tmp, t, pl.cd, dense, dst, esize, 0);
				free(tmp);
			}
		} else {
			err = rows_io(x, t, pl.cd, dense, dst, esize, 0);
		}
		if (err) {
			free(dense);
			return err;
		}
	}
	v->data = dense;
	if (to_f32 && t->dtype == SNPU_DT_FP16) {
		float *f = malloc(pl.held ? pl.held : 1);

		if (!f) {
			te_view_free(v);
			snpu_exec_log(x, "tensor engine: out of memory");
			return SNPU_ERR_FATAL;
		}
		f16_to_f32_buf(f, v->data, pl.n);
		free(v->data);
		v->data = f;
		v->dtype = SNPU_DT_FP32;
		v->esize = 4;
	}
	return SNPU_OK;
}

enum snpu_err te_alloc_out(struct snpu_exec *x, const struct snpu_tensor *t, int as_f32,
			   struct te_view *v)
{
	struct te_out_plan pl;
	uint32_t esize;

	memset(v, 0, sizeof(*v));
	if (te_cancelled())
		return SNPU_ERR_ABORTED;
	te_plan_out(t, as_f32, &pl);
	esize = pl.esize;
	if (pl.mem > TE_MEM_BUDGET) {
		snpu_exec_log(x, "output at 0x%llx exceeds the engine's staging limit",
			      (unsigned long long)t->addr);
		return SNPU_ERR_OVERFLOW;
	}
	v->data = malloc(pl.bytes ? pl.bytes : 1);
	if (!v->data) {
		snpu_exec_log(x, "tensor engine: out of memory");
		return SNPU_ERR_FATAL;
	}
	memcpy(v->dim, t->dim, sizeof(v->dim));
	dense_strides(t->dim, v->st);
	v->dtype = esize == 4 && t->dtype == SNPU_DT_FP16 ? SNPU_DT_FP32 : t->dtype;
	v->esize = esize;
	return SNPU_OK;
}

enum snpu_err te_store(struct snpu_exec *x, const struct snpu_tensor *t, struct te_view *v)
{
	uint32_t esize = snpu_dtype_size(t->dtype);
	struct te_out_plan pl;
	__u64 lo, hi;
	uint64_t span, n;
	uint8_t *tmp;
	enum snpu_err err;

	if (te_cancelled())
		return SNPU_ERR_ABORTED;	/* never store a stopped command */
	te_plan_out(t, 0, &pl);
	n = pl.n;
	if (v->dtype == SNPU_DT_FP32 && t->dtype == SNPU_DT_FP16) {
		/* narrow in place: half i (bytes 2i..) never overwrites a float
		 * not yet read (bytes >= 4i); byte copies keep the accesses
		 * ordered without type-punning */
		uint8_t *b = v->data;
		uint64_t i;

		for (i = 0; i < n; i++) {
			float f;
			uint16_t val;

			memcpy(&f, b + 4 * i, 4);
			val = snpu_f32_to_f16(f);
			memcpy(b + 2 * i, &val, 2);
		}
		v->dtype = SNPU_DT_FP16;
		v->esize = 2;
	}
	if (snpu_tensor_extent(t, &lo, &hi))
		return SNPU_ERR_OVERFLOW;
	span = hi - lo;
	if (pl.mode == TE_STORE_DENSE)
		return snpu_exec_write(x, lo, v->data, (size_t)span);
	if (pl.mode == TE_STORE_PERM) {	/* a permutation of a dense block */
		tmp = malloc(span);
		if (!tmp) {
			snpu_exec_log(x, "tensor engine: out of memory");
			return SNPU_ERR_FATAL;
		}
		move4(tmp, t, t->dim, v->data, v->st, esize, 1);
		err = snpu_exec_write(x, lo, tmp, (size_t)span);
		free(tmp);
		return err;
	}
	if (pl.mode == TE_STORE_ROWS)
		return rows_io(x, t, t->dim, v->data, v->st, esize, 1);
	err = te_read_new(x, lo, (size_t)span, (void **)&tmp);	/* read-modify-write */
	if (err)
		return err;
	move4(tmp, t, t->dim, v->data, v->st, esize, 1);
	err = snpu_exec_write(x, lo, tmp, (size_t)span);
	free(tmp);
	return err;
}
