/* SPDX-License-Identifier: MIT */
/*
 * The SNPU firmware's contents, as data: version, name, capabilities,
 * scheduler parameters and the activation functions the activation unit
 * evaluates through lookup tables. fw_source.c is the one definition;
 * fw_build.c turns it into an image (uapi/snpu_fw.h).
 */
#ifndef SNPU_FW_SOURCE_H
#define SNPU_FW_SOURCE_H

#include <stdint.h>
#include "snpu_fw.h"

/* One activation function and how to sample it. Below x_min the device
 * returns f(x_min) + left_slope * (x - x_min), above x_max
 * f(x_max) + right_slope * (x - x_max). */
struct snpu_fw_lut_src {
	enum snpu_lut_fn fn;
	double (*f)(double x);		/* reference, double precision */
	double x_min, x_max;
	uint32_t num_samples;
	double left_slope, right_slope;
};

struct snpu_fw_src {
	uint32_t fw_version;		/* SNPU_FW_VERSION(...) */
	const char *name;		/* < 32 bytes */
	uint32_t caps;			/* SNPU_CAP_* */
	uint32_t queue_weight[16];
	uint32_t timeslice_cmds;
	uint32_t wait_timeout_us;
	uint32_t max_job_cmds;
	const struct snpu_fw_lut_src *luts;
	unsigned int num_luts;
	const char *note;		/* NOTE section text */
};

extern const struct snpu_fw_src snpu_fw_source;

#endif /* SNPU_FW_SOURCE_H */
