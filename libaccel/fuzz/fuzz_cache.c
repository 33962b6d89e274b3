// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the compiled-model cache loader (model/cache.c). The
 * harness fixes the header's payload size and checksum before decoding, so
 * the fuzzer explores the payload's structure rather than the checksum; a
 * decoded graph and plan are then encoded again and decoded once more (a
 * round trip must succeed). Any input must give ACCEL_OK or an error with
 * a message; ASan/UBSan report the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "model/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 1);
	struct ir_graph g, g2;
	struct plan p, p2;
	struct cache_key key;
	accel_status st;
	void *enc;
	size_t n;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (size >= 64 && (size & 1)) {	/* odd sizes: a valid envelope */
		uint64_t ps = size - 64, sum = fnv(buf + 64, size - 64);

		memcpy(buf + 48, &ps, 8);
		memcpy(buf + 56, &sum, 8);
	}
	ir_init(&g, "fuzz.snpuc");
	st = cache_decode(buf, size, NULL, &g, &p);
	if (st && !accel_last_error()[0])
		abort();	/* every failure has a message */
	if (!st) {
		memset(&key, 0, sizeof(key));
		if (size >= 64)
			memcpy(key.k, buf + 16, sizeof(key.k));
		if (cache_encode(&g, &p, &key, &enc, &n))
			abort();
		ir_init(&g2, "fuzz.snpuc");
		if (cache_decode(enc, n, &key, &g2, &p2))
			abort();	/* what we wrote, we read */
		free(enc);
		ir_free(&g2);
		plan_free(&p2);
	}
	ir_free(&g);
	plan_free(&p);
	free(buf);
	return 0;
}
