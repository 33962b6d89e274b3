// SPDX-License-Identifier: MIT
/*
 * The ONNX importer on malformed and unsupported models: each kind gets
 * ACCEL_ERR_MODEL and one message naming the file, the node, the op and
 * the reason (under ASan: nothing leaks, nothing crashes). Models are
 * built here with the generated protobuf-c structs and packed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "onnx/onnx.pb-c.h"

#define MAXN 8

/* A small model: y = Op(x, w...) chains, built field by field. */
struct mb {
	Onnx__ModelProto m;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto opset, *opsets[1];
	Onnx__NodeProto node[MAXN], *nodes[MAXN];
	char *node_in[MAXN][3], *node_out[MAXN][1];
	Onnx__TensorProto init[MAXN], *inits[MAXN];
	int64_t init_dims[MAXN][4];
	Onnx__ValueInfoProto vi[2], *in[1], *out[1];
	Onnx__TypeProto tp[2];
	Onnx__TypeProto__Tensor tt[2];
	Onnx__TensorShapeProto sh[2];
	Onnx__TensorShapeProto__Dimension dim[2][4], *dims[2][4];
	float data[64];
};

static void mb_io(struct mb *b, int k, const char *name, int64_t n)
{
	onnx__value_info_proto__init(&b->vi[k]);
	onnx__type_proto__init(&b->tp[k]);
	onnx__type_proto__tensor__init(&b->tt[k]);
	onnx__tensor_shape_proto__init(&b->sh[k]);
	onnx__tensor_shape_proto__dimension__init(&b->dim[k][0]);
	b->dim[k][0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
	b->dim[k][0].dim_value = n;
	b->dims[k][0] = &b->dim[k][0];
	b->sh[k].n_dim = 1;
	b->sh[k].dim = b->dims[k];
	b->tt[k].has_elem_type = 1;
	b->tt[k].elem_type = 1;
	b->tt[k].shape = &b->sh[k];
	b->tp[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	b->tp[k].tensor_type = &b->tt[k];
	b->vi[k].name = (char *)name;
	b->vi[k].type = &b->tp[k];
}

/* x[4] -> Relu -> y[4], opset 13. */
static void mb_init(struct mb *b)
{
	memset(b, 0, sizeof(*b));
	onnx__model_proto__init(&b->m);
	onnx__graph_proto__init(&b->g);
	onnx__operator_set_id_proto__init(&b->opset);
	b->opset.domain = (char *)"";
	b->opset.has_version = 1;
	b->opset.version = 13;
	b->opsets[0] = &b->opset;
	b->m.n_opset_import = 1;
	b->m.opset_import = b->opsets;
	b->m.has_ir_version = 1;
	b->m.ir_version = 8;
	b->m.graph = &b->g;
	mb_io(b, 0, "x", 4);
	mb_io(b, 1, "y", 4);
	b->in[0] = &b->vi[0];
	b->out[0] = &b->vi[1];
	b->g.n_input = 1;
	b->g.input = b->in;
	b->g.n_output = 1;
	b->g.output = b->out;
	b->g.node = b->nodes;
	b->g.initializer = b->inits;
}

static Onnx__NodeProto *mb_node(struct mb *b, const char *op, const char *name, const char *in0,
				const char *in1, const char *out)
{
	size_t k = b->g.n_node++;
	Onnx__NodeProto *n = &b->node[k];

	onnx__node_proto__init(n);
	n->op_type = (char *)op;
	n->name = (char *)name;
	b->node_in[k][0] = (char *)in0;
	b->node_in[k][1] = (char *)in1;
	n->n_input = in1 ? 2 : 1;
	n->input = b->node_in[k];
	b->node_out[k][0] = (char *)out;
	n->n_output = 1;
	n->output = b->node_out[k];
	b->nodes[k] = n;
	return n;
}

static Onnx__TensorProto *mb_init_f32(struct mb *b, const char *name, int64_t n)
{
	size_t k = b->g.n_initializer++;
	Onnx__TensorProto *t = &b->init[k];

	onnx__tensor_proto__init(t);
	t->name = (char *)name;
	t->has_data_type = 1;
	t->data_type = 1;
	b->init_dims[k][0] = n;
	t->n_dims = 1;
	t->dims = b->init_dims[k];
	t->has_raw_data = 1;
	t->raw_data.data = (uint8_t *)b->data;
	t->raw_data.len = (size_t)n * sizeof(float);
	b->inits[k] = t;
	return t;
}

/* Pack and load; expect `want`, and every needle in the message. */
static void expect(struct mb *b, size_t truncate, accel_status want, const char *const *needles)
{
	size_t size = onnx__model_proto__get_packed_size(&b->m), i;
	uint8_t *buf = malloc(size + 1);
	accel_device *dev = tu_open();
	accel_model *m = NULL;
	accel_status st;

	ck_assert(buf);
	onnx__model_proto__pack(&b->m, buf);
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
	accel_close(dev);
}

START_TEST(test_valid_relu)
{
	static float x[4] = { -1, 2, -3, 4 };
	const float *ins[] = { x };
	float y[4], *outs[] = { y };
	accel_device *dev = tu_open();
	accel_model *m;
	struct mb b;
	uint8_t *buf;
	size_t size;

	mb_init(&b);
	mb_node(&b, "Relu", "r", "x", NULL, "y");
	size = onnx__model_proto__get_packed_size(&b.m);
	buf = malloc(size);
	onnx__model_proto__pack(&b.m, buf);
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
	struct mb b;
	const char *n[] = { "built.onnx", "truncated", NULL };

	mb_init(&b);
	mb_node(&b, "Relu", "r", "x", NULL, "y");
	expect(&b, 17, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_wrong_types)
{
	struct mb b;
	Onnx__TensorProto *t;
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "different types", NULL };

	mb_init(&b);
	t = mb_init_f32(&b, "w", 4);
	t->data_type = 7;	/* int64: 4 elements need 32 bytes */
	t->raw_data.len = 32;
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_cycle)
{
	struct mb b;
	const char *n[] = { "built.onnx", "cycle", NULL };

	mb_init(&b);
	mb_node(&b, "Add", "a", "x", "t2", "t1");
	mb_node(&b, "Relu", "b", "t1", NULL, "t2");
	mb_node(&b, "Relu", "c", "t2", NULL, "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_missing_initializer)
{
	struct mb b;
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "'w'", NULL };

	mb_init(&b);
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_missized_initializer)
{
	struct mb b;
	Onnx__TensorProto *t;
	const char *n[] = { "built.onnx", "initializer 'w'", "raw_data has 12 bytes", NULL };

	mb_init(&b);
	t = mb_init_f32(&b, "w", 4);
	t->raw_data.len = 12;
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_overflowing_dims)
{
	struct mb b;
	Onnx__TensorProto *t;
	const char *n[] = { "built.onnx", "initializer 'w'", "overflow", NULL };

	mb_init(&b);
	t = mb_init_f32(&b, "w", 4);
	b.init_dims[0][0] = 1ll << 30;
	b.init_dims[0][1] = 1ll << 30;
	t->n_dims = 2;
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_negative_dim)
{
	struct mb b;
	const char *n[] = { "built.onnx", "initializer 'w'", "absurd", NULL };

	mb_init(&b);
	mb_init_f32(&b, "w", 4);
	b.init_dims[0][0] = -4;
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_unknown_opset)
{
	struct mb b;
	const char *n[] = { "built.onnx", "unknown opset 99", NULL };

	mb_init(&b);
	b.opset.version = 99;
	mb_node(&b, "Relu", "r", "x", NULL, "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_unknown_op)
{
	struct mb b;
	const char *n[] = { "built.onnx", "'f'", "(Frobnicate)", "not supported", NULL };

	mb_init(&b);
	mb_node(&b, "Frobnicate", "f", "x", NULL, "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_shape_mismatch)
{
	struct mb b;
	const char *n[] = { "built.onnx", "'add1'", "(Add)", "broadcast", NULL };

	mb_init(&b);
	mb_init_f32(&b, "w", 3);
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_output_not_produced)
{
	struct mb b;
	const char *n[] = { "built.onnx", "'y'", NULL };

	mb_init(&b);
	mb_node(&b, "Relu", "r", "x", NULL, "z");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
}
END_TEST

START_TEST(test_external_data_escape)
{
	struct mb b;
	Onnx__TensorProto *t;
	Onnx__StringStringEntryProto loc, *locs[1];
	const char *n[] = { "built.onnx", "initializer 'w'", "leaves the model's directory", NULL };

	mb_init(&b);
	t = mb_init_f32(&b, "w", 4);
	onnx__string_string_entry_proto__init(&loc);
	loc.key = (char *)"location";
	loc.value = (char *)"../../etc/passwd";
	locs[0] = &loc;
	t->has_raw_data = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = 1;
	t->external_data = locs;
	mb_node(&b, "Add", "add1", "x", "w", "y");
	expect(&b, 0, ACCEL_ERR_MODEL, n);
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
