/* SPDX-License-Identifier: MIT */
/* The command encoder's private helpers (encode.c, cmdbuf.c). */
#ifndef ACCEL_ENCODE_H
#define ACCEL_ENCODE_H

#include "internal.h"

/* "gemm", "dma_copy"...; "unknown" for an undefined opcode. */
HIDDEN const char *accel__opcode_name(uint16_t opcode);

/* Append one command (header included, size a multiple of 8) and the
 * buffers it uses, all or nothing. */
HIDDEN accel_status accel__cmdbuf_append(accel_cmdbuf *cb, const void *cmd, size_t size,
					 const struct accel_bufref *refs, size_t nrefs);

struct snpu_cmd_header;

/* Explain why the shared validator refused command h (size bytes) with
 * err/why: which operand, axis and values (explain.c). */
HIDDEN void accel__explain(const struct snpu_cmd_header *h, uint32_t size, int err,
			   const char *why, char *out, size_t len);

#endif /* ACCEL_ENCODE_H */
