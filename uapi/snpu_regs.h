/* SPDX-License-Identifier: MIT */
/*
 * SNPU hardware programming model: PCI identity, BARs, BAR0 registers,
 * MSI-X vectors, error codes and performance counters.
 *
 * Shared by the device model (qemu-device/core), the kernel driver (kernel/),
 * the firmware tool (firmware/) and libaccel. docs/hardware.md is the prose
 * version of this file; keep both in step.
 *
 * All registers are 32 bits wide, little endian, and must be accessed with
 * naturally aligned 32-bit reads and writes. Reads of undefined offsets
 * return 0 and writes to them are ignored (and logged as guest errors).
 */
#ifndef SNPU_REGS_H
#define SNPU_REGS_H

#include <linux/types.h>

/* ---- PCI identity ------------------------------------------------------ */
#define SNPU_PCI_VENDOR_ID	0x1234	/* QEMU's "unofficial" vendor ID */
#define SNPU_PCI_DEVICE_ID	0x534e	/* 'SN' */
#define SNPU_PCI_REVISION	0x01
#define SNPU_PCI_CLASS		0x1200	/* processing accelerator */

/* ---- BARs -------------------------------------------------------------- */
#define SNPU_BAR_REGS		0	/* 64 KiB of registers (32-bit MMIO) */
#define SNPU_BAR_DRAM		2	/* device DRAM, 64-bit prefetchable */
#define SNPU_BAR_MSIX		4	/* MSI-X table and PBA */
#define SNPU_REGS_SIZE		0x10000

/* ---- Hardware version and capabilities --------------------------------- */
#define SNPU_ID_MAGIC		0x55504e53	/* "SNPU" little endian */
#define SNPU_HW_VERSION_MAJOR	1
#define SNPU_HW_VERSION_MINOR	0
#define SNPU_HW_VERSION		((SNPU_HW_VERSION_MAJOR << 16) | SNPU_HW_VERSION_MINOR)

/* SNPU_REG_HW_CAPS and SNPU_REG_FW_CAPS bits */
#define SNPU_CAP_FP32		(1u << 0)
#define SNPU_CAP_FP16		(1u << 1)
#define SNPU_CAP_INT8		(1u << 2)
#define SNPU_CAP_MMU		(1u << 3)
#define SNPU_CAP_SRAM		(1u << 4)
#define SNPU_CAP_CONV		(1u << 5)
#define SNPU_CAP_GEMM		(1u << 6)
#define SNPU_CAP_POOL		(1u << 7)
#define SNPU_CAP_ELTWISE	(1u << 8)
#define SNPU_CAP_ACT_LUT	(1u << 9)	/* LUT activations (fw tables) */
#define SNPU_CAP_SOFTMAX	(1u << 10)
#define SNPU_CAP_MOVE		(1u << 11)	/* move, pad */
#define SNPU_CAP_CONVERT	(1u << 12)	/* quantize/dequantize/cast */
#define SNPU_CAP_FENCE		(1u << 13)	/* fence/wait commands */
#define SNPU_CAP_PROFILE	(1u << 14)	/* per-command profile records */
#define SNPU_CAP_TIMING		(1u << 15)	/* timing model, pacing */
#define SNPU_CAP_ALL		0x0000ffffu

/* ---- Identity and configuration registers (read-only) ------------------ */
#define SNPU_REG_ID		0x0000	/* SNPU_ID_MAGIC */
#define SNPU_REG_HW_VERSION	0x0004	/* major << 16 | minor */
#define SNPU_REG_HW_CAPS	0x0008	/* SNPU_CAP_* the silicon has */
#define SNPU_REG_NUM_QUEUES	0x000c	/* hardware queues, 1..SNPU_MAX_QUEUES */
#define SNPU_REG_DRAM_SIZE_LO	0x0010	/* bytes of device DRAM (= BAR2 size) */
#define SNPU_REG_DRAM_SIZE_HI	0x0014
#define SNPU_REG_SRAM_SIZE	0x0018	/* bytes of on-chip SRAM scratchpad */
#define SNPU_REG_MAC_ARRAY	0x001c	/* rows [15:0], cols [31:16] */
#define SNPU_REG_CLOCK_MHZ	0x0020	/* tensor engine clock */
#define SNPU_REG_NUM_CONTEXTS	0x0024	/* MMU contexts (ASIDs) */
#define SNPU_REG_DRAM_BW	0x0028	/* MB/s, timing model */
#define SNPU_REG_SRAM_BW	0x002c	/* MB/s, timing model */
#define SNPU_REG_PCIE_BW	0x0030	/* MB/s, timing model */
#define SNPU_REG_CMD_OVERHEAD	0x0034	/* cycles per command, timing model */
#define SNPU_REG_VA_BITS	0x0038	/* width of a context virtual address */
#define SNPU_REG_MAX_CMDBUF	0x003c	/* largest command stream, bytes */

/* ---- Global status and control ----------------------------------------- */
#define SNPU_REG_STATUS		0x0040	/* RO, SNPU_STATUS_* */
#define   SNPU_STATUS_READY	(1u << 0)	/* firmware running, queues usable */
#define   SNPU_STATUS_BOOT_ERROR (1u << 1)	/* last boot failed, see FW_ERROR */
#define   SNPU_STATUS_FATAL	(1u << 2)	/* device halted, needs reset */
#define   SNPU_STATUS_RESETTING	(1u << 3)
#define   SNPU_STATUS_PACED	(1u << 4)	/* completions held to model time */
#define   SNPU_STATUS_BUSY	(1u << 5)	/* a job is executing */
#define SNPU_REG_CONTROL	0x0044	/* WO, SNPU_CONTROL_* */
#define   SNPU_CONTROL_SOFT_RESET (1u << 0)	/* abort jobs, clear state, drop fw */
#define SNPU_REG_ERROR		0x0048	/* RO, last device-level enum snpu_err */
#define SNPU_REG_ERROR_INFO	0x004c	/* RO, detail (queue index, offset) */
#define SNPU_REG_SCRATCH	0x0050	/* RW, no side effect */
#define SNPU_REG_TIMESTAMP_LO	0x0054	/* RO, device clock in ns; reading */
#define SNPU_REG_TIMESTAMP_HI	0x0058	/*   LO latches HI */
#define SNPU_REG_IRQ_STATUS	0x0060	/* RW1C, bit q = queue q, bit 31 = error */
#define SNPU_REG_IRQ_MASK	0x0064	/* RW, 1 = vector masked at the source */
#define   SNPU_IRQ_QUEUE(q)	(1u << (q))
#define   SNPU_IRQ_ERROR	(1u << 31)

/* ---- Firmware boot handshake (see docs/hardware.md "Boot") ------------- */
#define SNPU_REG_FW_ADDR_LO	0x0100	/* RW, bus address of the image */
#define SNPU_REG_FW_ADDR_HI	0x0104
#define SNPU_REG_FW_SIZE	0x0108	/* RW, bytes */
#define SNPU_REG_FW_DOORBELL	0x010c	/* WO, write SNPU_FW_BOOT_MAGIC */
#define   SNPU_FW_BOOT_MAGIC	0x544f4f42	/* "BOOT" */
#define SNPU_REG_FW_STATUS	0x0110	/* RO, enum snpu_fw_status */
#define SNPU_REG_FW_ERROR	0x0114	/* RO, enum snpu_fw_err */
#define SNPU_REG_FW_VERSION	0x0118	/* RO, running fw major<<16|minor<<8|patch */
#define SNPU_REG_FW_CAPS	0x011c	/* RO, SNPU_CAP_* enabled by the fw */
#define SNPU_REG_FW_API		0x0120	/* RO, fw API major << 16 | minor */

enum snpu_fw_status {
	SNPU_FW_STATUS_OFF = 0,		/* no firmware: queues refuse work */
	SNPU_FW_STATUS_LOADING = 1,	/* DMA and verification in progress */
	SNPU_FW_STATUS_RUNNING = 2,	/* booted: STATUS.READY is set */
	SNPU_FW_STATUS_ERROR = 3,	/* image refused: FW_ERROR says why */
};

enum snpu_fw_err {
	SNPU_FW_OK = 0,
	SNPU_FW_ERR_SIZE = 1,		/* too small, too large or != header */
	SNPU_FW_ERR_DMA = 2,		/* image address unreadable */
	SNPU_FW_ERR_MAGIC = 3,
	SNPU_FW_ERR_HEADER = 4,		/* header version/size/reserved bad */
	SNPU_FW_ERR_CRC = 5,
	SNPU_FW_ERR_DIGEST = 6,		/* SHA-256 mismatch */
	SNPU_FW_ERR_API = 7,		/* API major differs from the device's */
	SNPU_FW_ERR_SECTION = 8,	/* section table or a section is bad */
	SNPU_FW_ERR_STATE = 9,		/* doorbell while loading/running */
};

/* ---- Device MMU (see snpu_mmu.h for the table formats) ----------------- */
#define SNPU_REG_MMU_CTX_TABLE_LO 0x0200	/* RW, bus address of context table */
#define SNPU_REG_MMU_CTX_TABLE_HI 0x0204
#define SNPU_REG_MMU_CTX_COUNT	0x0208	/* RW, entries in the table */
#define SNPU_REG_MMU_INVALIDATE	0x020c	/* WO, context id or SNPU_MMU_INV_ALL */
#define   SNPU_MMU_INV_ALL	0xffffffffu
#define SNPU_REG_MMU_FAULT_STATUS 0x0210	/* RO, SNPU_MMU_FAULT_* of last fault */
#define   SNPU_MMU_FAULT_VALID	(1u << 0)
#define   SNPU_MMU_FAULT_WRITE	(1u << 1)	/* 0 = read access */
#define   SNPU_MMU_FAULT_PERM	(1u << 2)	/* present but not permitted */
#define   SNPU_MMU_FAULT_OVERRUN (1u << 3)	/* fault while one was pending */
#define SNPU_REG_MMU_FAULT_CTX	0x0214	/* RO, context of the last fault */
#define SNPU_REG_MMU_FAULT_VA_LO 0x0218	/* RO, faulting VA */
#define SNPU_REG_MMU_FAULT_VA_HI 0x021c
#define SNPU_REG_MMU_FAULT_QUEUE 0x0220	/* RO, queue of the faulting job */
#define SNPU_REG_MMU_FAULT_ACK	0x0224	/* WO, any value clears FAULT_STATUS */

/* ---- Fault injection (debug; docs/hardware.md 3.7) ---------------------
 * Active only when the device was created with fault injection enabled
 * (QEMU: -device snpu,fault-injection=on); otherwise every FI register
 * reads 0 and writes are ignored. Armed faults survive a soft reset; FLR
 * and PCI reset disarm them all. */
#define SNPU_REG_FI_ENABLE	0x0300	/* RO, 1 when fault injection is enabled */
#define SNPU_REG_FI_DROP_IRQ	0x0304	/* RW, MSI-X messages still to drop */
#define SNPU_REG_FI_DMA_FAIL	0x0308	/* RW, [15:0] jobs still to fail with DMA */
#define   SNPU_FI_DMA_RING	(1u << 31)	/* fail descriptor fetches instead */
#define   SNPU_FI_DMA_COUNT	0xffffu
#define SNPU_REG_FI_HANG_QUEUE	0x030c	/* RW, bit q: the next job of queue q hangs */
#define SNPU_REG_FI_RESET_FAIL	0x0310	/* RW, soft resets still to fail */
#define SNPU_REG_FI_INJECTED	0x0314	/* RO, faults injected since power-on/FLR */

/* ---- Performance counters: 64-bit, read LO first (latches HI) ----------- */
#define SNPU_REG_COUNTER_BASE	0x0400
#define SNPU_REG_COUNTER_LO(i)	(SNPU_REG_COUNTER_BASE + 8 * (i))
#define SNPU_REG_COUNTER_HI(i)	(SNPU_REG_COUNTER_BASE + 8 * (i) + 4)
#define SNPU_REG_COUNTER_RESET	0x04fc	/* WO, any value zeroes all counters */

enum snpu_counter {
	SNPU_CNT_JOBS = 0,		/* jobs completed (any status) */
	SNPU_CNT_JOBS_FAILED = 1,	/* jobs completed with an error */
	SNPU_CNT_COMMANDS = 2,		/* commands executed */
	SNPU_CNT_MACS = 3,		/* multiply-accumulates */
	SNPU_CNT_DMA_H2D = 4,		/* bytes host memory -> device */
	SNPU_CNT_DMA_D2H = 5,		/* bytes device -> host memory */
	SNPU_CNT_DMA_D2D = 6,		/* bytes within device DRAM/SRAM */
	SNPU_CNT_PRED_CYCLES = 7,	/* timing-model cycles of all jobs */
	SNPU_CNT_BUSY_NS = 8,		/* wall time spent executing jobs */
	SNPU_CNT_FAULTS = 9,		/* MMU faults */
	SNPU_CNT_ERRORS = 10,		/* command errors other than faults */
	SNPU_CNT_IRQS = 11,		/* MSI-X messages sent */
	SNPU_CNT_RESETS = 12,		/* soft resets and FLRs */
	SNPU_CNT_CTX_SWITCHES = 13,	/* MMU context switches */
	SNPU_CNT_SRAM_BYTES = 14,	/* bytes read+written in SRAM */
	SNPU_CNT_DOORBELLS = 15,	/* ring doorbell writes */
	SNPU_NUM_COUNTERS = 16,
};

/* ---- Hardware queues ---------------------------------------------------- */
#define SNPU_MAX_QUEUES		16
#define SNPU_REG_QUEUE_BASE	0x1000
#define SNPU_REG_QUEUE_STRIDE	0x40
#define SNPU_REG_QUEUE(q, r)	(SNPU_REG_QUEUE_BASE + SNPU_REG_QUEUE_STRIDE * (q) + (r))
/* Offsets inside one queue's block */
#define SNPU_QREG_RING_BASE_LO	0x00	/* RW, bus address, 64-byte aligned */
#define SNPU_QREG_RING_BASE_HI	0x04
#define SNPU_QREG_RING_SIZE	0x08	/* RW, entries, power of two 2..4096 */
#define SNPU_QREG_RING_HEAD	0x0c	/* RO, free-running count consumed */
#define SNPU_QREG_RING_TAIL	0x10	/* RW doorbell, free-running count */
#define SNPU_QREG_CONTROL	0x14	/* RW, SNPU_QCTRL_* */
#define   SNPU_QCTRL_ENABLE	(1u << 0)	/* latch base/size, start fetching */
#define SNPU_QREG_STATUS	0x18	/* RO, SNPU_QSTAT_* */
#define   SNPU_QSTAT_ENABLED	(1u << 0)
#define   SNPU_QSTAT_BUSY	(1u << 1)	/* a job of this queue executing */
#define   SNPU_QSTAT_STOPPED	(1u << 2)	/* ring error, QREG_ERROR says why */
#define SNPU_QREG_ERROR		0x1c	/* RO, enum snpu_err of a ring error */
#define SNPU_QREG_DONE_SEQNO_LO	0x20	/* RO, seqno of the last completed job */
#define SNPU_QREG_DONE_SEQNO_HI	0x24
#define SNPU_QREG_PROGRESS	0x28	/* RO, commands done in the current job */
#define SNPU_QREG_PRIORITY	0x2c	/* RW, arbitration weight 1..15 (0 = 1) */

#define SNPU_RING_MIN_ENTRIES	2
#define SNPU_RING_MAX_ENTRIES	4096

/* ---- MSI-X vectors ----------------------------------------------------- */
/* Vector q (0 <= q < NUM_QUEUES) signals completions of queue q; vector
 * NUM_QUEUES signals device-level events: boot done or failed, MMU fault,
 * queue stopped, fatal error. */
#define SNPU_MSIX_QUEUE(q)	(q)
#define SNPU_MSIX_ERROR(nq)	(nq)
#define SNPU_MSIX_VECTORS(nq)	((nq) + 1)

/* ---- Error codes: completion status, queue and device errors ------------ */
enum snpu_err {
	SNPU_OK = 0,
	SNPU_ERR_OPCODE = 1,		/* unknown command opcode */
	SNPU_ERR_CMD_SIZE = 2,		/* command size wrong or past the stream */
	SNPU_ERR_RESERVED = 3,		/* reserved field or unknown flag not 0 */
	SNPU_ERR_DTYPE = 4,		/* data type not valid for the command */
	SNPU_ERR_SHAPE = 5,		/* dims/strides/params inconsistent */
	SNPU_ERR_MMU_FAULT = 6,		/* VA not mapped: see fault_va */
	SNPU_ERR_MMU_PERM = 7,		/* write to a read-only mapping */
	SNPU_ERR_DMA = 8,		/* bus error on a host access */
	SNPU_ERR_SRAM_RANGE = 9,	/* SRAM window access out of range */
	SNPU_ERR_WAIT_TIMEOUT = 10,	/* WAIT command timed out */
	SNPU_ERR_ABORTED = 11,		/* job aborted by reset or FLR */
	SNPU_ERR_NO_FIRMWARE = 12,	/* doorbell before firmware runs */
	SNPU_ERR_CONTEXT = 13,		/* bad context id or context entry */
	SNPU_ERR_RING = 14,		/* bad ring base/size/tail or descriptor */
	SNPU_ERR_NO_LUT = 15,		/* fw has no table for the activation */
	SNPU_ERR_OVERFLOW = 16,		/* size computation overflowed */
	SNPU_ERR_FATAL = 17,		/* internal device error */
	SNPU_ERR_COUNT
};

#endif /* SNPU_REGS_H */
