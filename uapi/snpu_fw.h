/* SPDX-License-Identifier: MIT */
/*
 * SNPU firmware image format.
 *
 * The image is little endian:
 *
 *   struct snpu_fw_header            (header_size bytes, 128 in version 1)
 *   struct snpu_fw_section[num_sections]  at section_offset
 *   section payloads                 each at its own offset, 8-byte aligned
 *
 * Integrity:
 *   digest = SHA-256 of bytes [header_size, image_size)  (everything after
 *            the header: section table and payloads)
 *   crc32  = CRC-32 (IEEE 802.3, as zlib's crc32()) of the whole image with
 *            the crc32 field read as zero; it covers the header and digest.
 *
 * The driver loads the file with request_firmware("snpu/snpu.bin"), checks
 * every field below, then hands it to the device (SNPU_REG_FW_*), which
 * checks it again: a device never runs an image it did not verify itself.
 */
#ifndef SNPU_FW_H
#define SNPU_FW_H

#include <linux/types.h>

#define SNPU_FW_MAGIC		0x57464e53	/* "SNFW" little endian */
#define SNPU_FW_HEADER_VERSION	1
#define SNPU_FW_PATH		"snpu/snpu.bin"
#define SNPU_FW_MAX_SIZE	(4u << 20)
#define SNPU_FW_MAX_SECTIONS	64

/* Firmware API: the interface between the device's command processor and
 * the firmware. The major must equal the device's and driver's; a higher
 * minor adds things both sides may ignore. */
#define SNPU_FW_API_MAJOR	1
#define SNPU_FW_API_MINOR	0

#define SNPU_FW_VERSION(maj, min, patch) (((maj) << 16) | ((min) << 8) | (patch))

struct snpu_fw_header {
	__u32 magic;		/* SNPU_FW_MAGIC */
	__u16 header_version;	/* SNPU_FW_HEADER_VERSION */
	__u16 header_size;	/* sizeof(struct snpu_fw_header) */
	__u32 image_size;	/* total bytes, header included */
	__u32 fw_version;	/* SNPU_FW_VERSION(major, minor, patch) */
	__u16 api_major;	/* SNPU_FW_API_MAJOR */
	__u16 api_minor;
	__u32 caps;		/* SNPU_CAP_* this firmware enables */
	__u32 num_sections;
	__u32 section_offset;	/* byte offset of the section table */
	__u32 crc32;		/* see above */
	__u32 build_time;	/* seconds since the epoch (informational) */
	__u8 sha256[32];	/* see above */
	char name[32];		/* NUL-terminated build name */
	__u32 reserved[6];	/* must be zero */
};

enum snpu_fw_section_type {
	SNPU_FW_SEC_SCHED = 1,	/* struct snpu_fw_sched, exactly one */
	SNPU_FW_SEC_LUT = 2,	/* struct snpu_fw_lut + samples, one per fn */
	SNPU_FW_SEC_NOTE = 3,	/* free text (build info), ignored */
};

struct snpu_fw_section {
	__u32 type;		/* enum snpu_fw_section_type */
	__u32 offset;		/* from image start, 8-byte aligned */
	__u32 size;		/* bytes */
	__u32 flags;		/* must be zero */
};

/* Scheduler parameters the command processor runs with. */
struct snpu_fw_sched {
	__u32 queue_weight[16];	/* default arbitration weight per queue */
	__u32 timeslice_cmds;	/* commands before the arbiter may switch */
	__u32 wait_timeout_us;	/* cap on a WAIT command's timeout */
	__u32 max_job_cmds;	/* commands one job may hold */
	__u32 reserved[5];	/* must be zero */
};

/* Activation functions the activation unit evaluates through a table. */
enum snpu_lut_fn {
	SNPU_LUT_SIGMOID = 0,
	SNPU_LUT_TANH = 1,
	SNPU_LUT_GELU = 2,
	SNPU_LUT_EXP = 3,	/* softmax of int8/fp16 */
	SNPU_LUT_SILU = 4,
	SNPU_LUT_COUNT
};

/*
 * A sampled function: samples[i] = f(x_min + i * (x_max - x_min) /
 * (num_samples - 1)), float32 bit patterns. Between samples the device
 * interpolates linearly; below x_min it returns left (a float32 bits value)
 * plus left_slope * (x - x_min), above x_max right + right_slope * (x - x_max)
 * (slopes let GELU and SiLU continue as x on the right). The one evaluator
 * is snpu_lut_eval() in snpu_act.h, used by the device and the CPU reference.
 */
struct snpu_fw_lut {
	__u32 fn;		/* enum snpu_lut_fn */
	__u32 num_samples;	/* 2..4097 */
	__u32 x_min;		/* float32 bits */
	__u32 x_max;		/* float32 bits, > x_min */
	__u32 left;		/* float32 bits */
	__u32 left_slope;	/* float32 bits */
	__u32 right;		/* float32 bits */
	__u32 right_slope;	/* float32 bits */
	/* followed by __u32 samples[num_samples] */
};

#define SNPU_FW_LUT_MAX_SAMPLES	4097

#endif /* SNPU_FW_H */
