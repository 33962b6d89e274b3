// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for snpu_fw_parse(): every input is parsed as is, and
 * again after resealing (fixing CRC-32 and SHA-256), so the fuzzer reaches
 * the section checks instead of stopping at the CRC. Run with
 * `make fuzz-fwimage [FUZZ_SECONDS=n]`. Any crash, sanitizer report or
 * accepted image whose returned pointers leave the buffer is a bug.
 */
#include <stdlib.h>
#include <string.h>
#include "fw_build.h"
#include "snpu_fwimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const struct snpu_fw_info *info, const uint8_t *buf, size_t len)
{
	unsigned int k;

	if ((const uint8_t *)info->sched < buf ||
	    (const uint8_t *)(info->sched + 1) > buf + len)
		abort();
	for (k = 0; k < SNPU_LUT_COUNT; k++) {
		if (!info->lut[k])
			continue;
		if (info->lut[k]->fn != k ||
		    (const uint8_t *)info->lut_samples[k] < buf ||
		    (const uint8_t *)(info->lut_samples[k] + info->lut[k]->num_samples) >
		    buf + len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpu_fw_info info;
	char msg[256];
	uint8_t *copy;

	/* An exact-size heap copy, so ASan catches any overread. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (snpu_fw_parse(copy, size, &info, msg, sizeof(msg)) == SNPU_FW_OK)
		check_info(&info, copy, size);
	else if (!msg[0])
		abort();	/* every error has a message */
	if (size >= sizeof(struct snpu_fw_header)) {
		snpu_fw_seal(copy, size);
		if (snpu_fw_parse(copy, size, &info, msg, sizeof(msg)) == SNPU_FW_OK)
			check_info(&info, copy, size);
		else if (!msg[0])
			abort();
	}
	free(copy);
	return 0;
}
