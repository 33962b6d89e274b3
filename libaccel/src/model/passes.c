// SPDX-License-Identifier: MIT
/* The pass pipeline. */
#include "ops.h"
#include "passes.h"
#include "shape.h"

accel_status passes_run(struct ir_graph *g, bool no_fusion, struct pass_log *log)
{
	accel_status st;

	st = pass_qdq(g, log);
	if (!st)
		st = ops_resolve(g);
	if (!st)
		st = pass_variadic(g, log);
	if (!st)
		st = ir_compact(g);
	if (!st)
		st = pass_fold(g, log);
	if (!st)
		st = pass_views(g, log);
	if (!st)
		st = pass_bn(g, log);
	if (!st)
		st = pass_decompose(g, log);
	/* new nodes go in order and get their shapes before fusion looks */
	if (!st)
		st = ir_compact(g);
	if (!st)
		st = shape_infer(g);
	if (!st && !no_fusion)
		st = pass_fuse(g, log);
	if (!st)
		st = pass_dce(g, log);
	if (!st)
		st = ir_compact(g);
	if (!st)
		st = shape_infer(g);
	if (!st)
		st = ir_verify(g);
	return st;
}
