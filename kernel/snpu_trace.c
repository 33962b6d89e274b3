// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU tracepoints: the one place they are instantiated.
 */
#define CREATE_TRACE_POINTS
#include "snpu_trace.h"
