// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX importer through shape inference, the passes,
 * placement and the memory plan (everything before a device is needed).
 * Any input must give ACCEL_OK or an error with a message; ASan/UBSan
 * report the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "model/onnx_import.h"
#include "model/passes.h"
#include "model/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pass_log log = { 0 };
	struct ir_graph g;
	struct plan p;
	accel_status st;

	st = onnx_import(data, size, "fuzz.onnx", NULL, 2, &g);
	if (st) {
		if (!accel_last_error()[0])
			abort();	/* every failure has a message */
		return 0;
	}
	st = passes_run(&g, (size & 1) != 0, &log);
	if (!st)
		st = place_nodes(&g, ~0u, false);
	if (!st)
		st = pass_layout(&g, &log);
	if (!st) {
		st = plan_build(&g, &p);
		if (!st)
			plan_free(&p);
	}
	if (st && !accel_last_error()[0])
		abort();
	pass_log_free(&log);
	ir_free(&g);
	return 0;
}
