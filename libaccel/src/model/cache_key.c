// SPDX-License-Identifier: MIT
/* The compiled-model cache's key and file name (cache.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "accel/version.h"
#include "cache.h"
#include "onnx_import.h"
#include "prec.h"

#define CACHE_KEY_VERSION 2u

/* ---- key: four FNV-1a lanes with different seeds (identity, not security) */
struct hasher {
	uint64_t h[4];
};

static void h_init(struct hasher *h)
{
	static const uint64_t seed[4] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull,
					  0x9e3779b97f4a7c15ull, 0xd6e8feb86659fd93ull };

	memcpy(h->h, seed, sizeof(seed));
}

static void h_bytes(struct hasher *h, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t i;
	int l;

	for (i = 0; i < n; i++)
		for (l = 0; l < 4; l++)
			h->h[l] = (h->h[l] ^ (uint64_t)(p[i] + l)) * 0x100000001b3ull;
}

static void h_u64(struct hasher *h, uint64_t v)
{
	h_bytes(h, &v, sizeof(v));
}

static void h_str(struct hasher *h, const char *s)
{
	h_u64(h, s ? strlen(s) : UINT64_MAX);
	if (s)
		h_bytes(h, s, strlen(s));
}

static void h_cb(void *ctx, const void *data, size_t n)
{
	h_bytes(ctx, data, n);
}

/* An external data tensor: its size, then its bytes. */
static void h_ext(void *ctx, const void *data, size_t n)
{
	h_u64(ctx, n);
	h_bytes(ctx, data, n);
}

static accel_status h_calibration(struct hasher *h, const char *path)
{
	void *data;
	size_t size;
	accel_status st;

	if (!path) {
		h_u64(h, 0);
		return ACCEL_OK;
	}
	/* a file: its bytes; a directory: every .npy in name order (calib.c's
	 * order), each with its name */
	st = cache_read_file(path, &data, &size);
	if (!st) {
		h_bytes(h, data, size);
		free(data);
		return ACCEL_OK;
	}
	return calib_hash_dir(path, h_cb, h);
}

accel_status cache_key(const void *model, size_t size, const char *source, const char *base_dir,
		       const accel_model_options *o, const accel_device_info *info, uint32_t caps,
		       struct cache_key *key)
{
	struct hasher h;
	accel_status st;
	int l;

	h_init(&h);
	h_str(&h, "snpu model cache");
	h_u64(&h, CACHE_KEY_VERSION);
	h_u64(&h, ACCEL_VERSION_MAJOR << 16 | ACCEL_VERSION_MINOR << 8 | ACCEL_VERSION_PATCH);
	h_u64(&h, size);
	h_bytes(&h, model, size);
	/* the external data files' bytes the import reads (the model's bytes
	 * above hold their locations, offsets and lengths) */
	st = onnx_external_data(model, size, source, base_dir, h_ext, &h);
	if (st)
		return st;
	/* device configuration the compile depends on */
	h_u64(&h, caps);
	h_u64(&h, info->hw_version);
	h_u64(&h, info->hw_caps);
	h_u64(&h, info->fw_version);
	h_u64(&h, info->fw_api);
	h_u64(&h, info->sram_size);
	h_u64(&h, (uint64_t)info->mac_rows << 32 | info->mac_cols);
	h_u64(&h, info->clock_mhz);
	h_u64(&h, (uint64_t)info->dram_bw << 32 | info->sram_bw);
	h_u64(&h, (uint64_t)info->pcie_bw << 32 | info->cmd_overhead);
	/* options that change the compiled plan (not max_inflight, priority,
	 * the scheduler, the cache dir, or the profile flag: lowered at bind) */
	h_u64(&h, o->flags & ~ACCEL_MODEL_PROFILE);
	h_u64(&h, o->batch ? o->batch : 1);
	h_u64(&h, (uint64_t)o->precision);
	h_u64(&h, o->calibration_method);
	h_bytes(&h, &o->percentile, sizeof(o->percentile));
	h_bytes(&h, &o->max_error, sizeof(o->max_error));
	if (o->precision == ACCEL_PRECISION_INT8 || o->precision == ACCEL_PRECISION_MIXED) {
		uint32_t i;

		st = h_calibration(&h, o->calibration);
		/* per input: its name, then its data */
		h_u64(&h, o->n_calibration_inputs);
		for (i = 0; !st && i < o->n_calibration_inputs; i++) {
			h_str(&h, o->calibration_inputs[i].name);
			st = h_calibration(&h, o->calibration_inputs[i].path);
		}
		if (st)
			return st;
	}
	for (l = 0; l < 4; l++)
		memcpy(key->k + 8 * l, &h.h[l], 8);
	return ACCEL_OK;
}

char *cache_path(const char *dir, const struct cache_key *key)
{
	char *p = malloc(strlen(dir) + 2 * CACHE_KEY_BYTES + 16);
	size_t n;
	int i;

	if (!p)
		return NULL;
	n = (size_t)sprintf(p, "%s/", dir);
	for (i = 0; i < CACHE_KEY_BYTES; i++)
		n += (size_t)sprintf(p + n, "%02x", key->k[i]);
	strcpy(p + n, ".snpuc");
	return p;
}

