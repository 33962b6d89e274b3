// SPDX-License-Identifier: MIT
/*
 * The ONNX importer on malformed and unsupported models: each kind gets
 * ACCEL_ERR_MODEL and one message naming the file, the node, the op and
 * the reason (under ASan: nothing leaks, nothing crashes). Models are
 * built with the generated protobuf-c structs (onnx_build.h) and packed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "onnx_build.h"

/* x[4] -> (nodes the case adds) -> y, opset 13. */
static struct ob *base(void)
{
	struct ob *b = ob_new(13);

	ob_input(b, "x", 1, (int64_t[]){ 4 });
	ob_output(b, "y");
	return b;
}

static const float four[4] = { 1, 2, 3, 4 };

/* Pack and load; expect `want`, and every needle in the message. */
static void expect(struct ob *b, size_t truncate, accel_status want, const char *const *needles)
{
	size_t size, i;
	uint8_t *buf = ob_pack(b, &size);
	accel_device *dev = tu_open();
	accel_model *m = NULL;
	accel_status st;

	if (truncate)
		size = truncate;
	st = accel_model_load_memory(dev, buf, size, "built.onnx", "/tmp", NULL, &m);
	ck_assert_msg(st == want, "status %s (%s), expected %s", accel_strerror(st),
		      accel_last_error(), accel_strerror(want));
	ck_assert(!m);
	for (i = 0; needles[i]; i++)
		ck_assert_msg(strstr(accel_last_error(), needles[i]), "'%s' not in \"%s\"", needles[i],
			      accel_last_error());
	printf("  %s\n", accel_last_error());
	free(buf);
	ob_free(b);
	accel_close(dev);
}

START_TEST(test_valid_relu)
{
	static float x[4] = { -1, 2, -3, 4 };
	const float *ins[] = { x };
	float y[4], *outs[] = { y };
	accel_device *dev = tu_open();
	struct ob *b = base();
	accel_model *m;
	uint8_t *buf;
	size_t size;

	ob_node(b, "Relu", "r", "x", "y");
	buf = ob_pack(b, &size);
	ob_free(b);
	ck_accel(accel_model_load_memory(dev, buf, size, "built.onnx", NULL, NULL, &m));
	ck_accel(accel_model_run(m, 1, ins, outs));
	ck_assert(y[0] == 0 && y[1] == 2 && y[2] == 0 && y[3] == 4);
	accel_model_free(m);
	free(buf);
	accel_close(dev);
}
END_TEST

START_TEST(test_truncated)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "truncated", NULL };

	ob_node(b, "Relu", "r", "x", "y");
	expect(b, 17, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_wrong_types)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "different types", NULL };

	ob_init_i64(b, "w", 4, (int64_t[]){ 1, 2, 3, 4 });
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_cycle)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "cycle", NULL };

	ob_node(b, "Add", "a", "x,t2", "t1");
	ob_node(b, "Relu", "b", "t1", "t2");
	ob_node(b, "Relu", "c", "t2", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_missing_initializer)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "'w'", NULL };

	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_missized_initializer)
{
	struct ob *b = base();
	Onnx__TensorProto *t;
	const char *n[] = { "built.onnx", "initializer 'w'", "raw_data has 12 bytes", NULL };

	t = ob_init_f32(b, "w", 1, (int64_t[]){ 4 }, four);
	t->raw_data.len = 12;
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_overflowing_dims)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "initializer 'w'", "overflow", NULL };

	ob_init_f32(b, "w", 0, NULL, four)->n_dims = 0;
	{
		Onnx__TensorProto *t = ob_model(b)->graph->initializer[0];
		static int64_t big[2] = { 1ll << 30, 1ll << 30 };

		t->dims = big;	/* owned by the builder no more: static */
		t->n_dims = 2;
	}
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_negative_dim)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "initializer 'w'", "absurd", NULL };

	ob_init_f32(b, "w", 1, (int64_t[]){ 4 }, four)->dims[0] = -4;
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_unknown_opset)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "unknown opset 99", NULL };

	ob_model(b)->opset_import[0]->version = 99;
	ob_node(b, "Relu", "r", "x", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_unknown_op)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "'f'", "(Frobnicate)", "not supported", NULL };

	ob_node(b, "Frobnicate", "f", "x", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_shape_mismatch)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "broadcast", NULL };

	ob_init_f32(b, "w", 1, (int64_t[]){ 3 }, four);
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_output_not_produced)
{
	struct ob *b = base();
	const char *n[] = { "built.onnx", "'y'", NULL };

	ob_node(b, "Relu", "r", "x", "z");
	expect(b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_external_data_escape)
{
	struct ob *b = base();
	Onnx__TensorProto *t;
	Onnx__StringStringEntryProto loc, *locs[1];
	const char *n[] = { "built.onnx", "initializer 'w'", "leaves the model's directory", NULL };

	t = ob_init_f32(b, "w", 1, (int64_t[]){ 4 }, four);
	onnx__string_string_entry_proto__init(&loc);
	loc.key = (char *)"location";
	loc.value = (char *)"../../etc/passwd";
	locs[0] = &loc;
	t->has_raw_data = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = 1;
	t->external_data = locs;
	ob_node(b, "Add", "add1", "x,w", "y");
	expect(b, 0, ACCEL_ERR_MODEL, n);	/* frees b; the entries above are not its */
}
END_TEST

START_TEST(test_missing_file)
{
	accel_device *dev = tu_open();
	accel_model *m = NULL;

	ck_accel_err(accel_model_load_file(dev, "/nonexistent/model.onnx", NULL, &m),
		     ACCEL_ERR_NOT_FOUND);
	ck_assert(!m);
	accel_close(dev);
}
END_TEST

/* Every input the fuzzer found a crash with loads cleanly: OK, or an error
 * with a message (tests/models/fuzz/). */
START_TEST(test_fuzz_regressions)
{
	const char *dir = MODEL_TEST_DIR "/fuzz";
	accel_device *dev = tu_open();
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_msg(d, "%s", dir);
	while ((de = readdir(d))) {
		char path[1024];
		accel_model *m = NULL;
		accel_status st;

		if (!strstr(de->d_name, ".onnx"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		st = accel_model_load_file(dev, path, NULL, &m);
		ck_assert_msg(st == ACCEL_OK || accel_last_error()[0], "%s: no message", path);
		printf("  %s: %s\n", de->d_name, st ? accel_last_error() : "ok");
		accel_model_free(m);
		n++;
	}
	closedir(d);
	ck_assert_int_gt(n, 0);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_import");
	TCase *tc = tcase_create("import");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_add_test(tc, test_valid_relu);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_cycle);
	tcase_add_test(tc, test_missing_initializer);
	tcase_add_test(tc, test_missized_initializer);
	tcase_add_test(tc, test_overflowing_dims);
	tcase_add_test(tc, test_negative_dim);
	tcase_add_test(tc, test_unknown_opset);
	tcase_add_test(tc, test_unknown_op);
	tcase_add_test(tc, test_shape_mismatch);
	tcase_add_test(tc, test_output_not_produced);
	tcase_add_test(tc, test_external_data_escape);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_fuzz_regressions);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
