/* SPDX-License-Identifier: MIT */
/*
 * The compiled-model cache (accel_model_options.cache_dir): the compiled
 * graph (after passes, placement and precision: quantization parameters,
 * int8/fp16 weights, requantization tables) and its memory plan,
 * serialised to <cache_dir>/<key>.snpuc. The key hashes the model's bytes,
 * its external data files' bytes, the calibration data's bytes, the device
 * configuration the compile depended on, the options and the library/format
 * versions; a second load with the same key skips the compile (the
 * command streams are lowered again at bind, which is cheap and
 * device-specific).
 *
 * File: a fixed header (magic, format version, header size, key, payload
 * size, payload checksum) then the payload. The loader trusts nothing:
 * every count, index, size and string is checked, then the graph and the
 * plan go through ir_verify() and plan_verify(); a stale, truncated,
 * corrupted or foreign file is rejected with the reason, and the caller
 * recompiles and rewrites it.
 */
#ifndef MODEL_CACHE_H
#define MODEL_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "accel/accel.h"
#include "accel/model.h"
#include "ir.h"
#include "plan.h"

#define CACHE_KEY_BYTES 32

struct cache_key {
	uint8_t k[CACHE_KEY_BYTES];
};

/* The key of a compile: model bytes, the bytes the import reads from its
 * external data files (relative to base_dir; a missing or short file is
 * the import's error, source names the model in it), calibration data,
 * device config (info of the first device, capabilities of all), options. */
accel_status cache_key(const void *model, size_t size, const char *source, const char *base_dir,
		       const accel_model_options *o, const accel_device_info *info, uint32_t caps,
		       struct cache_key *key);
/* <dir>/<hex key>.snpuc (malloc'd). */
char *cache_path(const char *dir, const struct cache_key *key);

/* Serialise g and p; *out is malloc'd. */
accel_status cache_encode(const struct ir_graph *g, const struct plan *p,
			  const struct cache_key *key, void **out, size_t *size);
/* Parse a cache file's bytes into g (ir_init'ed by the caller) and p; the
 * key must match (key NULL: any). Errors name the reason; g and p are
 * left for the caller to free. */
accel_status cache_decode(const void *data, size_t size, const struct cache_key *key,
			  struct ir_graph *g, struct plan *p);

/* Read/write a file (write: temporary + rename, so readers never see half). */
accel_status cache_read_file(const char *path, void **data, size_t *size);
accel_status cache_write_file(const char *path, const void *data, size_t size);

#endif /* MODEL_CACHE_H */
