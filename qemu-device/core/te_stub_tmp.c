// SPDX-License-Identifier: MIT
/*
 * TEMPORARY: stands in for the tensor engine until te_engine.c exists
 * (qemu-device.mk drops this file from the build automatically then).
 * Tensor commands fail with SNPU_ERR_OPCODE and a log line.
 */
#include "snpu_exec.h"

enum snpu_err snpu_te_execute(struct snpu_exec *x, const struct snpu_cmd_header *cmd,
			      size_t size, struct snpu_te_result *res)
{
	(void)size;
	(void)res;
	snpu_exec_log(x, "tensor opcode 0x%x: tensor engine not built in", cmd->opcode);
	return SNPU_ERR_OPCODE;
}

struct snpu_te_pool *snpu_te_pool_new(unsigned int threads)
{
	(void)threads;
	return NULL;
}

void snpu_te_pool_free(struct snpu_te_pool *pool)
{
	(void)pool;
}
