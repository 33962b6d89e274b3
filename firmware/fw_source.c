// SPDX-License-Identifier: MIT
/*
 * The SNPU firmware, version 1.0.0: what the command processor runs with.
 *
 * Activation tables: each function is sampled at num_samples evenly spaced
 * points of [x_min, x_max] (float32), interpolated linearly by the device
 * and continued outside the domain with the constant value f(x_min) or
 * f(x_max) plus a slope. The domains are wide enough that the tails are
 * below float32 noise of the function's range; 1025 samples keep the
 * interpolation error (h^2/8 * max|f''|) near 1e-5..6e-5. The measured
 * maximum absolute errors against the double reference are in
 * docs/firmware.md and asserted by tests/host/test_fwimage.c.
 */
#include <math.h>
#include "fw_source.h"
#include "snpu_regs.h"

static double sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

static double tanh_fn(double x)
{
	return tanh(x);
}

/* GELU, exact form: x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))). */
static double gelu(double x)
{
	return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

static double exp_fn(double x)
{
	return exp(x);
}

static double silu(double x)
{
	return x * sigmoid(x);
}

static const struct snpu_fw_lut_src luts[] = {
	/* 1 - sigmoid(16) = 1.1e-7: flat tails. */
	{ SNPU_LUT_SIGMOID, sigmoid, -16.0, 16.0, 1025, 0.0, 0.0 },
	/* 1 - tanh(8) = 2.3e-7: flat tails. */
	{ SNPU_LUT_TANH, tanh_fn, -8.0, 8.0, 1025, 0.0, 0.0 },
	/* gelu(-8) = -5e-15; right of 8, gelu(x) = x to 5e-15. */
	{ SNPU_LUT_GELU, gelu, -8.0, 8.0, 1025, 0.0, 1.0 },
	/* Softmax feeds x - max <= 0; exp(-16) = 1.1e-7. Right of 0 the table
	 * continues as 1 + x (first order), a domain softmax never uses. */
	{ SNPU_LUT_EXP, exp_fn, -16.0, 0.0, 1025, 0.0, 1.0 },
	/* |silu(x)| < 1.8e-6 left of -16; right of 16, silu(x) = x to 1.8e-6. */
	{ SNPU_LUT_SILU, silu, -16.0, 16.0, 1025, 0.0, 1.0 },
};

const struct snpu_fw_src snpu_fw_source = {
	.fw_version = SNPU_FW_VERSION(1, 0, 0),
	.name = "snpu-fw 1.0.0",
	.caps = SNPU_CAP_ALL,
	/* All queues equal by default; the driver may set SNPU_QREG_PRIORITY. */
	.queue_weight = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	.timeslice_cmds = 16,
	.wait_timeout_us = 1000000,	/* a WAIT command waits at most 1 s */
	.max_job_cmds = 65536,
	.luts = luts,
	.num_luts = sizeof(luts) / sizeof(luts[0]),
	.note = "SNPU firmware 1.0.0: scheduler parameters and activation tables "
		"(sigmoid, tanh, gelu (erf), exp (softmax), silu), 1025 samples each. "
		"Built by snpu-fwtool from firmware/fw_source.c.",
};
