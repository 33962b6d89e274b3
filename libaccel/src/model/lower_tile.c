// SPDX-License-Identifier: MIT
/*
 * SRAM tiling of conv2d and gemm (docs/hardware.md section 25). A command
 * whose activation operands are outside the SRAM scratchpad is split into
 * tiles of the output: conv2d along batch items, output rows (each input
 * tile with its halo of KH-1 dilated rows, the padding of the tile's edge
 * rows adjusted) and output channels (groups == 1); gemm along rows (M) and
 * columns (N). No tile splits the reduction (K), so every output element
 * is computed by the same arithmetic as the untiled command: the result is
 * bit for bit the same.
 *
 * The tile region of the SRAM holds [resident weights | buffer 0 | buffer
 * 1]. The weights are copied once when they fit in half the region, else
 * with each tile. One stream, in this order:
 *
 *   DMA in[0] -> buf 0;  DMA in[1] -> buf 1
 *   CMD tile 0 (buf 0);  DMA out[0] <- buf 0;  DMA in[2] -> buf 0
 *   CMD tile 1 (buf 1);  DMA out[1] <- buf 1;  DMA in[3] -> buf 1  ...
 *
 * Commands run in stream order (the functional result is sequential);
 * the device's two engines overlap the DMA of tile t+1 with the compute
 * of tile t, and the timing model sees the buffer reuse as WAR/RAW hazards
 * (18.3), so no FENCE/WAIT is needed inside one job (a FENCE is a barrier
 * in the model and would serialise the two engines).
 *
 * The tiler works on the built command (any sizes, any layout whose
 * staged slices are at most STAGE_MAX_DMA 2-D copies); a command it
 * cannot tile in the space it is given is emitted as is.
 */
#include <string.h>

#include "../internal.h"
#include "lower.h"
#include "ops.h"

#define TILE_ALIGN	64
#define TILE_MAX	65536u	/* tiles of one command */
#define STAGE_MAX_DMA	256u	/* 2-D copies to stage one operand of one tile */

static uint64_t al(uint64_t x)
{
	return (x + TILE_ALIGN - 1) & ~(uint64_t)(TILE_ALIGN - 1);
}

static bool in_sram(const accel_tensor *t)
{
	return t->mem.space == ACCEL_SPACE_SRAM;
}

static uint64_t es(const accel_tensor *t)
{
	return accel_dtype_size(t->dtype);
}

/* t with explicit strides (all zero means packed row-major). */
static accel_tensor norm(accel_tensor t)
{
	if (!t.stride[0] && !t.stride[1] && !t.stride[2] && !t.stride[3]) {
		t.stride[3] = 1;
		t.stride[2] = t.dim[3];
		t.stride[1] = t.dim[2] * t.dim[3];
		t.stride[0] = t.dim[1] * t.stride[1];
	}
	return t;
}

static accel_tensor slice(accel_tensor t, int ax, uint32_t start, uint32_t len)
{
	t.mem.offset += (uint64_t)start * t.stride[ax] * es(&t);
	t.dim[ax] = len;
	return t;
}

static uint64_t numel(const accel_tensor *t)
{
	return (uint64_t)t->dim[0] * t->dim[1] * t->dim[2] * t->dim[3];
}

/* One operand of a tile copied between its view outside SRAM and a dense
 * image in SRAM. The axes are taken in decreasing stride order (so a
 * transposed view copies as densely as a plain one): the image keeps the
 * strides of the view's dense suffix (axes k..3 of that order, copied as
 * chunks) and packs the outer axes; sram is the image in the command's
 * axis order, ext_p/sram_p the two views in the copy order. */
struct stage {
	accel_tensor sram, ext_p, sram_p;
	uint32_t k;
	bool used;
};

static accel_tensor permute(const accel_tensor *t, const uint32_t *p)
{
	accel_tensor r = *t;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		r.dim[i] = t->dim[p[i]];
		r.stride[i] = t->stride[p[i]];
	}
	return r;
}

static bool stage_plan(const accel_tensor *t, uint64_t off, struct stage *s)
{
	uint64_t n = 1, ext = 1, st, copies = 1, e = es(t);
	uint32_t k = 4, i, j, p[4] = { 0, 1, 2, 3 };
	accel_tensor v;

	/* axes of dim 1 first, then by decreasing stride (insertion sort, stable) */
	for (i = 1; i < 4; i++) {
		for (j = i; j > 0; j--) {
			uint32_t a = p[j - 1], b = p[j];
			bool swap = t->dim[a] > 1 && (t->dim[b] == 1 || t->stride[b] > t->stride[a]);

			if (!swap)
				break;
			p[j - 1] = b;
			p[j] = a;
		}
	}
	v = permute(t, p);
	while (k > 0) {
		uint64_t n2 = n * v.dim[k - 1];
		uint64_t e2 = ext + (uint64_t)(v.dim[k - 1] - 1) * v.stride[k - 1];

		if (e2 != n2)
			break;
		n = n2;
		ext = e2;
		k--;
	}
	s->ext_p = v;
	s->sram_p = v;
	s->sram_p.mem = accel_ref_sram(off);
	s->k = k;
	s->used = true;
	for (i = k, st = n; i-- > 0; st *= v.dim[i]) {
		if (st > UINT32_MAX)
			return false;
		s->sram_p.stride[i] = (uint32_t)st;
	}
	s->sram = *t;
	s->sram.mem = s->sram_p.mem;
	for (i = 0; i < 4; i++)
		s->sram.stride[p[i]] = s->sram_p.stride[i];
	if (!k)
		return true;
	for (i = 0; i + 1 < k; i++)
		copies *= v.dim[i];
	return copies <= STAGE_MAX_DMA && n * e <= UINT32_MAX &&
	       (uint64_t)v.stride[k - 1] * e <= UINT32_MAX && v.stride[k - 1] >= n;
}

static accel_status stage_copy(accel_cmdbuf *cb, const struct stage *s, bool to_sram)
{
	const accel_tensor *d = &s->ext_p, *m = &s->sram_p;
	uint64_t e = es(d), chunk = e, copies = 1, c;
	uint32_t k = s->k, i;

	if (!k)
		return to_sram ? accel_cmd_copy(cb, m->mem, d->mem, numel(d) * e) :
				 accel_cmd_copy(cb, d->mem, m->mem, numel(d) * e);
	for (i = k; i < 4; i++)
		chunk *= d->dim[i];
	for (i = 0; i + 1 < k; i++)
		copies *= d->dim[i];
	for (c = 0; c < copies; c++) {
		accel_ref rd = d->mem, rm = m->mem;
		uint64_t rem = c;
		accel_status st;

		for (i = k - 1; i-- > 0;) {
			uint64_t idx = rem % d->dim[i];

			rem /= d->dim[i];
			rd.offset += idx * d->stride[i] * e;
			rm.offset += idx * m->stride[i] * e;
		}
		st = to_sram ? accel_cmd_copy_2d(cb, rm, (uint32_t)(m->stride[k - 1] * e), rd,
						 (uint32_t)(d->stride[k - 1] * e), (uint32_t)chunk,
						 d->dim[k - 1]) :
			       accel_cmd_copy_2d(cb, rd, (uint32_t)(d->stride[k - 1] * e), rm,
						 (uint32_t)(m->stride[k - 1] * e), (uint32_t)chunk,
						 d->dim[k - 1]);
		if (st)
			return st;
	}
	return ACCEL_OK;
}

/* Stage view *t (outside SRAM) at *off within a buffer ending at end:
 * *t becomes the SRAM image. */
static bool stage_in_buf(accel_tensor *t, uint64_t *off, uint64_t end, struct stage *s)
{
	if (in_sram(t))
		return true;
	if (!stage_plan(t, *off, s))
		return false;
	*t = s->sram;
	*off += al(numel(t) * es(t));
	return *off <= end;
}

/* ---- one tile: its staged operands and its command ------------------------ */

struct tile {
	struct stage in[2], out, pout;
	bool conv, pool;
	accel_conv2d c;
	accel_gemm g;
	accel_pooling p;	/* fused pooling of the conv tile (pool) */
};

struct tiling {
	bool conv;
	accel_conv2d c;		/* normalised views */
	accel_gemm g;
	uint32_t n_t[3];	/* tiles along each tiled axis (outer to inner) */
	uint32_t max[3];	/* elements along it; tile i covers [i*max/n, (i+1)*max/n) */
	uint32_t min[3];	/* smallest tile size that keeps the engine's arithmetic */
	struct stage wres;	/* resident weights (used: copied once) */
	uint64_t buf[2], half;
	bool pool;		/* conv2d + pooling fused: rows are pooled rows */
	accel_pooling p;
};

/* Tile i of n_t along axis ax: start and size (sizes differ by at most 1). */
static uint32_t span(const struct tiling *tl, int ax, uint32_t i, uint32_t *len)
{
	uint32_t a = (uint32_t)((uint64_t)i * tl->max[ax] / tl->n_t[ax]);

	*len = (uint32_t)((uint64_t)(i + 1) * tl->max[ax] / tl->n_t[ax]) - a;
	return a;
}

/* conv2d: axes (batch item, output row, output channel). */
static bool make_conv(const struct tiling *tl, uint32_t t, uint64_t buf, struct tile *x)
{
	const accel_conv2d *c = &tl->c;
	uint32_t oi = t % tl->n_t[2], ri = t / tl->n_t[2] % tl->n_t[1];
	uint32_t ni = t / tl->n_t[2] / tl->n_t[1];
	uint32_t nn, pyy, oo, n0 = span(tl, 0, ni, &nn), py0 = span(tl, 1, ri, &pyy);
	uint32_t o0 = span(tl, 2, oi, &oo), kp = tl->pool ? tl->p.kernel_h : 1;
	uint32_t y0 = py0 * kp, yy = pyy * kp;	/* conv rows (pooled rows when fused) */
	int64_t kh = c->weight.dim[2], h = c->input.dim[2];
	int64_t r0 = (int64_t)y0 * c->stride_h - c->pad_top;
	int64_t r1 = (int64_t)(y0 + yy - 1) * c->stride_h - c->pad_top + (kh - 1) * c->dilation_h;
	int64_t c0 = r0 > 0 ? r0 : 0, c1 = r1 < h - 1 ? r1 : h - 1;
	uint64_t off = buf, end = buf + tl->half;
	accel_conv2d *k = &x->c;

	memset(x, 0, sizeof(*x));
	x->conv = true;
	if (c1 < c0)
		return false;	/* a tile of padding only */
	*k = *c;
	k->pad_top = (uint16_t)(c0 - r0);
	k->pad_bottom = (uint16_t)(r1 - c1);
	k->input = slice(slice(c->input, 0, n0, nn), 2, (uint32_t)c0, (uint32_t)(c1 - c0 + 1));
	k->weight = slice(tl->wres.used ? tl->wres.sram : c->weight, 0, o0, oo);
	k->output = slice(slice(slice(c->output, 0, n0, nn), 1, o0, oo), 2, y0, yy);
	if (c->epi.flags & ACCEL_EPI_BIAS)
		k->epi.bias.offset += (uint64_t)o0 * 4;
	if (c->epi.flags & ACCEL_EPI_PER_CHANNEL)
		k->epi.requant.offset += (uint64_t)o0 * sizeof(accel_requant);
	if (c->epi.flags & ACCEL_EPI_RESIDUAL)
		k->epi.residual = slice(slice(slice(c->epi.residual, 0, n0, nn), 1, o0, oo), 2,
					y0, yy);
	if (!stage_in_buf(&k->input, &off, end, &x->in[0]) ||
	    !stage_in_buf(&k->weight, &off, end, &x->in[1]) ||
	    !stage_in_buf(&k->output, &off, end, &x->out))
		return false;
	if (!tl->pool)
		return true;
	/* the pooling reads the conv tile in SRAM; only its output leaves */
	x->pool = true;
	x->out.used = false;
	x->p = tl->p;
	x->p.input = k->output;
	x->p.output = slice(slice(slice(tl->p.output, 0, n0, nn), 1, o0, oo), 2, py0, pyy);
	return stage_in_buf(&x->p.output, &off, end, &x->pout);
}

/* gemm: axes (-, row m, column n). */
static bool make_gemm(const struct tiling *tl, uint32_t t, uint64_t buf, struct tile *x)
{
	const accel_gemm *g = &tl->g;
	uint32_t ni = t % tl->n_t[2], mi = t / tl->n_t[2];
	uint32_t mm, nn, m0 = span(tl, 1, mi, &mm), n0 = span(tl, 2, ni, &nn);
	uint64_t off = buf, end = buf + tl->half;
	accel_gemm *k = &x->g;

	memset(x, 0, sizeof(*x));
	*k = *g;
	k->a = slice(g->a, 2, m0, mm);
	k->b = slice(tl->wres.used ? tl->wres.sram : g->b, 3, n0, nn);
	k->c = slice(slice(g->c, 2, m0, mm), 3, n0, nn);
	if (g->epi.flags & ACCEL_EPI_BIAS)
		k->epi.bias.offset += (uint64_t)n0 * 4;
	if (g->epi.flags & ACCEL_EPI_PER_CHANNEL)
		k->epi.requant.offset += (uint64_t)n0 * sizeof(accel_requant);
	if (g->epi.flags & ACCEL_EPI_RESIDUAL)
		k->epi.residual = slice(slice(g->epi.residual, 2, m0, mm), 3, n0, nn);
	return stage_in_buf(&k->a, &off, end, &x->in[0]) &&
	       stage_in_buf(&k->b, &off, end, &x->in[1]) &&
	       stage_in_buf(&k->c, &off, end, &x->out);
}

static bool make(const struct tiling *tl, uint32_t t, uint64_t buf, struct tile *x)
{
	return tl->conv ? make_conv(tl, t, buf, x) : make_gemm(tl, t, buf, x);
}

static uint32_t count(const struct tiling *tl)
{
	return tl->n_t[0] * tl->n_t[1] * tl->n_t[2];
}

static accel_status emit_in(accel_cmdbuf *cb, const struct tile *x)
{
	accel_status st = ACCEL_OK;
	uint32_t i;

	for (i = 0; !st && i < 2; i++)
		if (x->in[i].used)
			st = stage_copy(cb, &x->in[i], true);
	return st;
}

/* The double-buffered stream (the file's comment). */
static accel_status emit(accel_cmdbuf *cb, const struct tiling *tl)
{
	uint32_t n = count(tl), t;
	struct tile x[2];
	accel_status st = ACCEL_OK;

	if (tl->wres.used)
		st = stage_copy(cb, &tl->wres, true);
	for (t = 0; !st && t < n && t < 2; t++) {
		make(tl, t, tl->buf[t], &x[t]);
		st = emit_in(cb, &x[t]);
	}
	for (t = 0; !st && t < n; t++) {
		struct tile *c = &x[t % 2];

		st = c->conv ? accel_cmd_conv2d(cb, &c->c) : accel_cmd_gemm(cb, &c->g);
		if (!st && c->pool)
			st = accel_cmd_pool(cb, &c->p);
		if (!st && c->out.used)
			st = stage_copy(cb, &c->out, false);
		if (!st && c->pout.used)
			st = stage_copy(cb, &c->pout, false);
		if (!st && t + 2 < n) {
			make(tl, t + 2, tl->buf[t % 2], c);
			st = emit_in(cb, c);
		}
	}
	return st;
}

/* Every tile fits its buffer and can be staged. */
static bool fits(const struct tiling *tl)
{
	uint32_t n = count(tl), t;
	struct tile x;

	if (n < (tl->pool ? 1u : 2u) || n > TILE_MAX)	/* a fused pair gains even in one tile */
		return false;
	for (t = 0; t < n; t++)
		if (!make(tl, t, tl->buf[t % 2], &x))
			return false;
	return true;
}

/* No tile below the axis' minimum size (the smallest is floor(max/n)). */
static bool big_enough(const struct tiling *tl)
{
	uint32_t ax;

	for (ax = 0; ax < 3; ax++)
		if (tl->max[ax] / tl->n_t[ax] < tl->min[ax])
			return false;
	return true;
}

/* Lay out the region for weights w (staged when outside SRAM): resident
 * when all output channels are in one tile and they fit half the region. */
static bool layout(struct tiling *tl, const accel_tensor *w, bool all_channels, uint64_t base,
		   uint64_t bytes)
{
	uint64_t wb = al(numel(w) * es(w));

	memset(&tl->wres, 0, sizeof(tl->wres));
	if (!in_sram(w) && all_channels && wb <= bytes / 2) {
		if (!stage_plan(w, base, &tl->wres))
			memset(&tl->wres, 0, sizeof(tl->wres));
		else {
			base += wb;
			bytes -= wb;
		}
	}
	tl->half = (bytes / 2) & ~(uint64_t)(TILE_ALIGN - 1);
	tl->buf[0] = base;
	tl->buf[1] = base + tl->half;
	return tl->half > 0;
}

/* Fewest tiles along axis ax (the others fixed) for which every tile
 * fits (monotone in the count: more tiles are smaller), and no tile is
 * below the minimum size. false if none. */
static bool fewest(struct tiling *tl, int ax)
{
	uint32_t lo = 1, hi = 1;

	tl->n_t[ax] = 1;
	while (!fits(tl)) {	/* doubling, then bisection in (lo, hi] */
		if (hi >= tl->max[ax])
			return false;
		lo = hi;
		hi = hi * 2 < tl->max[ax] ? hi * 2 : tl->max[ax];
		tl->n_t[ax] = hi;
	}
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		tl->n_t[ax] = mid;
		if (fits(tl))
			hi = mid;
		else
			lo = mid;
	}
	tl->n_t[ax] = hi;
	return big_enough(tl);
}

/* The minimum tile sizes keep every tile's fp32 GEMM in the engine's
 * regime of the untiled command (the device runs an fp32 GEMM of fewer
 * than 4 rows or 8 columns with a different summation; int8 sums are
 * exact in any order): conv2d is a GEMM of O/groups rows by OH*OW
 * columns per batch item. */
static accel_status conv_tiling(accel_cmdbuf *cb, const accel_conv2d *c, const accel_pooling *p,
				uint64_t base, uint64_t bytes, uint32_t *tiles)
{
	struct tiling tl;
	uint32_t o, og, ow, rows;

	*tiles = 0;
	memset(&tl, 0, sizeof(tl));
	tl.conv = true;
	tl.c = *c;
	tl.c.input = norm(c->input);
	tl.c.weight = norm(c->weight);
	tl.c.output = norm(c->output);
	if (c->epi.flags & ACCEL_EPI_RESIDUAL)
		tl.c.epi.residual = norm(c->epi.residual);
	if (p) {
		tl.pool = true;
		tl.p = *p;
		tl.p.output = norm(p->output);
	}
	tl.max[0] = tl.c.output.dim[0];
	tl.max[1] = p ? tl.p.output.dim[2] : tl.c.output.dim[2];	/* in pooled rows */
	tl.max[2] = o = tl.c.output.dim[1];
	og = o / (c->groups ? c->groups : 1);
	ow = tl.c.output.dim[3];
	rows = tl.c.output.dim[2] * ow < 8 ? tl.c.output.dim[2] : (8 + ow - 1) / ow;
	tl.min[0] = 1;
	tl.min[1] = p ? (rows + p->kernel_h - 1) / p->kernel_h : rows;
	tl.min[1] = tl.min[1] > tl.max[1] ? tl.max[1] : tl.min[1];
	tl.min[2] = og < 4 ? og : 4;
	/* fewest channel tiles first (groups == 1); then whole batch items,
	 * then rows of one item */
	for (tl.n_t[2] = 1; tl.n_t[2] == 1 || (c->groups == 1 && o / tl.n_t[2] >= tl.min[2]);
	     tl.n_t[2] *= 2) {
		if (!layout(&tl, &tl.c.weight, tl.n_t[2] == 1, base, bytes))
			break;
		tl.n_t[1] = 1;
		if (!fewest(&tl, 0)) {
			tl.n_t[0] = tl.max[0];
			if (!fewest(&tl, 1))
				continue;
		}
		*tiles = count(&tl);
		return emit(cb, &tl);
	}
	return ACCEL_OK;
}

accel_status tile_conv2d(accel_cmdbuf *cb, const accel_conv2d *c, uint64_t base, uint64_t bytes,
			 uint32_t *tiles)
{
	return conv_tiling(cb, c, NULL, base, bytes, tiles);
}

accel_status tile_conv_pool(accel_cmdbuf *cb, const accel_conv2d *c, const accel_pooling *p,
			    uint64_t base, uint64_t bytes, uint32_t *tiles)
{
	return conv_tiling(cb, c, p, base, bytes, tiles);
}

/* gemm: rows then columns; GEMM regime as above (>= 4 rows, >= 8 columns). */
accel_status tile_gemm(accel_cmdbuf *cb, const accel_gemm *p, uint64_t base, uint64_t bytes,
		       uint32_t *tiles)
{
	struct tiling tl;

	*tiles = 0;
	if (p->c.dim[0] != 1 || p->c.dim[1] != 1)
		return ACCEL_OK;	/* batched matmul: not tiled */
	memset(&tl, 0, sizeof(tl));
	tl.g = *p;
	tl.g.a = norm(p->a);
	tl.g.b = norm(p->b);
	tl.g.c = norm(p->c);
	if (p->epi.flags & ACCEL_EPI_RESIDUAL)
		tl.g.epi.residual = norm(p->epi.residual);
	tl.max[0] = tl.min[0] = tl.n_t[0] = 1;
	tl.max[1] = tl.g.c.dim[2];
	tl.max[2] = tl.g.c.dim[3];
	tl.min[1] = tl.max[1] < 4 ? tl.max[1] : 4;
	tl.min[2] = tl.max[2] < 8 ? tl.max[2] : 8;
	for (tl.n_t[2] = 1; tl.n_t[2] == 1 || tl.max[2] / tl.n_t[2] >= tl.min[2]; tl.n_t[2] *= 2) {
		if (!layout(&tl, &tl.g.b, tl.n_t[2] == 1, base, bytes))
			break;
		if (!fewest(&tl, 1))
			continue;
		*tiles = count(&tl);
		return emit(cb, &tl);
	}
	return ACCEL_OK;
}

/* ---- the lowering's entry points ------------------------------------------- */

static bool same_dims(const accel_tensor *a, const accel_tensor *b)
{
	return !memcmp(a->dim, b->dim, sizeof(a->dim));
}

/* The footprints of two views in one memory intersect. */
static bool overlaps(const accel_tensor *a, const accel_tensor *b)
{
	accel_tensor x = norm(*a), y = norm(*b);
	uint64_t ex = 1, ey = 1;
	uint32_t i;

	if (x.mem.space != y.mem.space || (x.mem.space == ACCEL_SPACE_BUFFER && x.mem.buf != y.mem.buf))
		return false;
	for (i = 0; i < 4; i++) {
		ex += (uint64_t)(x.dim[i] - 1) * x.stride[i];
		ey += (uint64_t)(y.dim[i] - 1) * y.stride[i];
	}
	return x.mem.offset < y.mem.offset + ey * es(&y) && y.mem.offset < x.mem.offset + ex * es(&x);
}

accel_status lower_fused(const struct lower_env *e, uint32_t i, uint32_t end, accel_cmdbuf *cb,
			 uint32_t *used)
{
	const struct ir_graph *g = e->g;
	const struct ir_node *n = &g->node[i], *q = i + 1 < end ? &g->node[i + 1] : NULL;
	accel_conv2d c;
	accel_pooling p;
	accel_status st;
	uint32_t tiles;
	int v;

	*used = 0;
	if (!e->tile_bytes || !e->sram_off || !q || n->kind != OP_CONV ||
	    n->target != IR_TARGET_DEVICE || (q->kind != OP_MAXPOOL && q->kind != OP_AVGPOOL) ||
	    q->target != IR_TARGET_DEVICE)
		return ACCEL_OK;
	v = plan_root(g, n->out[0]);
	if (plan_root(g, q->in[0]) != v || ir_use_count(g, n->out[0]) != 1 ||
	    (g->val[v].flags & IR_VAL_OUTPUT) || e->sram_off[v] != PLAN_SRAM_NONE)
		return ACCEL_OK;	/* the conv output is read elsewhere, or on chip */
	st = lower_conv_cmd(e, n, &c);
	if (!st)
		st = lower_pool_cmd(e, q, &p);
	if (st)
		return st;
	if (p.pad_top || p.pad_left || p.pad_bottom || p.pad_right ||
	    p.stride_h != p.kernel_h || p.stride_w != p.kernel_w || !same_dims(&c.output, &p.input))
		return ACCEL_OK;	/* overlapping or padded windows: not fused */
	/* the pair runs interleaved: the pooling's output must not reuse the
	 * storage of what later conv tiles still read (the plan let the two
	 * share it, their lives being disjoint node by node) */
	if (overlaps(&p.output, &c.input) ||
	    ((c.epi.flags & ACCEL_EPI_RESIDUAL) && overlaps(&p.output, &c.epi.residual)))
		return ACCEL_OK;
	st = tile_conv_pool(cb, &c, &p, e->tile_base, e->tile_bytes, &tiles);
	if (!st && tiles)
		*used = 2;
	return st;
}

accel_status lower_emit_conv2d(const struct lower_env *e, accel_cmdbuf *cb, const accel_conv2d *c)
{
	uint32_t tiles = 0;
	accel_status st;

	if (e->tile_bytes && (!in_sram(&c->input) || !in_sram(&c->output))) {
		st = tile_conv2d(cb, c, e->tile_base, e->tile_bytes, &tiles);
		if (st || tiles)
			return st;
	}
	return accel_cmd_conv2d(cb, c);
}

accel_status lower_emit_gemm(const struct lower_env *e, accel_cmdbuf *cb, const accel_gemm *p)
{
	uint32_t tiles = 0;
	accel_status st;

	if (e->tile_bytes && (!in_sram(&p->a) || !in_sram(&p->c))) {
		st = tile_gemm(cb, p, e->tile_base, e->tile_bytes, &tiles);
		if (st || tiles)
			return st;
	}
	return accel_cmd_gemm(cb, p);
}
