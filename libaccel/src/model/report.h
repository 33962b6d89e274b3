/* SPDX-License-Identifier: MIT */
/* The model's report: placement of every node, memory plan, passes. */
#ifndef MODEL_REPORT_H
#define MODEL_REPORT_H

#include "runtime.h"

accel_status report_build(accel_model *m);

#endif /* MODEL_REPORT_H */
