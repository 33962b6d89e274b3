// SPDX-License-Identifier: MIT
/*
 * snpu-driver-params: DRM_IOCTL_SNPU_GET_PARAM against the device itself.
 *
 *   snpu-driver-params [/dev/accel/accelN]
 *
 * Every parameter is compared with the BAR0 register it comes from, read
 * afresh through the driver's debugfs "registers" and "counters" files (the
 * driver claims BAR0, so sysfs resource0 cannot be mapped), or with the PCI
 * identity in sysfs; invalid requests must fail with EINVAL. Ends with
 * "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm/snpu_accel.h"
#include "snpu_fw.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "driver_check.h"

static char debugfs_dir[512];

/* Value of NAME in the debugfs file FILE ("NAME VALUE" lines). */
static uint64_t debugfs_value(const char *file, const char *name)
{
	char path[640], line[256], key[64];
	unsigned long long v;
	uint64_t found = ~0ull;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", debugfs_dir, file);
	f = fopen(path, "r");
	if (!f)
		return ~0ull;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lli", key, &v) == 2 && !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static uint32_t reg(const char *name)
{
	return (uint32_t)debugfs_value("registers", name);
}

static int get_param(int fd, uint32_t param, uint32_t pad, uint64_t *value)
{
	struct drm_snpu_get_param p = { .param = param, .pad = pad };

	if (drmIoctl(fd, DRM_IOCTL_SNPU_GET_PARAM, &p))
		return -errno;
	*value = p.value;
	return 0;
}

static uint64_t param(int fd, uint32_t id)
{
	uint64_t v = 0;
	int ret = get_param(fd, id, 0, &v);

	CHECK(ret == 0, "GET_PARAM %u: %s", id, strerror(-ret));
	return v;
}

static unsigned long sysfs_ulong(const char *dir, const char *file)
{
	char path[PATH_MAX], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return ~0ul;
	}
	fclose(f);
	return strtoul(buf, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/accel/accel0";
	static const char *const counters[SNPU_NUM_COUNTERS] = {
		"jobs", "jobs_failed", "commands", "macs", "dma_h2d", "dma_d2h", "dma_d2d",
		"pred_cycles", "busy_ns", "faults", "errors", "irqs", "resets",
		"ctx_switches", "sram_bytes", "doorbells",
	};
	char pcidir[256], link[256];
	uint64_t v, v2, ctx;
	ssize_t n;
	struct stat st;
	int fd, fd2;
	uint32_t i;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL cannot open %s: %s\n0 passed, 1 failed\n", node, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st)) {
		printf("FAIL fstat: %s\n0 passed, 1 failed\n", strerror(errno));
		return 1;
	}
	snprintf(pcidir, sizeof(pcidir), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	/* The DRM device's debugfs directory is named after its PCI function. */
	n = readlink(pcidir, link, sizeof(link) - 1);
	if (n <= 0) {
		printf("FAIL readlink %s: %s\n0 passed, 1 failed\n", pcidir, strerror(errno));
		return 1;
	}
	link[n] = 0;
	snprintf(debugfs_dir, sizeof(debugfs_dir), "/sys/kernel/debug/accel/%s",
		 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	if (reg("ID") != SNPU_ID_MAGIC) {
		printf("FAIL cannot read %s/registers\n0 passed, 1 failed\n", debugfs_dir);
		return 1;
	}

	/* Identity and configuration: exactly the registers. */
	v = param(fd, DRM_SNPU_PARAM_DEVICE_ID);
	CHECK(v == ((sysfs_ulong(pcidir, "vendor") << 16) | sysfs_ulong(pcidir, "device")),
	      "DEVICE_ID 0x%" PRIx64, v);
	CHECK(v == ((SNPU_PCI_VENDOR_ID << 16) | SNPU_PCI_DEVICE_ID), "DEVICE_ID 0x%" PRIx64, v);

	static const struct { uint32_t param; const char *name; } regs[] = {
		{ DRM_SNPU_PARAM_HW_VERSION, "HW_VERSION" },
		{ DRM_SNPU_PARAM_HW_CAPS, "HW_CAPS" },
		{ DRM_SNPU_PARAM_FW_VERSION, "FW_VERSION" },
		{ DRM_SNPU_PARAM_FW_API, "FW_API" },
		{ DRM_SNPU_PARAM_NUM_QUEUES, "NUM_QUEUES" },
		{ DRM_SNPU_PARAM_SRAM_SIZE, "SRAM_SIZE" },
		{ DRM_SNPU_PARAM_CLOCK_MHZ, "CLOCK_MHZ" },
		{ DRM_SNPU_PARAM_NUM_CONTEXTS, "NUM_CONTEXTS" },
		{ DRM_SNPU_PARAM_DRAM_BW, "DRAM_BW" },
		{ DRM_SNPU_PARAM_SRAM_BW, "SRAM_BW" },
		{ DRM_SNPU_PARAM_PCIE_BW, "PCIE_BW" },
		{ DRM_SNPU_PARAM_CMD_OVERHEAD, "CMD_OVERHEAD" },
		{ DRM_SNPU_PARAM_VA_BITS, "VA_BITS" },
		{ DRM_SNPU_PARAM_MAX_CMDBUF, "MAX_CMDBUF" },
	};
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		v = param(fd, regs[i].param);
		CHECK(v == reg(regs[i].name), "%s: GET_PARAM 0x%" PRIx64 ", register 0x%x",
		      regs[i].name, v, reg(regs[i].name));
		printf("%-13s 0x%" PRIx64 "\n", regs[i].name, v);
	}
	v = param(fd, DRM_SNPU_PARAM_FW_CAPS);
	CHECK(v == (reg("FW_CAPS") & reg("HW_CAPS")), "FW_CAPS 0x%" PRIx64, v);
	CHECK(reg("FW_STATUS") == SNPU_FW_STATUS_RUNNING, "FW_STATUS %u", reg("FW_STATUS"));
	CHECK(reg("STATUS") & SNPU_STATUS_READY, "STATUS 0x%x", reg("STATUS"));
	CHECK((param(fd, DRM_SNPU_PARAM_FW_API) >> 16) == SNPU_FW_API_MAJOR, "FW_API major");
	v = param(fd, DRM_SNPU_PARAM_DRAM_SIZE);
	CHECK(v == (((uint64_t)reg("DRAM_SIZE_HI") << 32) | reg("DRAM_SIZE_LO")),
	      "DRAM_SIZE %" PRIu64, v);
	v = param(fd, DRM_SNPU_PARAM_MAC_ROWS);
	CHECK(v == (reg("MAC_ARRAY") & 0xffff), "MAC_ROWS %" PRIu64, v);
	v = param(fd, DRM_SNPU_PARAM_MAC_COLS);
	CHECK(v == reg("MAC_ARRAY") >> 16, "MAC_COLS %" PRIu64, v);
	CHECK(param(fd, DRM_SNPU_PARAM_SRAM_VA) == SNPU_SRAM_VA, "SRAM_VA");

	/* The device clock moves forward. */
	v = param(fd, DRM_SNPU_PARAM_TIMESTAMP);
	usleep(2000);
	v2 = param(fd, DRM_SNPU_PARAM_TIMESTAMP);
	CHECK(v2 > v, "TIMESTAMP %" PRIu64 " then %" PRIu64, v, v2);

	/* Counters: the 64-bit values the device holds (nothing runs now). */
	for (i = 0; i < SNPU_NUM_COUNTERS; i++) {
		v = param(fd, DRM_SNPU_PARAM_COUNTER(i));
		v2 = debugfs_value("counters", counters[i]);
		CHECK(v2 >= v && v2 - v < (1u << 20), "counter %u: GET_PARAM %" PRIu64
		      ", register %" PRIu64, i, v, v2);
	}

	/* Each open file has its own MMU context. */
	ctx = param(fd, DRM_SNPU_PARAM_CONTEXT_ID);
	CHECK(ctx >= 1 && ctx < reg("NUM_CONTEXTS"), "CONTEXT_ID %" PRIu64, ctx);
	fd2 = open(node, O_RDWR | O_CLOEXEC);
	CHECK(fd2 >= 0, "second open: %s", strerror(errno));
	if (fd2 >= 0) {
		v = param(fd2, DRM_SNPU_PARAM_CONTEXT_ID);
		CHECK(v != ctx && v >= 1, "second CONTEXT_ID %" PRIu64 " (first %" PRIu64 ")",
		      v, ctx);
		close(fd2);
	}

	/* Invalid requests. */
	CHECK(get_param(fd, DRM_SNPU_PARAM_DEVICE_ID, 1, &v) == -EINVAL, "pad != 0");
	CHECK(get_param(fd, DRM_SNPU_PARAM_BO_FLAGS, 0, &v) == 0 && v == DRM_SNPU_BO_FLAGS &&
	      get_param(fd, DRM_SNPU_PARAM_BIND_FLAGS, 0, &v) == 0 && v == DRM_SNPU_BIND_FLAGS &&
	      get_param(fd, DRM_SNPU_PARAM_SUBMIT_FLAGS, 0, &v) == 0 && v == DRM_SNPU_SUBMIT_FLAGS,
	      "the flag params");
	CHECK(get_param(fd, DRM_SNPU_PARAM_SUBMIT_FLAGS + 1, 0, &v) == -EINVAL, "param 25");
	CHECK(get_param(fd, DRM_SNPU_PARAM_COUNTER_BASE - 1, 0, &v) == -EINVAL, "param 0xff");
	CHECK(get_param(fd, DRM_SNPU_PARAM_COUNTER(SNPU_NUM_COUNTERS), 0, &v) == -EINVAL,
	      "counter %u", SNPU_NUM_COUNTERS);
	CHECK(get_param(fd, 0xffffffffu, 0, &v) == -EINVAL, "param 0xffffffff");

	close(fd);
	printf("driver-params: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
