/* SPDX-License-Identifier: MIT */
/* Private helpers of the CPU reference: one operand staged as its byte span. */
#ifndef SNPU_REF_INTERNAL_H
#define SNPU_REF_INTERNAL_H

#include <stdint.h>
#include "snpu_ref.h"

struct ref_t {
	const struct snpu_tensor *t;
	uint8_t *buf;		/* the span [t->addr, t->addr + len) */
	uint64_t len;
	uint32_t esize;
};

struct ref_ctx {
	const struct snpu_ref_mem *m;
	char *msg;
	size_t msglen;
};

int ref_fail(struct ref_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read t's span (inputs and outputs: outputs are read-modify-written). */
int ref_load(struct ref_ctx *c, const struct snpu_tensor *t, struct ref_t *r);
/* Write an output's span back. */
int ref_store(struct ref_ctx *c, const struct ref_t *r);
void ref_free(struct ref_t *r);

/* Element access; an axis of dim 1 broadcasts (index ignored). */
float ref_getf(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3);
void ref_setf(struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3, float v);
int32_t ref_geti(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3);
void ref_seti(struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3, int32_t v);
/* Raw element bytes (move/pad). */
uint8_t *ref_elem(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3);

float ref_scale(const struct snpu_tensor *t);

/* Commands. */
int ref_conv2d(struct ref_ctx *c, const struct snpu_cmd_conv2d *cmd);
int ref_gemm(struct ref_ctx *c, const struct snpu_cmd_gemm *cmd);
int ref_pool(struct ref_ctx *c, const struct snpu_cmd_pool *cmd);
int ref_eltwise(struct ref_ctx *c, const struct snpu_cmd_eltwise *cmd);
int ref_activation(struct ref_ctx *c, const struct snpu_cmd_activation *cmd);
int ref_softmax(struct ref_ctx *c, const struct snpu_cmd_softmax *cmd);
int ref_move(struct ref_ctx *c, const struct snpu_cmd_move *cmd);
int ref_pad(struct ref_ctx *c, const struct snpu_cmd_pad *cmd);
int ref_convert(struct ref_ctx *c, const struct snpu_cmd_convert *cmd);

#endif /* SNPU_REF_INTERNAL_H */
