// SPDX-License-Identifier: MIT
/*
 * Pre-quantized models (pass_qdq.c) on "sim": tests/models/qdq/model.onnx
 * (QDQ, uint8 activations, per-channel int8 weights, int32 bias, in the
 * layout onnxruntime's quantize_static writes) and qlinear.onnx
 * (QLinearConv / QLinearMatMul / com.microsoft QLinearAdd, int8
 * activations), written by gen_qdq.py.
 *
 * - They run in int8 with the model's own scales: every computing node of
 *   the report is [int8], no calibration is asked for.
 * - The device's output equals the CPU int8 reference's bit for bit.
 * - Against onnxruntime's output (ort_*.npy, onnxruntime-node 1.30 CPU,
 *   which fuses the QDQ groups into QLinearConv/QLinearAdd/QGemm/...): every
 *   element within one quantization step of the output (output_scale) and
 *   at most 1 in 8 elements off at all. Why not bit-exact: onnxruntime
 *   requantizes with a float multiplier, the device with the Q31
 *   fixed-point multiplier and shift of accel/quant.h (TFLite's); where
 *   acc * multiplier lands on a rounding tie the two round to neighbouring
 *   int8 values, and one step in a hidden layer moves the output by at most
 *   about a step here (measured: the QDQ model 2 of 80 elements one step
 *   off at batch 8, the QLinear model 1 of 80).
 * - Malformed quantization fails at load with the node and the reason.
 *
 * The same source runs on "sim" on the host and, built with MODEL_TEST_DIR
 * /usr/share/snpu/models (the qdq files are guest data, libaccel/prec.mk),
 * on the drm backend in the guest through snpu.ko (tests/vm/52-models-qdq.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"
#include "onnx/onnx.pb-c.h"

static const char *const models[] = { "model", "qlinear" };
static const char *const batches[] = { "b1", "bN" };

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *data;
	long len;

	ck_assert_msg(f, "%s: cannot open", path);
	ck_assert(!fseek(f, 0, SEEK_END));
	len = ftell(f);
	ck_assert(len > 0 && !fseek(f, 0, SEEK_SET));
	data = malloc((size_t)len);
	ck_assert(data && fread(data, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	*size = (size_t)len;
	return data;
}

static Onnx__ModelProto *unpack_model(const char *name)
{
	char path[1024];
	Onnx__ModelProto *m;
	size_t size;
	void *data;

	snprintf(path, sizeof(path), "%s/qdq/%s.onnx", MODEL_TEST_DIR, name);
	data = read_all(path, &size);
	m = onnx__model_proto__unpack(NULL, size, data);
	free(data);
	ck_assert_msg(m, "%s: not an ONNX model", path);
	return m;
}

static Onnx__TensorProto *find_init(Onnx__ModelProto *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->graph->n_initializer; i++)
		if (!strcmp(m->graph->initializer[i]->name, name))
			return m->graph->initializer[i];
	ck_abort_msg("no initializer %s", name);
	return NULL;
}

static Onnx__NodeProto *find_node(Onnx__ModelProto *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->graph->n_node; i++)
		if (!strcmp(m->graph->node[i]->name, name))
			return m->graph->node[i];
	ck_abort_msg("no node %s", name);
	return NULL;
}

/* The model's output quantization step (the output_scale initializer). */
static float output_scale(const char *name)
{
	Onnx__ModelProto *m = unpack_model(name);
	Onnx__TensorProto *t = find_init(m, "output_scale");
	float s;

	ck_assert_uint_eq(t->raw_data.len, sizeof(float));
	memcpy(&s, t->raw_data.data, sizeof(s));
	onnx__model_proto__free_unpacked(m, NULL);
	return s;
}

struct run {
	float *out;
	size_t count;
	char report[8192];
	char device[64];
};

static const char *cache_dir;	/* set by test_cache */

static accel_status run_model(const void *data, size_t size, const char *name, uint32_t flags,
			      accel_precision prec, const char *calib, const accel_npy *in,
			      struct run *r)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	const float *ins[1] = { in->data };
	float *outs[1];
	accel_tensor_info info;
	accel_model *m;
	accel_status st;
	uint32_t i;

	opts.batch = (uint32_t)in->dim[0];
	opts.flags = flags;
	opts.precision = prec;
	opts.calibration = calib;
	opts.cache_dir = cache_dir;
	st = accel_model_load_memory(dev, data, size, name, NULL, &opts, &m);
	if (st) {
		accel_close(dev);
		return st;
	}
	ck_accel(accel_model_output_info(m, 0, &info));
	r->count = 1;
	for (i = 0; i < info.rank; i++)
		r->count *= info.dim[i];
	r->out = calloc(r->count, sizeof(float));
	ck_assert(r->out);
	outs[0] = r->out;
	ck_accel(accel_model_run(m, (uint32_t)in->dim[0], ins, outs));
	snprintf(r->report, sizeof(r->report), "%s", accel_model_report(m));
	snprintf(r->device, sizeof(r->device), "%s", accel_device_name(dev));
	accel_model_free(m);
	accel_close(dev);
	return ACCEL_OK;
}

/* Every computing node of the placement report is int8. */
static void assert_all_int8(const char *report)
{
	const char *l = strstr(report, "placement:\n");

	ck_assert(l);
	for (l = strchr(l, '\n'); l && l[1] == ' '; l = strchr(l + 1, '\n')) {
		const char *end = strchr(l + 1, '\n');
		char line[256];

		snprintf(line, sizeof(line), "%.*s", end ? (int)(end - l - 1) : 255, l + 1);
		/* the only fp32 node: the CONVERT that writes the float32 graph output */
		ck_assert_msg(strstr(line, "[int8]") || (strstr(line, "snpu.Convert") &&
			      strstr(line, "int8 -> float32")), "not int8: %s", line);
	}
	ck_assert_msg(strstr(report, "pre-quantized model: int8 with the model's own scales"),
		      "%s", report);
	ck_assert_msg(strstr(report, "0 fp32, 0 fp16,"), "%s", report);
}

START_TEST(test_run)
{
	const char *name = models[_i / 2], *b = batches[_i % 2];
	char path[1024];
	accel_npy in, ort;
	struct run dev, cpu, i8;
	float step = output_scale(name), worst = 0;
	size_t i, off = 0, size;
	void *data;

	snprintf(path, sizeof(path), "%s/qdq/%s.onnx", MODEL_TEST_DIR, name);
	data = read_all(path, &size);
	snprintf(path, sizeof(path), "%s/qdq/input_%s.npy", MODEL_TEST_DIR, b);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(path, sizeof(path), "%s/qdq/ort_%s_%s.npy", MODEL_TEST_DIR, name, b);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &ort));
	/* the default precision and an explicit int8 both take the model's scales;
	 * calibration data, when given, is not used */
	ck_accel(run_model(data, size, name, 0, ACCEL_PRECISION_FP32, NULL, &in, &dev));
	ck_accel(run_model(data, size, name, ACCEL_MODEL_CPU_ONLY, ACCEL_PRECISION_FP32, NULL, &in,
			   &cpu));
	snprintf(path, sizeof(path), "%s/qdq/calib.npy", MODEL_TEST_DIR);
	ck_accel(run_model(data, size, name, 0, ACCEL_PRECISION_INT8, path, &in, &i8));
	ck_assert_msg(strstr(i8.report, "the calibration data is not used"), "%s", i8.report);
	assert_all_int8(dev.report);
	assert_all_int8(cpu.report);
	/* every node on the device: the comparison below is device vs CPU */
	ck_assert_msg(strstr(dev.report, " device, 0 cpu, "), "%s", dev.report);
	ck_assert_msg(strstr(cpu.report, "(0 device, "), "%s", cpu.report);
	ck_assert_uint_eq(dev.count, ort.count);
	ck_assert_uint_eq(cpu.count, ort.count);
	ck_assert_msg(!memcmp(dev.out, cpu.out, dev.count * sizeof(float)),
		      "%s %s: device != CPU int8 reference", name, b);
	ck_assert_msg(!memcmp(dev.out, i8.out, dev.count * sizeof(float)),
		      "%s %s: precision int8 != default", name, b);
	printf("%s %s on %s: device == CPU int8 reference bit for bit\n", name, b, dev.device);
	for (i = 0; i < dev.count; i++) {
		float d = fabsf(dev.out[i] - ((const float *)ort.data)[i]);

		worst = d > worst ? d : worst;
		off += d > 0;
	}
	printf("%s %s: vs onnxruntime max |diff| %.7g = %.3f steps (step %.7g), %zu of %zu "
	       "elements differ\n", name, b, (double)worst, (double)(worst / step), (double)step,
	       off, dev.count);
	if (!strcmp(b, "bN")) {	/* the model's own int8 error, for the record */
		accel_npy fl;
		float e = 0, lo = INFINITY, hi = -INFINITY;

		snprintf(path, sizeof(path), "%s/qdq/float_%s_bN.npy", MODEL_TEST_DIR, name);
		ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &fl));
		ck_assert_uint_eq(fl.count, dev.count);
		for (i = 0; i < dev.count; i++) {
			float f = ((const float *)fl.data)[i], d = fabsf(dev.out[i] - f);

			e = d > e ? d : e;
			lo = f < lo ? f : lo;
			hi = f > hi ? f : hi;
		}
		printf("%s bN: int8 vs PyTorch fp32 max |diff| %.4g = %.1f %% of the fp32 output "
		       "range %.4g\n", name, (double)e, (double)(100 * e / (hi - lo)),
		       (double)(hi - lo));
		accel__npy_free(&fl);
	}
	ck_assert_msg(worst <= step * 1.0001f, "%s %s: %g from onnxruntime (> 1 step %g)", name,
		      b, (double)worst, (double)step);
	ck_assert_msg(off * 8 <= dev.count, "%s %s: %zu of %zu elements differ", name, b, off,
		      dev.count);
	free(dev.out);
	free(cpu.out);
	free(i8.out);
	free(data);
	accel__npy_free(&in);
	accel__npy_free(&ort);
}
END_TEST

/* The compiled-model cache holds the int8 plan: a second load hits and
 * gives the same output. */
START_TEST(test_cache)
{
	char dir[] = "/tmp/test_model_qdq.XXXXXX", path[1024], cmd[1100];
	struct run r[3];
	accel_npy in;
	size_t size;
	void *data;
	int k;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qdq/model.onnx", MODEL_TEST_DIR);
	data = read_all(path, &size);
	snprintf(path, sizeof(path), "%s/qdq/input_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	ck_accel(run_model(data, size, "model", 0, ACCEL_PRECISION_FP32, NULL, &in, &r[0]));
	cache_dir = dir;
	for (k = 1; k < 3; k++)
		ck_accel(run_model(data, size, "model", 0, ACCEL_PRECISION_FP32, NULL, &in, &r[k]));
	cache_dir = NULL;
	ck_assert_msg(strstr(r[1].report, "cache: wrote"), "%s", r[1].report);
	ck_assert_msg(strstr(r[2].report, "cache: hit"), "%s", r[2].report);
	for (k = 1; k < 3; k++) {
		ck_assert(!memcmp(r[0].out, r[k].out, r[0].count * sizeof(float)));
		free(r[k].out);
	}
	free(r[0].out);
	free(data);
	accel__npy_free(&in);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* fp16 and mixed do not apply to a quantized model. */
START_TEST(test_precision_refused)
{
	accel_precision p = _i ? ACCEL_PRECISION_MIXED : ACCEL_PRECISION_FP16;
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	char path[1024];
	accel_model *m;

	snprintf(path, sizeof(path), "%s/qdq/model.onnx", MODEL_TEST_DIR);
	opts.precision = p;
	opts.max_error = 0.01f;
	ck_accel_err(accel_model_load_file(dev, path, &opts, &m), ACCEL_ERR_MODEL);
	ck_assert_msg(strstr(accel_last_error(), "already quantized") &&
		      strstr(accel_last_error(), p == ACCEL_PRECISION_FP16 ? "fp16" : "mixed"),
		      "%s", accel_last_error());
	accel_close(dev);
}
END_TEST

/*
 * uint8 weights: with zero point 128 they are int8 weights shifted by 128,
 * exactly (q_u8 - 128 = q_i8): the model stays all int8 and its output is
 * the int8 model's bit for bit. With another zero point (asymmetric) the
 * device, whose weights are symmetric, cannot take them as given: that node
 * stays fp32 with the reason in the report, the rest runs in int8.
 */
START_TEST(test_uint8_weights)
{
	int zp = _i ? 130 : 128;
	Onnx__ModelProto *m = unpack_model("model");
	Onnx__TensorProto *w = find_init(m, "fc.weight_quantized");
	Onnx__TensorProto *z = find_init(m, "fc.weight_zero_point");
	accel_npy in;
	struct run r, ref;
	char path[1024];
	size_t i, size;
	void *buf;

	/* int8 q -> uint8 q + zp (130: clipped at 255; only the placement
	 * matters there) */
	for (i = 0; i < w->raw_data.len; i++) {
		int v = (int8_t)w->raw_data.data[i] + zp;

		w->raw_data.data[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
	w->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	for (i = 0; i < z->raw_data.len; i++)
		z->raw_data.data[i] = (uint8_t)zp;
	z->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	size = onnx__model_proto__get_packed_size(m);
	buf = malloc(size);
	ck_assert(buf);
	onnx__model_proto__pack(m, buf);
	onnx__model_proto__free_unpacked(m, NULL);
	snprintf(path, sizeof(path), "%s/qdq/input_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	ck_accel(run_model(buf, size, "u8w", 0, ACCEL_PRECISION_FP32, NULL, &in, &r));
	if (zp == 128) {
		void *orig;
		size_t osize;

		snprintf(path, sizeof(path), "%s/qdq/model.onnx", MODEL_TEST_DIR);
		orig = read_all(path, &osize);
		ck_accel(run_model(orig, osize, "model", 0, ACCEL_PRECISION_FP32, NULL, &in, &ref));
		assert_all_int8(r.report);
		ck_assert_uint_eq(r.count, ref.count);
		ck_assert_msg(!memcmp(r.out, ref.out, r.count * sizeof(float)),
			      "uint8 weights (zero point 128) != int8 weights");
		free(ref.out);
		free(orig);
	} else {
		ck_assert_msg(strstr(r.report, "the device's are symmetric: fp32"), "%s", r.report);
		ck_assert_msg(strstr(r.report, "1 fp32, 0 fp16, 6 int8"), "%s", r.report);
	}
	free(r.out);
	free(buf);
	accel__npy_free(&in);
}
END_TEST

/*
 * A node the model leaves in float stays fp32: without the QuantizeLinear /
 * DequantizeLinear pair on its output the final MatMul runs in fp32 (its
 * int8 input converted, its weights the dequantized constant), the rest in
 * int8; its output is within one step of the all-int8 model's (which rounds
 * it to the output's int8 grid).
 */
START_TEST(test_float_node)
{
	Onnx__ModelProto *m = unpack_model("model");
	Onnx__GraphProto *gp = m->graph;
	Onnx__NodeProto **all = malloc(gp->n_node * sizeof(*all));
	size_t i, k, n_all = gp->n_node, size, osize;
	char *saved, path[1024];
	Onnx__NodeProto *mm = find_node(m, "/MatMul");
	struct run r, ref;
	float step = output_scale("model");
	accel_npy in;
	void *buf, *orig;

	ck_assert(all);
	memcpy(all, gp->node, n_all * sizeof(*all));
	for (i = k = 0; i < n_all; i++)	/* drop the output's pair */
		if (strcmp(all[i]->name, "output_QuantizeLinear") &&
		    strcmp(all[i]->name, "output_DequantizeLinear"))
			gp->node[k++] = all[i];
	gp->n_node = k;
	ck_assert_uint_eq(k, n_all - 2);
	saved = mm->output[0];
	mm->output[0] = gp->output[0]->name;
	size = onnx__model_proto__get_packed_size(m);
	buf = malloc(size);
	ck_assert(buf);
	onnx__model_proto__pack(m, buf);
	mm->output[0] = saved;
	memcpy(gp->node, all, n_all * sizeof(*all));
	gp->n_node = n_all;
	free(all);
	onnx__model_proto__free_unpacked(m, NULL);
	snprintf(path, sizeof(path), "%s/qdq/input_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	ck_accel(run_model(buf, size, "float_node", 0, ACCEL_PRECISION_FP32, NULL, &in, &r));
	snprintf(path, sizeof(path), "%s/qdq/model.onnx", MODEL_TEST_DIR);
	orig = read_all(path, &osize);
	ck_accel(run_model(orig, osize, "model", 0, ACCEL_PRECISION_FP32, NULL, &in, &ref));
	ck_assert_msg(strstr(r.report, "output not quantized in the model: fp32"), "%s", r.report);
	ck_assert_msg(strstr(r.report, "1 node(s) it leaves in float stay fp32"), "%s", r.report);
	ck_assert_msg(strstr(r.report, "1 fp32, 0 fp16, 6 int8"), "%s", r.report);
	ck_assert_uint_eq(r.count, ref.count);
	for (i = 0; i < r.count; i++)
		ck_assert_msg(fabsf(r.out[i] - ref.out[i]) <= step, "[%zu] %g vs %g", i,
			      (double)r.out[i], (double)ref.out[i]);
	free(r.out);
	free(ref.out);
	free(buf);
	free(orig);
	accel__npy_free(&in);
}
END_TEST

/* Malformed quantization: the load fails naming the node and the reason. */
enum { BAD_NO_SCALE, BAD_SCALE_NOT_CONST, BAD_SCALE_ZERO, BAD_AXIS, BAD_ZP_TYPE,
       BAD_DQ_MISMATCH, BAD_QLINEAR_INPUT, BAD_COUNT };

START_TEST(test_malformed)
{
	static const char *const want[BAD_COUNT][2] = {
		[BAD_NO_SCALE] = { "node 'input_QuantizeLinear' (QuantizeLinear)",
				   "missing scale (input 1)" },
		[BAD_SCALE_NOT_CONST] = { "node 'input_DequantizeLinear' (DequantizeLinear)",
					  "scale 'input' is not a constant" },
		[BAD_SCALE_ZERO] = { "node 'input_QuantizeLinear' (QuantizeLinear)",
				     "scale 'input_scale'[0] is 0; it must be finite and > 0" },
		[BAD_AXIS] = { "node 'conv2a.weight_DequantizeLinear' (DequantizeLinear)",
			       "axis 1: 8 scales for a dimension of 4" },
		[BAD_ZP_TYPE] = { "node 'input_QuantizeLinear' (QuantizeLinear)",
				  "zero point 'input_zero_point' is float32; it must be uint8 or "
				  "int8" },
		[BAD_DQ_MISMATCH] = { "node '/conv2a/Conv_output_0_DequantizeLinear' "
				      "(DequantizeLinear)", "differ from the" },
		[BAD_QLINEAR_INPUT] = { "node '/conv1/Conv_quant' (QLinearConv)",
					"input 'input' is not a quantized tensor" },
	};
	Onnx__ModelProto *m = unpack_model(_i == BAD_QLINEAR_INPUT ? "qlinear" : "model");
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	float zero = 0.0f, f32zp[1] = { 0 };
	Onnx__TensorProto *t = NULL;
	Onnx__NodeProto *n = NULL;
	char *saved_in = NULL;
	uint32_t slot = 0;
	uint8_t *saved = NULL;
	size_t saved_len = 0, size;
	accel_model *am;
	void *buf;

	switch (_i) {
	case BAD_NO_SCALE:
		find_node(m, "input_QuantizeLinear")->n_input = 1;
		break;
	case BAD_SCALE_NOT_CONST:
		n = find_node(m, "input_DequantizeLinear");
		slot = 1;
		saved_in = n->input[1];
		n->input[1] = m->graph->input[0]->name;
		break;
	case BAD_SCALE_ZERO:
	case BAD_ZP_TYPE:
		t = find_init(m, _i == BAD_SCALE_ZERO ? "input_scale" : "input_zero_point");
		saved = t->raw_data.data;
		saved_len = t->raw_data.len;
		t->raw_data.data = _i == BAD_SCALE_ZERO ? (uint8_t *)&zero : (uint8_t *)f32zp;
		t->raw_data.len = sizeof(float);
		t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
		break;
	case BAD_AXIS:
		n = find_node(m, "conv2a.weight_DequantizeLinear");
		ck_assert_uint_eq(n->n_attribute, 1);
		n->attribute[0]->i = 1;
		break;
	case BAD_DQ_MISMATCH:	/* dequantized with the next tensor's scale */
		n = find_node(m, "/conv2a/Conv_output_0_DequantizeLinear");
		slot = 1;
		saved_in = n->input[1];
		n->input[1] = find_node(m, "/conv2b/Conv_output_0_DequantizeLinear")->input[1];
		break;
	case BAD_QLINEAR_INPUT:	/* float input straight into QLinearConv */
		n = find_node(m, "/conv1/Conv_quant");
		slot = 0;
		saved_in = n->input[0];
		n->input[0] = m->graph->input[0]->name;
		break;
	}
	size = onnx__model_proto__get_packed_size(m);
	buf = malloc(size);
	ck_assert(buf);
	onnx__model_proto__pack(m, buf);
	if (saved_in)	/* the unpacked message owns each string once */
		n->input[slot] = saved_in;
	if (t) {
		t->raw_data.data = saved;
		t->raw_data.len = saved_len;
	}
	if (_i == BAD_NO_SCALE)
		find_node(m, "input_QuantizeLinear")->n_input = 3;
	onnx__model_proto__free_unpacked(m, NULL);
	ck_accel_err(accel_model_load_memory(dev, buf, size, "bad.onnx", NULL, &opts, &am),
		     ACCEL_ERR_MODEL);
	ck_assert_msg(strstr(accel_last_error(), "bad.onnx: ") &&
		      strstr(accel_last_error(), want[_i][0]) &&
		      strstr(accel_last_error(), want[_i][1]), "case %d: %s", _i,
		      accel_last_error());
	free(buf);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_qdq");
	TCase *tc = tcase_create("qdq");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_run, 0, 4);
	tcase_add_test(tc, test_cache);
	tcase_add_loop_test(tc, test_precision_refused, 0, 2);
	tcase_add_loop_test(tc, test_uint8_weights, 0, 2);
	tcase_add_test(tc, test_float_node);
	tcase_add_loop_test(tc, test_malformed, 0, BAD_COUNT);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
