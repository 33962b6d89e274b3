/* SPDX-License-Identifier: MIT */
/*
 * Lowering: a plan step into a command stream, through libaccel's one
 * encoder (accel_cmd_*). Every construction of an accel_* command struct
 * of the model path lives in lower.c.
 */
#ifndef MODEL_LOWER_H
#define MODEL_LOWER_H

#include "accel/accel.h"
#include "ir.h"
#include "plan.h"

/* The buffers a plan is bound to on one device. */
struct lower_env {
	const struct ir_graph *g;
	const struct plan *p;
	accel_buffer *weights;		/* the weights image (read-only) */
	accel_buffer *arena;		/* intermediate tensors */
	accel_buffer *const *in;	/* per graph input: pinned host buffer */
	accel_buffer *const *out;	/* per graph output */
	const uint64_t *in_off, *out_off;	/* optional: byte offset of each graph
						 * input/output in its buffer (0) */
	bool arena_sram;		/* the arena at offset 0 of the SRAM scratchpad */
	accel_buffer *timestamps;	/* optional: 16 bytes per node, TIMESTAMP after each */
	bool io_stamps;			/* and 3 more (n_node + 3 records): the step's
					 * start, after the input DMA, after the
					 * output DMA (profile.h) */
	/* split SRAM plan (plan_sram.c): arena values with sram_off[v] !=
	 * PLAN_SRAM_NONE live at that SRAM offset, the others in the arena
	 * buffer; conv/gemm with an operand outside SRAM are tiled through
	 * [tile_base, tile_base + tile_bytes) of the SRAM (lower_tile.c) */
	const uint64_t *sram_off;
	uint64_t tile_base, tile_bytes;
};

/* Emit a conv2d / gemm built by lower.c: as is, or tiled through the
 * SRAM tile region with double-buffered DMA when an operand is outside
 * SRAM (lower_tile.c). */
accel_status lower_emit_conv2d(const struct lower_env *e, accel_cmdbuf *cb, const accel_conv2d *c);
accel_status lower_emit_gemm(const struct lower_env *e, accel_cmdbuf *cb, const accel_gemm *p);

/* The commands lower.c builds for a conv / pooling node. */
accel_status lower_conv_cmd(const struct lower_env *e, const struct ir_node *n, accel_conv2d *c);
accel_status lower_pool_cmd(const struct lower_env *e, const struct ir_node *n, accel_pooling *p);

/* Node i (< end) and its successor lowered as one tiled pair when the
 * tiler fuses them (a conv2d whose DRAM output only a max/avg pooling
 * with kernel = stride reads: the conv output tiles stay in SRAM);
 * *used = nodes lowered (0: none, the caller lowers node i). */
accel_status lower_fused(const struct lower_env *e, uint32_t i, uint32_t end, accel_cmdbuf *cb,
			 uint32_t *used);
/* The tiler of that pair: p reads exactly c's output (see lower_fused). */
accel_status tile_conv_pool(accel_cmdbuf *cb, const accel_conv2d *c, const accel_pooling *p,
			    uint64_t base, uint64_t bytes, uint32_t *tiles);

/* The tiler itself: the command's operands outside SRAM are staged in
 * tiles through [base, base + bytes) of the SRAM. *tiles = 0 when the
 * command cannot be tiled in that space (nothing emitted). */
accel_status tile_conv2d(accel_cmdbuf *cb, const accel_conv2d *c, uint64_t base, uint64_t bytes,
			 uint32_t *tiles);
accel_status tile_gemm(accel_cmdbuf *cb, const accel_gemm *p, uint64_t base, uint64_t bytes,
		       uint32_t *tiles);

/* Record step s of the plan into cb: the first step starts by copying the
 * inputs into the arena, the last ends by copying the outputs out. */
accel_status lower_step(const struct lower_env *e, uint32_t s, accel_cmdbuf *cb);

#endif /* MODEL_LOWER_H */
