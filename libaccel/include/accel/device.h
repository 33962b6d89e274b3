/* SPDX-License-Identifier: MIT */
/*
 * libaccel devices: enumerate, open, query.
 *
 * Two backends reach an SNPU:
 *   "drm"  the snpu.ko kernel driver, /dev/accel/accelN, through libdrm;
 *   "sim"  an in-process device: the same device core QEMU runs, booted
 *          with the real firmware image (env ACCEL_FIRMWARE, else the
 *          build tree's build/firmware/snpu.bin, else
 *          /lib/firmware/snpu/snpu.bin). Every accel_open("sim") creates a
 *          new, independent device.
 * Both answer every query with the same facts.
 *
 * Threads: an accel_device is thread-safe: any thread may use it,
 * concurrently (except accel_close, which ends the handle). Devices are
 * independent; the library keeps no global device state.
 *
 * Lifetime: buffers, heaps, command buffers and jobs each hold a reference
 * on their device. accel_close() ends the caller's handle: it waits for the
 * device's pending jobs and their callbacks, then stops the device's
 * threads; the device itself (its memory, its file descriptor) goes when
 * the last of those objects is released, in any order. After accel_close
 * the remaining objects may still be released, waited on, read (host
 * memory) and queried; calls that need the device to run something
 * (accel_submit, accel_buffer_write to device memory...) fail with
 * ACCEL_ERR_STATE "device ... is closed".
 */
#ifndef ACCEL_DEVICE_H
#define ACCEL_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_device accel_device;

#define ACCEL_NAME_MAX 64

/* One device found by accel_enumerate() (an array element: its size never
 * changes; later versions fill the reserved bytes, zeroed today). */
typedef struct accel_device_desc {
	char name[ACCEL_NAME_MAX];	/* what accel_open() takes: "/dev/accel/accel0", "sim" */
	char backend[8];		/* "drm" or "sim" */
	char pci_address[32];		/* "0000:00:03.0"; "" for sim */
	uint8_t reserved[24];		/* zeroed by the library */
} accel_device_desc;

#define ACCEL_ENUM_SIM	(1u << 0)	/* also list the in-process "sim" device */

/* Fill out[0..max) with the devices present: every /dev/accel/accel* bound
 * to the snpu driver, in minor order, then "sim" with ACCEL_ENUM_SIM.
 * *count receives the number found (may exceed max: call again with more
 * room). No device is not an error (*count = 0). */
ACCEL_API accel_status accel_enumerate(accel_device_desc *out, size_t max, size_t *count,
				       unsigned int flags);

/* Open a device by name: "sim", a path ("/dev/accel/accel0"), or NULL/""
 * for the ACCEL_DEVICE environment variable, else the first snpu device
 * found by accel_enumerate(). */
ACCEL_API accel_status accel_open(const char *name, accel_device **out);

/* Open the index-th device accel_enumerate(..., 0) lists (drm devices). */
ACCEL_API accel_status accel_open_index(unsigned int index, accel_device **out);

/* Close the handle: waits for the device's pending jobs (and their
 * callbacks), stops its threads and drops the caller's reference. Objects
 * still alive keep the device's memory until they are released (see
 * "Lifetime" above). Call it once, when no other thread uses the handle. */
ACCEL_API void accel_close(accel_device *dev);

/* The name the device was opened with ("sim", "/dev/accel/accel0"). */
ACCEL_API const char *accel_device_name(const accel_device *dev);
/* "drm" or "sim". */
ACCEL_API const char *accel_device_backend(const accel_device *dev);

/* Capability bits (same values as SNPU_CAP_* in the hardware contract). */
enum accel_cap {
	ACCEL_CAP_FP32 = 1u << 0,
	ACCEL_CAP_FP16 = 1u << 1,
	ACCEL_CAP_INT8 = 1u << 2,
	ACCEL_CAP_MMU = 1u << 3,
	ACCEL_CAP_SRAM = 1u << 4,
	ACCEL_CAP_CONV = 1u << 5,
	ACCEL_CAP_GEMM = 1u << 6,
	ACCEL_CAP_POOL = 1u << 7,
	ACCEL_CAP_ELTWISE = 1u << 8,
	ACCEL_CAP_ACT_LUT = 1u << 9,
	ACCEL_CAP_SOFTMAX = 1u << 10,
	ACCEL_CAP_MOVE = 1u << 11,
	ACCEL_CAP_CONVERT = 1u << 12,
	ACCEL_CAP_FENCE = 1u << 13,
	ACCEL_CAP_PROFILE = 1u << 14,
	ACCEL_CAP_TIMING = 1u << 15,
};
#define ACCEL_CAP_BITS 16

/* Lower-case name of capability bit `bit` (0..31): "fp32", "gemm"...;
 * NULL for an unassigned bit. */
ACCEL_API const char *accel_cap_name(unsigned int bit);

/* Everything a device reports (see <snpu/drm/snpu_accel.h> GET_PARAM). An
 * output struct: set struct_size (ACCEL_DEVICE_INFO_INIT); the library
 * fills the fields it knows and zeroes the rest of struct_size bytes. */
typedef struct accel_device_info {
	uint32_t struct_size;	/* sizeof(accel_device_info) */
	char name[ACCEL_NAME_MAX];
	char backend[8];
	char pci_address[32];	/* "" for sim */
	uint16_t vendor_id, device_id;
	uint32_t hw_version;	/* major << 16 | minor */
	uint32_t hw_caps;	/* ACCEL_CAP_* of the silicon */
	uint32_t fw_version;	/* major << 16 | minor << 8 | patch */
	uint32_t fw_api;	/* major << 16 | minor */
	uint32_t caps;		/* ACCEL_CAP_* usable (hardware and firmware) */
	uint32_t num_queues;
	uint64_t dram_size, sram_size;	/* bytes */
	uint32_t mac_rows, mac_cols;
	uint32_t clock_mhz;
	uint32_t num_contexts;
	uint32_t dram_bw, sram_bw, pcie_bw;	/* MB/s (timing model) */
	uint32_t cmd_overhead;	/* cycles per command (timing model) */
	uint32_t va_bits;
	uint32_t max_cmdbuf;	/* bytes per submit */
	uint32_t context_id;	/* this open's MMU context */
	uint64_t sram_va;	/* VA of the SRAM window */
	uint64_t reserved[8];
} accel_device_info;

#define ACCEL_DEVICE_INFO_INIT { .struct_size = sizeof(accel_device_info) }

ACCEL_API accel_status accel_device_query(accel_device *dev, accel_device_info *info);

/* Parameters accel_device_param() reads (values of enum drm_snpu_param). */
enum accel_param {
	ACCEL_PARAM_DEVICE_ID = 0,	/* PCI vendor << 16 | device */
	ACCEL_PARAM_HW_VERSION = 1,
	ACCEL_PARAM_HW_CAPS = 2,
	ACCEL_PARAM_FW_VERSION = 3,
	ACCEL_PARAM_FW_API = 4,
	ACCEL_PARAM_FW_CAPS = 5,
	ACCEL_PARAM_NUM_QUEUES = 6,
	ACCEL_PARAM_DRAM_SIZE = 7,
	ACCEL_PARAM_SRAM_SIZE = 8,
	ACCEL_PARAM_MAC_ROWS = 9,
	ACCEL_PARAM_MAC_COLS = 10,
	ACCEL_PARAM_CLOCK_MHZ = 11,
	ACCEL_PARAM_NUM_CONTEXTS = 12,
	ACCEL_PARAM_DRAM_BW = 13,
	ACCEL_PARAM_SRAM_BW = 14,
	ACCEL_PARAM_PCIE_BW = 15,
	ACCEL_PARAM_CMD_OVERHEAD = 16,
	ACCEL_PARAM_VA_BITS = 17,
	ACCEL_PARAM_MAX_CMDBUF = 18,
	ACCEL_PARAM_TIMESTAMP = 19,	/* device clock now, ns */
	ACCEL_PARAM_CONTEXT_ID = 20,
	ACCEL_PARAM_SRAM_VA = 21,
	ACCEL_PARAM_COUNT = 22,
	ACCEL_PARAM_COUNTER_BASE = 0x100,	/* + enum accel_counter */
};

/* Read one parameter. Unknown -> ACCEL_ERR_INVALID_ARG. */
ACCEL_API accel_status accel_device_param(accel_device *dev, uint32_t param, uint64_t *value);

/* Device performance counters (values of enum snpu_counter). */
enum accel_counter {
	ACCEL_CNT_JOBS = 0,
	ACCEL_CNT_JOBS_FAILED,
	ACCEL_CNT_COMMANDS,
	ACCEL_CNT_MACS,
	ACCEL_CNT_DMA_H2D,
	ACCEL_CNT_DMA_D2H,
	ACCEL_CNT_DMA_D2D,
	ACCEL_CNT_PRED_CYCLES,
	ACCEL_CNT_BUSY_NS,
	ACCEL_CNT_FAULTS,
	ACCEL_CNT_ERRORS,
	ACCEL_CNT_IRQS,
	ACCEL_CNT_RESETS,
	ACCEL_CNT_CTX_SWITCHES,
	ACCEL_CNT_SRAM_BYTES,
	ACCEL_CNT_DOORBELLS,
	ACCEL_NUM_COUNTERS
};

/* "jobs", "macs", "dma_h2d"...; NULL if out of range. */
ACCEL_API const char *accel_counter_name(unsigned int counter);

/* Read all ACCEL_NUM_COUNTERS counters (device-wide, since power-on or
 * the last reset). */
ACCEL_API accel_status accel_device_counters(accel_device *dev,
					     uint64_t counters[ACCEL_NUM_COUNTERS]);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_DEVICE_H */
