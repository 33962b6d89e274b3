/* SPDX-License-Identifier: MIT */
/*
 * libaccel: the C SDK of the SNPU neural-network accelerator.
 * Include this one header; build with `pkg-config --cflags --libs libaccel`.
 * docs/libaccel.md is the guide; each header documents its calls.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include "accel/status.h"
#include "accel/version.h"
#include "accel/device.h"
#include "accel/buffer.h"
#include "accel/cmd.h"
#include "accel/job.h"
#include "accel/pool.h"
#include "accel/pipeline.h"
#include "accel/group.h"
#include "accel/quant.h"
#include "accel/model.h"

#endif /* ACCEL_ACCEL_H */
