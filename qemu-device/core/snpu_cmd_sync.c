// SPDX-License-Identifier: MIT
/*
 * SNPU synchronisation and observation commands: FENCE, WAIT (suspends the
 * job instead of blocking the device), TIMESTAMP and COUNTERS.
 */
#include <string.h>

#include "snpu_core_int.h"

#define SNPU_WAIT_DEFAULT_CAP_US 1000000u

static enum snpu_err check_addr8(struct snpu_exec *x, const char *what, uint64_t addr)
{
	if (addr % 8) {
		snpu_exec_log(x, "%s: address 0x%llx not 8-aligned", what,
			      (unsigned long long)addr);
		return SNPU_ERR_SHAPE;
	}
	return SNPU_OK;
}

enum snpu_err snpu_cmd_fence(struct snpu_exec *x, const void *cmd)
{
	const struct snpu_cmd_fence *c = cmd;
	enum snpu_err err = check_addr8(x, "FENCE", c->addr);

	if (err != SNPU_OK)
		return err;
	return snpu_exec_write(x, c->addr, &c->value, sizeof(c->value));
}

static bool wait_met(uint32_t op, uint64_t have, uint64_t want)
{
	return op == SNPU_WAIT_GE ? have >= want : have == want;
}

int snpu_cmd_wait_begin(struct snpu_exec *x, const void *cmd)
{
	const struct snpu_cmd_wait *c = cmd;
	struct snpu_core *core = x->core;
	uint32_t cap = core->fw.sched.wait_timeout_us;
	uint32_t us = c->timeout_us;
	enum snpu_err err = check_addr8(x, "WAIT", c->addr);
	uint64_t have;

	if (err != SNPU_OK)
		return err;
	if (c->op != SNPU_WAIT_GE && c->op != SNPU_WAIT_EQ) {
		snpu_exec_log(x, "WAIT: op %u unknown", c->op);
		return SNPU_ERR_RESERVED;
	}
	err = snpu_exec_read(x, c->addr, &have, sizeof(have));
	if (err != SNPU_OK)
		return err;
	if (wait_met(c->op, have, c->value))
		return SNPU_OK;
	if (!cap)
		cap = SNPU_WAIT_DEFAULT_CAP_US;
	if (!us || us > cap)
		us = cap;
	x->wait_addr = c->addr;
	x->wait_value = c->value;
	x->wait_op = c->op;
	x->wait_start_ns = snpu_now(core);
	x->wait_deadline_ns = x->wait_start_ns + (uint64_t)us * 1000;
	x->state = SNPU_JOB_WAITING;
	return -1;
}

bool snpu_job_wait_ready(struct snpu_core *core, struct snpu_exec *x)
{
	uint64_t have = 0;
	enum snpu_err err;

	if (atomic_load(&core->epoch) != x->epoch) {
		err = SNPU_ERR_ABORTED;
	} else {
		err = snpu_exec_read(x, x->wait_addr, &have, sizeof(have));
		if (err == SNPU_OK && !wait_met(x->wait_op, have, x->wait_value)) {
			if (snpu_now(core) < x->wait_deadline_ns)
				return false;
			snpu_exec_log(x, "WAIT on 0x%llx for %llu timed out (value %llu)",
				      (unsigned long long)x->wait_addr,
				      (unsigned long long)x->wait_value,
				      (unsigned long long)have);
			err = SNPU_ERR_WAIT_TIMEOUT;
		}
	}
	x->wait_done = true;
	x->wait_err = err;
	x->state = SNPU_JOB_RUNNING;
	return true;
}

enum snpu_err snpu_cmd_timestamp(struct snpu_exec *x, const void *cmd)
{
	const struct snpu_cmd_timestamp *c = cmd;
	struct snpu_timestamp ts;
	enum snpu_err err = check_addr8(x, "TIMESTAMP", c->addr);

	if (err != SNPU_OK)
		return err;
	ts.ns = snpu_now(x->core);
	ts.pred_cycles = x->cmd_model_start;	/* this command's model start */
	return snpu_exec_write(x, c->addr, &ts, sizeof(ts));
}

enum snpu_err snpu_cmd_counters(struct snpu_exec *x, const void *cmd)
{
	const struct snpu_cmd_counters *c = cmd;
	uint64_t v[SNPU_NUM_COUNTERS];
	enum snpu_err err = check_addr8(x, "COUNTERS", c->addr);

	if (err != SNPU_OK)
		return err;
	for (unsigned int i = 0; i < SNPU_NUM_COUNTERS; i++)
		v[i] = atomic_load(&x->core->counters[i]);
	return snpu_exec_write(x, c->addr, v, sizeof(v));
}
