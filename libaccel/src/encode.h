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

#endif /* ACCEL_ENCODE_H */
