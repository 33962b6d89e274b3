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
#include "snpu_fw.h"

/* Run cb; bufs[0..n) are every buffer it references. Table activations
 * (int8/fp16 sigmoid, tanh, softmax's exp) use the firmware's tables from
 * the image the sim device boots (ACCEL_FIRMWARE, else ACCEL_FW_SEARCH),
 * through the device's own functions (uapi/snpu_act.h). */
accel_status interp_run(const accel_cmdbuf *cb, accel_buffer *const *bufs, uint32_t n);

/* Those tables (loaded once per process), or an error naming why not. */
accel_status interp_tables(const struct snpu_fw_lut *const **lut, const uint32_t *const **samples);

#endif /* MODEL_INTERP_H */
