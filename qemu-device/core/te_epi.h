/* SPDX-License-Identifier: MIT */
/* Fused epilogue of conv2d/gemm (te_epi.c). */
#ifndef SNPU_TE_EPI_H
#define SNPU_TE_EPI_H

#include "te_internal.h"

struct te_epi {
	const struct snpu_epilogue *e;
	const struct snpu_tensor *out;
	uint32_t ch_axis;	/* 1: conv (N,O,H,W), 3: gemm (.., M, N) */
	int s8;
	void *bias;		/* int32[nch] or float[nch] */
	struct snpu_requant *rq;	/* per channel */
	struct te_view res;
	int has_res;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	int8_t table[256];
	int use_table;
	int32_t lo, hi;
};

enum snpu_err te_epi_init(struct te_cmd *c, const struct snpu_epilogue *e,
			  const struct snpu_tensor *out, uint32_t nch, uint32_t ch_axis,
			  struct te_epi *p);
/* out: dense view of the output (fp32 for fp types, int8); acc: float
 * (may be out->data) or int32, dense in out's logical order. */
void te_epi_apply(struct te_cmd *c, const struct te_epi *p, const void *acc,
		  struct te_view *out);
void te_epi_free(struct te_epi *p);

#endif /* SNPU_TE_EPI_H */
