/* SPDX-License-Identifier: MIT */
/*
 * The CPU reference backend of the model path: runs a lowered command
 * stream on the host, each tensor command through the per-command CPU
 * reference (src/ref/, one definition per op), DMA commands as copies.
 * Buffers are reached through their CPU mappings, in place.
 */
#ifndef MODEL_INTERP_H
#define MODEL_INTERP_H

#include "accel/accel.h"

/* Run cb; bufs[0..n) are every buffer it references. */
accel_status interp_run(const accel_cmdbuf *cb, accel_buffer *const *bufs, uint32_t n);

#endif /* MODEL_INTERP_H */
