// SPDX-License-Identifier: MIT
/*
 * SNPU QEMU glue: where the device's bus-master DMA may land (issue 11,
 * finding 6; docs/hardware.md 12.3 and 20). Drives the real QEMU binary
 * (build/qemu/qemu-system-x86_64, or $SNPU_TEST_QEMU_BIN; q35) through the
 * qtest protocol, with no
 * guest: the test is the "driver". It programs the PCI functions, boots
 * the firmware, builds page tables whose host leaves point wherever the
 * case needs, and runs DMA_COPY jobs.
 *
 *  - a DMA whose target is MMIO (this device's BAR0 registers, a peer
 *    SNPU's BAR0, the MSI-X BAR) or nothing at all is refused: the job
 *    ends with SNPU_ERR_DMA at the VA of the access, no register changed,
 *    nothing was read from the registers, the device goes on;
 *  - a DMA into an SNPU's BAR2 (this one or a peer) is RAM and succeeds,
 *    as the documentation says; the BIOS ROM can be read, not written;
 *  - the check and the access are one translation: while the test keeps
 *    moving BAR0 over the BAR2 window a job reads from, every job either
 *    reads BAR2's bytes or fails with SNPU_ERR_DMA; a register value never
 *    reaches guest memory. The glue before the fix (commit 88487d1^)
 *    checked "is RAM" in one translation and accessed in a second one:
 *    with it this case found register data in guest RAM within seconds
 *    and QEMU died with SIGSEGV. The other cases pass on both: that glue
 *    refused MMIO too when nothing moved between its check and the access;
 *  - an SNPU behind a pcie-root-port unplugged (QMP device_del + the ACPI
 *    eject, no driver) in the middle of a long job: DEVICE_DELETED within
 *    2 s, QEMU still alive later, the other SNPU runs a job.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snpu_cmd.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#ifndef SNPU_TEST_QEMU
#error "SNPU_TEST_QEMU (the QEMU binary) must be defined by the build"
#endif

/* Guest physical layout (the VM has 128 MiB of RAM). */
#define RAM_BASE	0x00100000ull	/* bump allocator for rings, tables, data */
#define RAM_END		0x07000000ull
#define BAR0_A		0xe0000000ull	/* npu0 registers */
#define BAR4_A		0xe0100000ull	/* npu0 MSI-X */
#define BAR2_A		0xd0000000ull	/* npu0 DRAM, 16 MiB */
#define BAR0_B		0xe1000000ull	/* npu1 */
#define BAR4_B		0xe1100000ull
#define BAR2_B		0xd8000000ull
#define NOTHING		0xf0000000ull	/* no device, no RAM */
#define ROM		0xffff0000ull	/* the BIOS, read-only memory */
#define DRAM_SIZE	(16u << 20)

#define VA_SRC		0x00100000ull
#define VA_DST		0x00200000ull
#define VA_TGT		0x00400000ull

struct qt {
	pid_t pid;
	FILE *in;	/* to QEMU */
	FILE *out;	/* from QEMU */
	char *line;
	size_t cap;
	uint64_t next;	/* bump allocator */
};

struct npu {
	unsigned int devfn;
	uint64_t bar0, bar2, bar4;
	uint64_t ctx_table, root;
	uint64_t ring;
	uint32_t tail;
	uint64_t seqno;
};

static struct qt *q;
static struct npu npu[2];
static bool hot_setup;		/* npu[1] behind a root port, QMP at qmp_path */
static char qmp_path[100];	/* fits sockaddr_un.sun_path */

/* ---- qtest protocol --------------------------------------------------------------- */
/*
 * One command, one answer line; the race case sends from two threads, so a
 * command and its answer are one critical section (qt_lock) and the answer
 * is copied to a per-thread buffer.
 */
static pthread_mutex_t qt_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char *qt_answer;
static __thread size_t qt_answer_cap;

static const char *qt_vcmd(const char *fmt, va_list ap)
{
	ssize_t n;

	vfprintf(q->in, fmt, ap);
	fputc('\n', q->in);
	fflush(q->in);
	for (;;) {
		n = getline(&q->line, &q->cap, q->out);
		if (n <= 0) {
			int st = 0;

			usleep(200000);
			if (waitpid(q->pid, &st, WNOHANG) == q->pid && WIFSIGNALED(st))
				ck_abort_msg("QEMU died: signal %d (%s)", WTERMSIG(st),
					     strsignal(WTERMSIG(st)));
			ck_abort_msg("QEMU closed the qtest connection (status 0x%x)", st);
		}
		if (strncmp(q->line, "IRQ", 3))	/* asynchronous IRQ lines: ignore */
			break;
	}
	if (strncmp(q->line, "OK", 2))
		ck_abort_msg("qtest: '%s' answered '%s'", fmt, q->line);
	if ((size_t)n + 1 > qt_answer_cap) {
		free(qt_answer);
		qt_answer_cap = (size_t)n + 1;
		qt_answer = malloc(qt_answer_cap);
		if (!qt_answer)
			ck_abort_msg("out of memory");
	}
	memcpy(qt_answer, q->line + 2, (size_t)n - 1);
	return qt_answer;
}

static const char *qt_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *qt_cmd(const char *fmt, ...)
{
	const char *r;
	va_list ap;

	pthread_mutex_lock(&qt_lock);
	va_start(ap, fmt);
	r = qt_vcmd(fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&qt_lock);
	return r;
}

/* Several commands no other thread's command comes between. */
static void qt_cmd_unlocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void qt_cmd_unlocked(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qt_vcmd(fmt, ap);
	va_end(ap);
}

static void qt_cmds_locked(unsigned int n, const char *const *cmds)
{
	pthread_mutex_lock(&qt_lock);
	for (unsigned int i = 0; i < n; i++)
		qt_cmd_unlocked("%s", cmds[i]);
	pthread_mutex_unlock(&qt_lock);
}

static uint32_t rd32(uint64_t a)
{
	return (uint32_t)strtoull(qt_cmd("readl 0x%" PRIx64, a), NULL, 0);
}

static void wr32(uint64_t a, uint32_t v)
{
	qt_cmd("writel 0x%" PRIx64 " 0x%x", a, v);
}

static void mem_write(uint64_t a, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = buf;
	char *s = malloc(len * 2 + 1);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = hex[p[i] >> 4];
		s[2 * i + 1] = hex[p[i] & 15];
	}
	s[2 * len] = 0;
	qt_cmd("write 0x%" PRIx64 " 0x%zx 0x%s", a, len, s);
	free(s);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void mem_read(uint64_t a, void *buf, size_t len)
{
	const char *r = qt_cmd("read 0x%" PRIx64 " 0x%zx", a, len);
	uint8_t *p = buf;

	while (*r == ' ')
		r++;
	ck_assert_msg(r[0] == '0' && r[1] == 'x', "read: '%s'", r);
	r += 2;
	/* no ck_assert per byte: Check records a mark point at each */
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(r[2 * i]), lo = hi < 0 ? -1 : hexval(r[2 * i + 1]);

		if (lo < 0)
			ck_abort_msg("read: bad hex at byte %zu", i);
		p[i] = (uint8_t)(hi << 4 | lo);
	}
}

static void mem_set(uint64_t a, size_t len, uint8_t v)
{
	qt_cmd("memset 0x%" PRIx64 " 0x%zx 0x%02x", a, len, v);
}

static uint64_t alloc(size_t size, size_t align)
{
	uint64_t a = (q->next + align - 1) / align * align;

	ck_assert_msg(a + size <= RAM_END, "test RAM exhausted");
	q->next = a + size;
	mem_set(a, size, 0);
	return a;
}

/* PCI configuration space of bus 0 through 0xcf8/0xcfc. */
static void cfg_sel(unsigned int devfn, unsigned int off)
{
	qt_cmd("outl 0xcf8 0x%x", 0x80000000u | (devfn << 8) | (off & 0xfc));
}

static uint32_t cfg_rd(unsigned int devfn, unsigned int off)
{
	cfg_sel(devfn, off);
	return (uint32_t)strtoull(qt_cmd("inl 0xcfc"), NULL, 0);
}

static void cfg_wr(unsigned int devfn, unsigned int off, uint32_t v)
{
	cfg_sel(devfn, off);
	qt_cmd("outl 0xcfc 0x%x", v);
}

/* ---- QEMU ------------------------------------------------------------------------------ */
static void qemu_start(void)
{
	const char *qemu = getenv("SNPU_TEST_QEMU_BIN") ? getenv("SNPU_TEST_QEMU_BIN") : SNPU_TEST_QEMU;
	int to[2], from[2];

	q = calloc(1, sizeof(*q));
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(pipe2(to, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(from, O_CLOEXEC), 0);
	q->pid = fork();
	ck_assert_int_ge(q->pid, 0);
	if (q->pid == 0) {
		char d0[64], d1[64];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(to[0], 0);
		dup2(from[1], 1);
		snprintf(d0, sizeof(d0), "snpu,id=npu0,dram-size=%u", DRAM_SIZE);
		snprintf(d1, sizeof(d1), "snpu,id=npu1,dram-size=%u", DRAM_SIZE);
		const char *argv[40] = {
			qemu, "-machine", "q35,accel=qtest", "-m", "128", "-nodefaults",
			"-display", "none", "-monitor", "none", "-serial", "none",
			"-L", "/usr/share/qemu", "-L", "/usr/share/seabios",
			"-qtest", "stdio", "-qtest-log", "/dev/null", "-device", d0,
		};
		unsigned int n = 0;
		char qmp[300];

		while (argv[n])
			n++;

		if (hot_setup) {
			/* npu1 behind a root port (hot-pluggable), and QMP */
			snprintf(d1, sizeof(d1), "snpu,id=hot,bus=rp,dram-size=%u", DRAM_SIZE);
			snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", qmp_path);
			argv[n++] = "-device";
			argv[n++] = "pcie-root-port,id=rp,chassis=1,slot=1";
			argv[n++] = "-qmp";
			argv[n++] = qmp;
		}
		argv[n++] = "-device";
		argv[n++] = d1;
		argv[n] = NULL;
		execv(qemu, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	q->in = fdopen(to[1], "w");
	q->out = fdopen(from[0], "r");
	ck_assert(q->in && q->out);
	q->next = RAM_BASE;
}

static void qemu_stop(void)
{
	int st;

	if (!q)
		return;
	kill(q->pid, SIGTERM);
	waitpid(q->pid, &st, 0);
	fclose(q->in);
	fclose(q->out);
	free(q->line);
	free(q);
	q = NULL;
}

/* ---- the device ------------------------------------------------------------------------ */
static uint32_t reg(const struct npu *n, uint32_t off)
{
	return rd32(n->bar0 + off);
}

static void reg_wr(const struct npu *n, uint32_t off, uint32_t v)
{
	wr32(n->bar0 + off, v);
}

static void *fw_image(size_t *len)
{
	FILE *f = fopen(SNPU_TEST_FW_IMAGE, "rb");
	void *buf;
	long sz;

	ck_assert_msg(f != NULL, "%s: %s", SNPU_TEST_FW_IMAGE, strerror(errno));
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz);
	ck_assert(buf && fread(buf, 1, (size_t)sz, f) == (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static void place_bars(struct npu *n, uint64_t bar0, uint64_t bar2, uint64_t bar4)
{
	n->bar0 = bar0;
	n->bar2 = bar2;
	n->bar4 = bar4;
	cfg_wr(n->devfn, 0x10 + 4 * SNPU_BAR_REGS, (uint32_t)bar0);
	cfg_wr(n->devfn, 0x10 + 4 * SNPU_BAR_DRAM, (uint32_t)bar2);
	cfg_wr(n->devfn, 0x14 + 4 * SNPU_BAR_DRAM, (uint32_t)(bar2 >> 32));
	cfg_wr(n->devfn, 0x10 + 4 * SNPU_BAR_MSIX, (uint32_t)bar4);
	/* memory space and bus master */
	cfg_wr(n->devfn, 0x04, (cfg_rd(n->devfn, 0x04) & 0xffff0000u) | 0x6);
}

/* Firmware booted, context table with context 1, queue 0 enabled. */
static void bring_up(struct npu *n)
{
	size_t len;
	void *img = fw_image(&len);
	uint64_t fw = alloc(len, 4096);
	struct snpu_mmu_ctx ctx = { 0 };
	unsigned int i;

	ck_assert_uint_eq(reg(n, SNPU_REG_ID), SNPU_ID_MAGIC);
	mem_write(fw, img, len);
	free(img);
	reg_wr(n, SNPU_REG_FW_ADDR_LO, (uint32_t)fw);
	reg_wr(n, SNPU_REG_FW_ADDR_HI, (uint32_t)(fw >> 32));
	reg_wr(n, SNPU_REG_FW_SIZE, (uint32_t)len);
	reg_wr(n, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	for (i = 0; i < 20000 && reg(n, SNPU_REG_FW_STATUS) != SNPU_FW_STATUS_RUNNING; i++) {
		qt_cmd("clock_step 100000");
		usleep(500);
	}
	ck_assert_msg(reg(n, SNPU_REG_FW_STATUS) == SNPU_FW_STATUS_RUNNING,
		      "firmware did not boot: FW_STATUS %u FW_ERROR %u", reg(n, SNPU_REG_FW_STATUS),
		      reg(n, SNPU_REG_FW_ERROR));

	n->ctx_table = alloc(4 * sizeof(ctx), 4096);
	n->root = alloc(4096, 4096);
	ctx.pt_root = n->root | SNPU_CTX_VALID;
	mem_write(n->ctx_table + sizeof(ctx), &ctx, sizeof(ctx));
	reg_wr(n, SNPU_REG_MMU_CTX_TABLE_LO, (uint32_t)n->ctx_table);
	reg_wr(n, SNPU_REG_MMU_CTX_TABLE_HI, (uint32_t)(n->ctx_table >> 32));
	reg_wr(n, SNPU_REG_MMU_CTX_COUNT, 4);

	n->ring = alloc(16 * sizeof(struct snpu_job_desc), 4096);
	reg_wr(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_BASE_LO), (uint32_t)n->ring);
	reg_wr(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_BASE_HI), (uint32_t)(n->ring >> 32));
	reg_wr(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_SIZE), 16);
	reg_wr(n, SNPU_REG_QUEUE(0, SNPU_QREG_CONTROL), SNPU_QCTRL_ENABLE);
}

static uint64_t rd64(uint64_t a)
{
	uint64_t v;

	mem_read(a, &v, sizeof(v));
	return v;
}

static void wr64(uint64_t a, uint64_t v)
{
	mem_write(a, &v, sizeof(v));
}

/* Map VA page va of context 1 to bus address pa (host leaf). */
static void map(struct npu *n, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t table = n->root;

	for (int level = 0; level < SNPU_PT_LEVELS - 1; level++) {
		uint64_t ea = table + 8 * SNPU_PT_INDEX(va, level), e = rd64(ea);

		if (!(e & SNPU_PTE_VALID)) {
			e = alloc(4096, 4096) | SNPU_PTE_VALID | SNPU_PTE_TABLE;
			wr64(ea, e);
		}
		table = e & SNPU_PTE_ADDR_MASK;
	}
	wr64(table + 8 * SNPU_PT_INDEX(va, SNPU_PT_LEVELS - 1),
	     (pa & SNPU_PTE_ADDR_MASK) | SNPU_PTE_VALID | flags);
	reg_wr(n, SNPU_REG_MMU_INVALIDATE, 1);
}

struct job {
	uint64_t compl;
};

static struct job submit(struct npu *n, const void *cmds, size_t len)
{
	struct snpu_job_desc d = { 0 };
	struct job j;

	d.cmd_addr = alloc(len, 8);
	mem_write(d.cmd_addr, cmds, len);
	d.cmd_size = (uint32_t)len;
	d.ctx_id = 1;
	d.seqno = ++n->seqno;
	d.completion_addr = j.compl = alloc(sizeof(struct snpu_completion), 64);
	mem_write(n->ring + (n->tail % 16) * sizeof(d), &d, sizeof(d));
	n->tail++;
	reg_wr(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_TAIL), n->tail);
	return j;
}

static bool done(const struct job *j, struct snpu_completion *c)
{
	mem_read(j->compl, c, sizeof(*c));
	return c->flags & SNPU_COMPL_DONE;
}

static struct snpu_completion wait_job(const struct job *j)
{
	struct snpu_completion c;

	for (int i = 0; i < 20000 && !done(j, &c); i++)
		usleep(500);
	ck_assert_msg(c.flags & SNPU_COMPL_DONE, "job did not complete in 10 s");
	return c;
}

static struct snpu_cmd_dma_copy copy_cmd(uint64_t src, uint64_t dst, uint32_t bytes)
{
	struct snpu_cmd_dma_copy c = { 0 };

	c.hdr.opcode = SNPU_OP_DMA_COPY;
	c.hdr.size = sizeof(c);
	c.src = src;
	c.dst = dst;
	c.row_bytes = bytes;
	c.rows = 1;
	return c;
}

static void setup(void)
{
	unsigned int found = 0;

	qemu_start();
	for (unsigned int slot = 0; slot < 32 && found < 2; slot++) {
		uint32_t id = cfg_rd(slot << 3, 0);

		if (id == (SNPU_PCI_VENDOR_ID | (SNPU_PCI_DEVICE_ID << 16)))
			npu[found++].devfn = slot << 3;
	}
	ck_assert_uint_eq(found, 2);
	place_bars(&npu[0], BAR0_A, BAR2_A, BAR4_A);
	place_bars(&npu[1], BAR0_B, BAR2_B, BAR4_B);
	for (unsigned int i = 0; i < 2; i++) {
		npu[i].tail = 0;
		npu[i].seqno = 0;
	}
	bring_up(&npu[0]);
}

static void teardown(void)
{
	qemu_stop();
}

/* Registers a stray DMA write of 0x5a bytes would change. */
struct regs {
	uint32_t scratch, irq_mask, fw_status, ctx_lo, q_base, q_ctrl, q_size;
};

static struct regs regs(const struct npu *n)
{
	return (struct regs){
		.scratch = reg(n, SNPU_REG_SCRATCH),
		.irq_mask = reg(n, SNPU_REG_IRQ_MASK),
		.fw_status = reg(n, SNPU_REG_FW_STATUS),
		.ctx_lo = reg(n, SNPU_REG_MMU_CTX_TABLE_LO),
		.q_base = reg(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_BASE_LO)),
		.q_ctrl = reg(n, SNPU_REG_QUEUE(0, SNPU_QREG_CONTROL)),
		.q_size = reg(n, SNPU_REG_QUEUE(0, SNPU_QREG_RING_SIZE)),
	};
}

/*
 * DMA_COPY of 4 KiB, RAM -> target (write) or target -> RAM (read), with
 * the target page mapped as a host leaf at bus address tgt. Returns the
 * completion; checks the RAM side was not touched on a refused read.
 */
static struct snpu_completion copy_with(uint64_t tgt, bool write)
{
	uint64_t ram = alloc(4096, 4096);
	struct snpu_cmd_dma_copy c;
	struct snpu_completion r;
	uint8_t buf[4096];
	struct job j;

	mem_set(ram, 4096, 0x5a);
	map(&npu[0], VA_SRC, ram, SNPU_PTE_READ | SNPU_PTE_WRITE);
	map(&npu[0], VA_TGT, tgt, SNPU_PTE_READ | SNPU_PTE_WRITE);
	c = write ? copy_cmd(VA_SRC, VA_TGT, 4096) : copy_cmd(VA_TGT, VA_SRC, 4096);
	j = submit(&npu[0], &c, sizeof(c));
	r = wait_job(&j);
	if (!write && r.status != SNPU_OK) {
		mem_read(ram, buf, sizeof(buf));
		for (unsigned int i = 0; i < sizeof(buf); i++)
			if (buf[i] != 0x5a)
				ck_abort_msg("refused read changed guest RAM at +%u", i);
	}
	return r;
}

static void expect_refused(const struct snpu_completion *r)
{
	ck_assert_msg(r->status == SNPU_ERR_DMA, "status %u, expected SNPU_ERR_DMA (%u)",
		      r->status, SNPU_ERR_DMA);
	ck_assert_uint_eq(r->failed_cmd, 0);
	ck_assert_uint_eq(r->cmds_done, 0);
	ck_assert_uint_eq(r->fault_va, VA_TGT);
	ck_assert_uint_eq(r->fault_flags, 0);
}

/* The device goes on: a plain RAM -> RAM copy on the same queue. */
static void expect_usable(void)
{
	uint64_t a = alloc(4096, 4096), b = alloc(4096, 4096);
	struct snpu_cmd_dma_copy c;
	struct snpu_completion r;
	uint8_t buf[4096];
	struct job j;

	mem_set(a, 4096, 0xc3);
	map(&npu[0], VA_SRC, a, SNPU_PTE_READ);
	map(&npu[0], VA_DST, b, SNPU_PTE_READ | SNPU_PTE_WRITE);
	c = copy_cmd(VA_SRC, VA_DST, 4096);
	j = submit(&npu[0], &c, sizeof(c));
	r = wait_job(&j);
	ck_assert_uint_eq(r.status, SNPU_OK);
	mem_read(b, buf, sizeof(buf));
	for (unsigned int i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xc3)
			ck_abort_msg("copy result at +%u: 0x%02x", i, buf[i]);
}

/* Write into this device's BAR0 page 0 (SCRATCH, IRQ_MASK, CONTROL, FW_*,
 * MMU_*): refused, every register as before. */
START_TEST(dma_write_own_bar0_refused)
{
	struct regs before, after;
	struct snpu_completion r;

	reg_wr(&npu[0], SNPU_REG_SCRATCH, 0x600dcafeu);
	before = regs(&npu[0]);
	r = copy_with(npu[0].bar0, true);
	expect_refused(&r);
	after = regs(&npu[0]);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	ck_assert_uint_eq(after.scratch, 0x600dcafeu);
	expect_usable();
}
END_TEST

/* Read from this device's BAR0 (the ID register): refused, nothing read. */
START_TEST(dma_read_own_bar0_refused)
{
	struct snpu_completion r = copy_with(npu[0].bar0, false);

	expect_refused(&r);
	expect_usable();
}
END_TEST

/* Write into the peer's registers and its queue block. */
START_TEST(dma_write_peer_bar0_refused)
{
	struct regs before, after;
	struct snpu_completion r;

	reg_wr(&npu[1], SNPU_REG_SCRATCH, 0x0badf00du);
	before = regs(&npu[1]);
	r = copy_with(npu[1].bar0, true);
	expect_refused(&r);
	r = copy_with(npu[1].bar0 + 0x1000, true);
	expect_refused(&r);
	after = regs(&npu[1]);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	expect_usable();
}
END_TEST

/* The MSI-X table (MMIO) and an address nobody decodes. */
START_TEST(dma_msix_and_nothing_refused)
{
	struct snpu_completion r = copy_with(npu[0].bar4, true);

	expect_refused(&r);
	r = copy_with(npu[0].bar4, false);
	expect_refused(&r);
	r = copy_with(NOTHING, true);
	expect_refused(&r);
	r = copy_with(NOTHING, false);
	expect_refused(&r);
	expect_usable();
}
END_TEST

/* BAR2 is RAM (docs/hardware.md 12.3, 20): a DMA into this device's or the
 * peer's BAR2 is not refused and lands there. */
START_TEST(dma_bar2_is_ram)
{
	uint8_t buf[4096];
	struct snpu_completion r;

	r = copy_with(npu[1].bar2 + 0x10000, true);
	ck_assert_msg(r.status == SNPU_OK, "peer BAR2 write: status %u", r.status);
	mem_read(npu[1].bar2 + 0x10000, buf, sizeof(buf));
	for (unsigned int i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			ck_abort_msg("peer BAR2 at +%u: 0x%02x", i, buf[i]);
	mem_set(npu[0].bar2 + 0x20000, 4096, 0x77);
	r = copy_with(npu[0].bar2 + 0x20000, false);
	ck_assert_msg(r.status == SNPU_OK, "own BAR2 read: status %u", r.status);
	expect_usable();
}
END_TEST

/* The BIOS ROM at the top of 4 GiB is read-only memory: a DMA may read
 * it, a DMA write to it is refused like MMIO. */
START_TEST(dma_rom_read_only)
{
	struct snpu_completion r = copy_with(ROM, false);

	ck_assert_msg(r.status == SNPU_OK, "ROM read: status %u", r.status);
	r = copy_with(ROM, true);
	expect_refused(&r);
	expect_usable();
}
END_TEST

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The race of finding 6: a job of RACE_CMDS DMA_COPY commands, each one
 * page from a 64 KiB window W of BAR2 (filled with 0xa5) to one of 16 RAM
 * pages (prefilled 0x5a), page i % 16 to page i % 16, while a second
 * thread keeps moving BAR0 onto W and back. Each read sees either W (RAM:
 * 0xa5) or BAR0 (MMIO: refused, SNPU_ERR_DMA, the job ends). A byte other
 * than 0xa5 / 0x5a in the RAM pages is register data that a DMA read out
 * of BAR0. One page per command: a command's read and write are one chunk,
 * so a leaked page is written before the next command fails (a longer
 * copy would drop the whole chunk when a later page is refused). Between
 * two moves BAR0 is home, so the main thread's doorbell reaches it.
 */
#define RACE_CMDS	2048
#define RACE_SECONDS	8

struct toggler {
	pthread_t t;
	char sel[64], in[64], out[64];
	atomic_bool stop;
	unsigned int moves;
};

static void *toggle_main(void *arg)
{
	struct toggler *tg = arg;
	const char *const cmds[3] = { tg->sel, tg->in, tg->out };

	while (!atomic_load(&tg->stop)) {
		qt_cmds_locked(3, cmds);
		tg->moves++;
	}
	free(qt_answer);	/* this thread's */
	qt_answer = NULL;
	return NULL;
}

START_TEST(dma_check_then_use_race)
{
	const uint64_t w = npu[0].bar2 + 0x100000, home = npu[0].bar0;
	const uint32_t win = 64 * 1024;
	struct snpu_cmd_dma_copy *cmds = calloc(RACE_CMDS, sizeof(*cmds));
	uint64_t dst = alloc(win, 4096);
	unsigned int jobs = 0, ok = 0, refused = 0, leaked = 0;
	uint8_t *buf = malloc(win);
	struct toggler tg;
	uint64_t t_end;

	ck_assert(buf && cmds);
	mem_set(w, win, 0xa5);
	for (uint32_t i = 0; i < win / 4096; i++) {
		map(&npu[0], VA_SRC + 4096ull * i, w + 4096ull * i, SNPU_PTE_READ);
		map(&npu[0], VA_DST + 4096ull * i, dst + 4096ull * i,
		    SNPU_PTE_READ | SNPU_PTE_WRITE);
	}
	for (unsigned int k = 0; k < RACE_CMDS; k++)
		cmds[k] = copy_cmd(VA_SRC + 4096ull * (k % 16), VA_DST + 4096ull * (k % 16), 4096);

	memset(&tg, 0, sizeof(tg));
	snprintf(tg.sel, sizeof(tg.sel), "outl 0xcf8 0x%x",
		 0x80000000u | (npu[0].devfn << 8) | (0x10 + 4 * SNPU_BAR_REGS));
	snprintf(tg.in, sizeof(tg.in), "outl 0xcfc 0x%x", (uint32_t)w);
	snprintf(tg.out, sizeof(tg.out), "outl 0xcfc 0x%x", (uint32_t)home);
	atomic_init(&tg.stop, false);
	ck_assert_int_eq(pthread_create(&tg.t, NULL, toggle_main, &tg), 0);

	t_end = mono_ns() + RACE_SECONDS * 1000000000ull;
	while (mono_ns() < t_end) {
		struct snpu_completion r;
		struct job j;

		mem_set(dst, win, 0x5a);
		j = submit(&npu[0], cmds, RACE_CMDS * sizeof(*cmds));
		jobs++;
		r = wait_job(&j);
		if (r.status == SNPU_OK)
			ok++;
		else if (r.status == SNPU_ERR_DMA)
			refused++;
		else
			ck_abort_msg("job %u: status %u", jobs, r.status);
		mem_read(dst, buf, win);
		for (uint32_t i = 0; i < win; i++) {
			if (buf[i] == 0xa5 || buf[i] == 0x5a)
				continue;
			leaked++;
			fprintf(stderr, "job %u (failed at command %u of %u): register data in page %u"
				" at +0x%x: %02x %02x %02x %02x\n", jobs, r.failed_cmd, RACE_CMDS,
				i / 4096, i % 4096, buf[i], buf[i + 1], buf[i + 2], buf[i + 3]);
			break;
		}
	}
	atomic_store(&tg.stop, true);
	pthread_join(tg.t, NULL);
	printf("race: %u jobs (%u ok, %u refused with SNPU_ERR_DMA), %u BAR0 moves, "
	       "%u jobs read register data\n", jobs, ok, refused, tg.moves, leaked);
	fflush(stdout);
	free(buf);
	free(cmds);
	ck_assert_msg(leaked == 0, "%u jobs read BAR0 registers into guest RAM", leaked);
	ck_assert_msg(refused > 0, "no job met BAR0 over the window: the race was not exercised");
	ck_assert_uint_eq(reg(&npu[0], SNPU_REG_ID), SNPU_ID_MAGIC);
	expect_usable();
}
END_TEST

/* ---- hot unplug in the middle of a job ------------------------------------------ */
#define ROOT_PORT_ID	0x000c1b36u	/* pcie-root-port */
#define HOT_BDF		(1u << 8)	/* bus 1, device 0 */
#define BAR0_H		0xe4000000ull
#define BAR4_H		0xe4100000ull
#define BAR2_H		0xc0000000ull
/* ICH9 ACPI PCI hotplug registers (QEMU's acpi/pcihp.c at 0x0cc0) */
#define PCIHP_EJ	0x0cc8
#define PCIHP_SEL	0x0cd0

static FILE *qmp_f;

static void qmp_send(const char *json)
{
	fprintf(qmp_f, "%s\n", json);
	fflush(qmp_f);
}

/* Next QMP line containing want (a return or an event), within ms. */
static bool qmp_expect(const char *want, unsigned int ms)
{
	char line[4096];
	uint64_t end = mono_ns() + ms * 1000000ull;

	while (mono_ns() < end) {
		struct pollfd pfd = { .fd = fileno(qmp_f), .events = POLLIN };

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if (!fgets(line, sizeof(line), qmp_f))
			return false;
		if (strstr(line, want))
			return true;
	}
	return false;
}

static void setup_hot(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned int rp = 0;
	int fd;

	snprintf(qmp_path, sizeof(qmp_path), "%s/snpu-glue-qmp.%d", getenv("TMPDIR") ?
		 getenv("TMPDIR") : "/tmp", (int)getpid());
	unlink(qmp_path);
	hot_setup = true;
	qemu_start();
	npu[0].devfn = 0;
	for (unsigned int slot = 0; slot < 32; slot++) {
		uint32_t id = cfg_rd(slot << 3, 0);

		if (id == (SNPU_PCI_VENDOR_ID | (SNPU_PCI_DEVICE_ID << 16)))
			npu[0].devfn = slot << 3;
		else if (id == ROOT_PORT_ID)
			rp = slot << 3;
	}
	ck_assert(npu[0].devfn && rp);
	/* the root port: bus 1, its windows, memory and bus master on */
	cfg_wr(rp, 0x18, 0 | 1 << 8 | 1 << 16);
	cfg_wr(rp, 0x20, (uint32_t)(BAR0_H >> 16) | (uint32_t)((BAR4_H + 0xfffff) >> 16) << 16);
	cfg_wr(rp, 0x24, (uint32_t)(BAR2_H >> 16) |
	       (uint32_t)((BAR2_H + DRAM_SIZE - 1) >> 16) << 16);
	cfg_wr(rp, 0x28, 0);
	cfg_wr(rp, 0x2c, 0);
	cfg_wr(rp, 0x04, (cfg_rd(rp, 0x04) & 0xffff0000u) | 0x6);
	npu[1].devfn = HOT_BDF;
	ck_assert_uint_eq(cfg_rd(HOT_BDF, 0), SNPU_PCI_VENDOR_ID | (SNPU_PCI_DEVICE_ID << 16));
	place_bars(&npu[0], BAR0_A, BAR2_A, BAR4_A);
	place_bars(&npu[1], BAR0_H, BAR2_H, BAR4_H);
	for (unsigned int i = 0; i < 2; i++) {
		npu[i].tail = 0;
		npu[i].seqno = 0;
	}
	bring_up(&npu[0]);
	bring_up(&npu[1]);

	ck_assert(strlen(qmp_path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, qmp_path, strlen(qmp_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "QMP %s: %s", qmp_path,
		      strerror(errno));
	qmp_f = fdopen(fd, "r+");
	ck_assert_ptr_nonnull(qmp_f);
	ck_assert(qmp_expect("\"QMP\"", 5000));
	qmp_send("{\"execute\": \"qmp_capabilities\"}");
	ck_assert(qmp_expect("\"return\"", 5000));
}

static void teardown_hot(void)
{
	if (qmp_f)
		fclose(qmp_f);
	qmp_f = NULL;
	qemu_stop();
	unlink(qmp_path);
	hot_setup = false;
}

/*
 * The SNPU behind the root port runs a POOL of 65535 x 65535 windows (it
 * would run until the 10 s backstop) when it is unplugged without any
 * driver help: QMP device_del, then the ACPI eject (what the guest's
 * acpiphp does). unrealize must not wait for the job: DEVICE_DELETED
 * within 2 s, QEMU keeps answering, does not die later (the worker and its
 * DMA are gone with the device), and the SNPU on pcie.0 runs a job.
 */
START_TEST(unplug_mid_job)
{
	static const uint32_t in_d[4] = { 1, 1, 65535, 65535 }, zeros[4] = { 0, 0, 0, 0 };
	static const uint32_t o_d[4] = { 1, 1, 1, 1 }, o_st[4] = { 1, 1, 1, 1 };
	uint64_t in = alloc(4096, 4096), out = alloc(4096, 4096), t0, dt;
	struct snpu_cmd_pool p = { 0 };
	struct snpu_completion r;
	struct job j;

	map(&npu[1], VA_SRC, in, SNPU_PTE_READ);
	map(&npu[1], VA_DST, out, SNPU_PTE_READ | SNPU_PTE_WRITE);
	p.hdr.opcode = SNPU_OP_POOL;
	p.hdr.size = sizeof(p);
	p.input.addr = VA_SRC;
	p.input.dtype = SNPU_DT_FP32;
	memcpy(p.input.dim, in_d, sizeof(in_d));
	memcpy(p.input.stride, zeros, sizeof(zeros));
	p.output.addr = VA_DST;
	p.output.dtype = SNPU_DT_FP32;
	memcpy(p.output.dim, o_d, sizeof(o_d));
	memcpy(p.output.stride, o_st, sizeof(o_st));
	p.mode = SNPU_POOL_MAX;
	p.kernel_h = p.kernel_w = 65535;
	p.stride_h = p.stride_w = 1;
	j = submit(&npu[1], &p, sizeof(p));
	usleep(300000);
	ck_assert_msg(!done(&j, &r), "the POOL finished in 300 ms: not a long job");

	t0 = mono_ns();
	qmp_send("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hot\"}}");
	qt_cmd("outl 0x%x 0x0", PCIHP_SEL);
	qt_cmd("outl 0x%x 0x1", PCIHP_EJ);	/* slot 0 of bus 1 */
	ck_assert_msg(qmp_expect("DEVICE_DELETED", 5000), "no DEVICE_DELETED within 5 s");
	dt = mono_ns() - t0;
	printf("unplug mid-job: DEVICE_DELETED after %llu ms\n", (unsigned long long)(dt / 1000000));
	fflush(stdout);
	ck_assert_msg(dt < 2000000000ull, "unplug took %llu ms", (unsigned long long)(dt / 1000000));
	ck_assert_uint_eq(cfg_rd(HOT_BDF, 0), 0xffffffffu);
	/* a while later QEMU is still there, the job never completed */
	usleep(1500000);
	ck_assert_uint_eq(reg(&npu[0], SNPU_REG_ID), SNPU_ID_MAGIC);
	ck_assert(!done(&j, &r));
	expect_usable();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("glue_dma");
	TCase *tc = tcase_create("targets");
	TCase *tr = tcase_create("race");
	TCase *tu = tcase_create("unplug");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dma_write_own_bar0_refused);
	tcase_add_test(tc, dma_read_own_bar0_refused);
	tcase_add_test(tc, dma_write_peer_bar0_refused);
	tcase_add_test(tc, dma_msix_and_nothing_refused);
	tcase_add_test(tc, dma_bar2_is_ram);
	tcase_add_test(tc, dma_rom_read_only);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 300);
	tcase_add_test(tr, dma_check_then_use_race);
	suite_add_tcase(s, tr);
	tcase_add_checked_fixture(tu, setup_hot, teardown_hot);
	tcase_set_timeout(tu, 120);
	tcase_add_test(tu, unplug_mid_job);
	suite_add_tcase(s, tu);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
