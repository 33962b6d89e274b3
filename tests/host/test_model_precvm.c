// SPDX-License-Identifier: MIT
/*
 * int8 and fp16 on real devices: the committed models, embedded
 * (build/gen/model_blobs.c), compiled in int8 (calibrated on their batch-N
 * inputs) and fp16, run on the first device and on the CPU reference: the
 * outputs agree bit for bit where every computing node is int8/fp16 (nodes
 * kept in fp32 may differ in the last ulp, <= 1e-6). The same source runs
 * on "sim" on the host and on the drm backend in the guest
 * (tests/vm/51-models-prec.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

struct model_blob {
	const char *name;
	const unsigned char *data[5];	/* model, in b1, out b1, in bN, out bN */
	size_t size[5];
};
extern const struct model_blob model_blobs[];

/* Every computing node of the placement report below fp32? */
static bool all_low(const char *report)
{
	const char *l = strstr(report, "placement:\n");

	for (l = l ? strchr(l, '\n') : NULL; l && l[1] == ' '; l = strchr(l + 1, '\n')) {
		const char *e = strchr(l + 1, '\n'), *f = strstr(l, " [fp32]");

		if (f && (!e || f < e) && !strstr(l, "rule convert") && !strstr(l, "rule view"))
			return false;
	}
	return true;
}

static void run(accel_device *dev, const struct model_blob *b, accel_precision prec,
		uint32_t flags, const char *calib, const accel_npy *in, float *y, char *report,
		size_t rlen)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	const float *ins[1] = { in->data };
	float *outs[1] = { y };
	accel_model *m;

	o.batch = (uint32_t)in->dim[0];
	o.precision = prec;
	o.flags = flags;
	o.calibration = calib;
	ck_accel(accel_model_load_memory(dev, b->data[0], b->size[0], b->name, NULL, &o, &m));
	ck_accel(accel_model_run(m, (uint32_t)in->dim[0], ins, outs));
	snprintf(report, rlen, "%s", accel_model_report(m));
	accel_model_free(m);
}

static void check(const struct model_blob *b, accel_precision prec)
{
	accel_device *dev = tu_open();
	char calib[] = "/tmp/calibXXXXXX", *rep = malloc(65536), *rep2 = malloc(65536);
	accel_npy in;
	float *yd, *yc;
	uint64_t i;
	int fd = mkstemp(calib);

	ck_assert(rep && rep2 && fd >= 0);
	ck_assert(write(fd, b->data[3], b->size[3]) == (ssize_t)b->size[3]);
	close(fd);
	ck_accel(accel__npy_read_memory(b->data[3], b->size[3], b->name, ACCEL_NPY_FP32, &in));
	yd = calloc(in.count * 4 + 4096, sizeof(float));
	yc = calloc(in.count * 4 + 4096, sizeof(float));
	ck_assert(yd && yc);
	run(dev, b, prec, 0, calib, &in, yd, rep, 65536);
	run(dev, b, prec, ACCEL_MODEL_CPU_ONLY, calib, &in, yc, rep2, 65536);
	ck_assert_msg(strstr(rep, prec == ACCEL_PRECISION_INT8 ? "[int8]" : "[fp16]"), "%s", rep);
	if (all_low(rep)) {
		ck_assert_msg(!memcmp(yd, yc, (in.count * 4 + 4096) * sizeof(float)),
			      "%s: device and CPU reference differ", b->name);
	} else {
		for (i = 0; i < in.count * 4 + 4096; i++)
			ck_assert_msg(fabsf(yd[i] - yc[i]) <= 1e-6f, "%s[%llu]: %g vs %g", b->name,
				      (unsigned long long)i, (double)yd[i], (double)yc[i]);
	}
	printf("%s %s: device == CPU reference (%s)\n", b->name,
	       prec == ACCEL_PRECISION_INT8 ? "int8" : "fp16",
	       all_low(rep) ? "bit for bit" : "bit for bit up to fp32 islands");
	unlink(calib);
	free(yd);
	free(yc);
	free(rep);
	free(rep2);
	accel__npy_free(&in);
	accel_close(dev);
}

START_TEST(test_int8)
{
	check(&model_blobs[_i], ACCEL_PRECISION_INT8);
}
END_TEST

START_TEST(test_fp16)
{
	check(&model_blobs[_i], ACCEL_PRECISION_FP16);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_precvm");
	TCase *tc = tcase_create("prec");
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (model_blobs[n].name)
		n++;
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_int8, 0, n);
	tcase_add_loop_test(tc, test_fp16, 0, n);
	tu_add(s, tc, "int8/fp16 models, device vs CPU reference", TU_TENSOR);
	return tu_run(s);
}
