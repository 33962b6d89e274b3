/*
 * SNPU neural-network accelerator: QEMU PCI glue.
 *
 * The device itself lives in the plain-C core (snpu_core.h); this file only
 * adapts it to QEMU: BAR0 registers (MemoryRegionOps), BAR2 device DRAM
 * (RAM backed by the core's buffer), MSI-X in BAR4, bus-master DMA, a clock
 * and a worker thread that runs the core off the vCPU threads and the BQL.
 *
 * Locking: the worker never takes the BQL. DMA carries MemTxAttrs.memory,
 * so the memory core itself refuses every non-RAM target in the same
 * translation that performs the access (MMIO would take the BQL and
 * could deadlock); MSI-X messages are sent by a bottom half in the main
 * loop. Nothing under the BQL ever waits for the worker: reset only
 * advances the core's reset epoch (the worker notices it within a row or
 * tile of the running command), and unrealize asks the worker to stop and
 * returns; the worker, on its way out, schedules a bottom half that reaps
 * the thread and drops the reference it held on the device.
 *
 * SPDX-License-Identifier: MIT
 */

#include "qemu/osdep.h"
#include "block/aio.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/blocker.h"
#include "system/kvm.h"
#include "exec/memory.h"
#include "qom/object.h"
#include "hw/misc/trace.h"

#include "snpu_core.h"
#include "snpu_regs.h"

#define TYPE_SNPU "snpu"
typedef struct SnpuState SnpuState;
DECLARE_INSTANCE_CHECKER(SnpuState, SNPU, TYPE_SNPU)

#define SNPU_PCIE_CAP_OFFSET 0x80

struct SnpuState {
    PCIDevice pdev;
    MemoryRegion regs;          /* BAR0 */
    MemoryRegion dram;          /* BAR2 */

    struct snpu_config cfg;     /* set by the device properties */
    struct snpu_host_ops ops;
    struct snpu_core *core;

    QemuThread thread;
    QemuMutex lock;             /* protects kicked and stopping */
    QemuCond cond;
    bool kicked;
    bool stopping;
    bool thread_started;        /* running and not yet asked to stop */
    bool worker_made;           /* realize completed: lock, cond, BH live */
    bool exiting;               /* unrealized: no DMA, no MSI-X (atomic) */

    QEMUBH *irq_bh;             /* sends the vectors collected in irq_pending */
    uint32_t irq_pending;       /* bit v = MSI-X vector v (atomic) */

    Error *migration_blocker;
    char *name;                 /* "snpu@SLOT.FN" (or the id) for messages */
};

/*
 * Device clock: QEMU_CLOCK_VIRTUAL. It is the guest's own notion of time (it
 * stops while the VM is paused, and follows -icount), so timestamps, WAIT
 * timeouts and paced completions stay consistent with what the guest
 * measures; while the VM runs it advances with the host's monotonic clock.
 * The worker sleeps until the next deadline snpu_core_run() asks for
 * (a WAIT poll, a paced completion) with a timed wait of its own.
 */
#define SNPU_CLOCK QEMU_CLOCK_VIRTUAL

/* ---- host ops ------------------------------------------------------------ */

/*
 * Bus-master DMA through the device's bus-master address space (IOMMU and
 * the Bus Master Enable bit apply). MemTxAttrs.memory makes the memory
 * core refuse any target that is not RAM (see the locking note at the
 * top) in the same translation as the access: there is no separate check
 * a guest could race. RAM includes the BAR2 of an SNPU (this one or a
 * peer), which is RAM backed by its core. The RCU read section keeps the
 * address space alive if unrealize tears it down meanwhile; after
 * unrealize every access fails.
 */
static int snpu_dma(SnpuState *s, uint64_t addr, void *buf, size_t len,
                    DMADirection dir)
{
    MemTxAttrs attrs = { .memory = 1 };
    MemTxResult r;

    RCU_READ_LOCK_GUARD();
    if (qatomic_read(&s->exiting)) {
        return -1;
    }
    r = pci_dma_rw(&s->pdev, addr, buf, len, dir, attrs);
    if (r != MEMTX_OK) {
        trace_snpu_dma_refused(s->name, addr, dir == DMA_DIRECTION_FROM_DEVICE);
        qemu_log_mask(LOG_GUEST_ERROR,
                      "%s: DMA %s 0x%" PRIx64 " (%zu bytes) failed: not guest RAM"
                      " or bus mastering off\n", s->name,
                      dir == DMA_DIRECTION_FROM_DEVICE ? "write to" : "read from",
                      addr, len);
        return -1;
    }
    return 0;
}

static int snpu_op_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    return snpu_dma(opaque, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

static int snpu_op_dma_write(void *opaque, uint64_t addr, const void *buf,
                             size_t len)
{
    return snpu_dma(opaque, addr, (void *)buf, len, DMA_DIRECTION_FROM_DEVICE);
}

static void snpu_op_irq(void *opaque, unsigned int vector)
{
    SnpuState *s = opaque;

    if (vector >= 32 || vector >= snpu_core_msix_vectors(s->core)) {
        return;
    }
    qatomic_or(&s->irq_pending, 1u << vector);
    qemu_bh_schedule(s->irq_bh);
}

static void snpu_irq_bh(void *opaque)
{
    SnpuState *s = opaque;
    uint32_t pending = qatomic_xchg(&s->irq_pending, 0);

    if (qatomic_read(&s->exiting)) {
        return;
    }
    while (pending) {
        unsigned int v = ctz32(pending);

        pending &= pending - 1;
        trace_snpu_irq(s->name, v);
        if (msix_enabled(&s->pdev)) {
            msix_notify(&s->pdev, v);
        }
    }
}

static uint64_t snpu_op_clock_ns(void *opaque)
{
    return qemu_clock_get_ns(SNPU_CLOCK);
}

static void snpu_op_kick(void *opaque)
{
    SnpuState *s = opaque;

    qemu_mutex_lock(&s->lock);
    s->kicked = true;
    qemu_cond_signal(&s->cond);
    qemu_mutex_unlock(&s->lock);
}

/* Guest errors and unimplemented features go to -d guest_errors / unimp,
 * informational messages to the snpu_log trace event. */
static void snpu_op_log(void *opaque, enum snpu_log_level level,
                        const char *msg)
{
    SnpuState *s = opaque;

    if (g_str_has_prefix(msg, "snpu: ")) {
        msg += strlen("snpu: ");
    }
    switch (level) {
    case SNPU_LOG_GUEST_ERROR:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %s\n", s->name, msg);
        break;
    case SNPU_LOG_UNIMP:
        qemu_log_mask(LOG_UNIMP, "%s: %s\n", s->name, msg);
        break;
    default:
        trace_snpu_log(s->name, msg);
        break;
    }
}

/* ---- worker thread ------------------------------------------------------- */

/* Runs in the main loop once the worker has returned: join it (it has
 * already left its loop) and drop the reference it held on the device. */
static void snpu_worker_reap(void *opaque)
{
    SnpuState *s = opaque;

    qemu_thread_join(&s->thread);
    object_unref(OBJECT(s));
}

static void *snpu_worker(void *opaque)
{
    SnpuState *s = opaque;
    int64_t wait = -1;

    qemu_mutex_lock(&s->lock);
    while (!s->stopping) {
        if (!s->kicked && wait < 0) {
            qemu_cond_wait(&s->cond, &s->lock);
            continue;
        }
        if (!s->kicked && wait >= SCALE_MS) {
            /* a timed wait: woken early by a kick or stop */
            qemu_cond_timedwait(&s->cond, &s->lock, wait / SCALE_MS);
        } else if (!s->kicked && wait > 0) {
            /* below the timed wait's millisecond resolution */
            qemu_mutex_unlock(&s->lock);
            g_usleep(MAX(wait / SCALE_US, 1));
            qemu_mutex_lock(&s->lock);
        }
        if (s->stopping) {
            break;
        }
        s->kicked = false;
        qemu_mutex_unlock(&s->lock);

        wait = snpu_core_run(s->core);

        qemu_mutex_lock(&s->lock);
    }
    qemu_mutex_unlock(&s->lock);
    aio_bh_schedule_oneshot(qemu_get_aio_context(), snpu_worker_reap, s);
    return NULL;
}

/* ---- BAR0 ------------------------------------------------------------------ */

static uint64_t snpu_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    SnpuState *s = opaque;

    return snpu_core_reg_read(s->core, addr);
}

static void snpu_reg_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    SnpuState *s = opaque;

    snpu_core_reg_write(s->core, addr, val);
}

/*
 * Registers are 32 bits. A 64-bit access is split by the memory core into
 * two 32-bit ones, low address first, which matches the LO-then-HI latching
 * of the 64-bit counters; smaller or unaligned accesses are refused.
 */
static const MemoryRegionOps snpu_reg_ops = {
    .read = snpu_reg_read,
    .write = snpu_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* ---- PCI ------------------------------------------------------------------- */

static void snpu_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                              int len)
{
    pci_default_write_config(pdev, addr, val, len);
    if (pci_is_express(pdev)) {
        pcie_cap_flr_write_config(pdev, addr, val, len);
    }
}

/* Ask the worker to stop; it reaps itself (snpu_worker_reap). Never waits. */
static void snpu_stop_worker(SnpuState *s)
{
    if (!s->thread_started) {
        return;
    }
    qemu_mutex_lock(&s->lock);
    s->stopping = true;
    qemu_cond_signal(&s->cond);
    qemu_mutex_unlock(&s->lock);
    s->thread_started = false;
}

static void snpu_realize(PCIDevice *pdev, Error **errp)
{
    SnpuState *s = SNPU(pdev);
    unsigned int nvec, v;
    char err[256] = "";
    void *dram;

    g_free(s->name);
    s->name = DEVICE(s)->id ? g_strdup(DEVICE(s)->id) :
              g_strdup_printf("snpu@%02x.%x", PCI_SLOT(pdev->devfn),
                              PCI_FUNC(pdev->devfn));
    s->ops = (struct snpu_host_ops) {
        .opaque = s,
        .dma_read = snpu_op_dma_read,
        .dma_write = snpu_op_dma_write,
        .irq = snpu_op_irq,
        .clock_ns = snpu_op_clock_ns,
        .kick = snpu_op_kick,
        .log = snpu_op_log,
    };
    /* Created before the core: snpu_core_new() may already kick or log. */
    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->cond);
    s->irq_bh = qemu_bh_new_guarded(snpu_irq_bh, s,
                                    &DEVICE(s)->mem_reentrancy_guard);

    s->core = snpu_core_new(&s->cfg, &s->ops, err, sizeof(err));
    if (!s->core) {
        error_setg(errp, "snpu: %s", err[0] ? err : "invalid configuration");
        goto fail;
    }
    dram = snpu_core_dram(s->core);
    /* KVM maps BAR2 as a memory slot, which must start on a host page. */
    if (kvm_enabled() &&
        !QEMU_PTR_IS_ALIGNED(dram, qemu_real_host_page_size())) {
        error_setg(errp, "snpu: the core's DRAM buffer %p is not page aligned,"
                   " which KVM cannot map (use TCG)", dram);
        goto fail;
    }

    pdev->config[PCI_INTERRUPT_PIN] = 0;    /* MSI-X only */

    memory_region_init_io(&s->regs, OBJECT(s), &snpu_reg_ops, s, "snpu-regs",
                          SNPU_REGS_SIZE);
    pci_register_bar(pdev, SNPU_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);
    memory_region_init_ram_ptr(&s->dram, OBJECT(s), "snpu-dram",
                               snpu_core_dram_size(s->core), dram);
    pci_register_bar(pdev, SNPU_BAR_DRAM,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->dram);

    /*
     * PCIe endpoint with FLR when plugged into an express bus (on q35's
     * pcie.0 it becomes a root-complex integrated endpoint); a plain PCI
     * function elsewhere (e.g. -machine pc).
     */
    if (pci_bus_is_express(pci_get_bus(pdev))) {
        if (pcie_endpoint_cap_init(pdev, SNPU_PCIE_CAP_OFFSET) < 0) {
            error_setg(errp, "snpu: cannot add the PCIe capability");
            goto fail;
        }
        pcie_cap_flr_init(pdev);
    } else {
        pdev->cap_present &= ~QEMU_PCI_CAP_EXPRESS;
    }

    nvec = snpu_core_msix_vectors(s->core);
    if (msix_init_exclusive_bar(pdev, nvec, SNPU_BAR_MSIX, errp) < 0) {
        goto fail_pcie;
    }
    for (v = 0; v < nvec; v++) {
        msix_vector_use(pdev, v);
    }

    error_setg(&s->migration_blocker,
               "snpu: device state (queues, MMU contexts, jobs in flight) "
               "is not migratable");
    if (migrate_add_blocker(&s->migration_blocker, errp) < 0) {
        goto fail_msix;
    }

    s->stopping = false;
    s->kicked = true;           /* a first run() picks up anything pending */
    qatomic_set(&s->exiting, false);
    object_ref(OBJECT(s));      /* dropped by snpu_worker_reap */
    qemu_thread_create(&s->thread, "snpu-worker", snpu_worker, s,
                       QEMU_THREAD_JOINABLE);
    s->thread_started = true;
    s->worker_made = true;
    return;

fail_msix:
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
fail_pcie:
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
fail:
    /* s->core is freed in instance_finalize (BAR2 may still be referenced). */
    qemu_bh_delete(s->irq_bh);
    s->irq_bh = NULL;
    qemu_cond_destroy(&s->cond);
    qemu_mutex_destroy(&s->lock);
}

/*
 * Unrealize never waits for the worker: from here on DMA and MSI-X are
 * refused (exiting), the reset aborts the running command within a row or
 * tile, and the worker is asked to stop. It keeps a reference on the
 * device until it has left, so the core, the lock and the bottom half it
 * may still touch are released in instance_finalize.
 */
static void snpu_exit(PCIDevice *pdev)
{
    SnpuState *s = SNPU(pdev);

    qatomic_set(&s->exiting, true);
    snpu_core_reset(s->core);
    snpu_stop_worker(s);
    migrate_del_blocker(&s->migration_blocker);
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
}

/*
 * The core owns the memory behind BAR2, which the flat views keep
 * referencing until an RCU grace period after unplug: free it only when the
 * last reference to the device is gone.
 */
static void snpu_instance_finalize(Object *obj)
{
    SnpuState *s = SNPU(obj);

    if (s->core) {
        snpu_core_free(s->core);
        s->core = NULL;
    }
    if (s->worker_made) {       /* the worker is gone (it held a reference) */
        qemu_bh_delete(s->irq_bh);
        s->irq_bh = NULL;
        qemu_cond_destroy(&s->cond);
        qemu_mutex_destroy(&s->lock);
        s->worker_made = false;
    }
    g_free(s->name);
    s->name = NULL;
}

static void snpu_instance_init(Object *obj)
{
    /* Hybrid device: express on an express bus, see snpu_realize(). */
    PCI_DEVICE(obj)->cap_present |= QEMU_PCI_CAP_EXPRESS;
}

/*
 * Resettable (three-phase) reset, for system reset and FLR
 * (pcie_cap_flr_write_config -> pci_device_reset -> device_cold_reset).
 * Enter: the core restores its power-on registers and advances its reset
 * epoch; it never waits for the worker, which aborts the running command
 * within a row or tile and clears STATUS.RESETTING itself. Hold: forget
 * MSI-X messages not yet sent (the vectors' state is reset by PCI).
 */
static void snpu_reset_enter(Object *obj, ResetType type)
{
    SnpuState *s = SNPU(obj);

    if (s->core) {
        snpu_core_reset(s->core);
    }
}

static void snpu_reset_hold(Object *obj, ResetType type)
{
    SnpuState *s = SNPU(obj);

    qatomic_set(&s->irq_pending, 0);
}

/* Every struct snpu_config field; defaults come from snpu_config_defaults(). */
static const Property snpu_properties[] = {
    DEFINE_PROP_UNSIGNED_NODEFAULT("num-queues", SnpuState, cfg.num_queues,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("dram-size", SnpuState, cfg.dram_size,
                                   qdev_prop_size, uint64_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("sram-size", SnpuState, cfg.sram_size,
                                   qdev_prop_size32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("num-contexts", SnpuState, cfg.num_contexts,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("mac-rows", SnpuState, cfg.mac_rows,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("mac-cols", SnpuState, cfg.mac_cols,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("clock-mhz", SnpuState, cfg.clock_mhz,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("dram-bw", SnpuState, cfg.dram_bw,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("sram-bw", SnpuState, cfg.sram_bw,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("pcie-bw", SnpuState, cfg.pcie_bw,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("cmd-overhead", SnpuState, cfg.cmd_overhead,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UNSIGNED_NODEFAULT("threads", SnpuState, cfg.threads,
                                   qdev_prop_uint32, uint32_t),
    DEFINE_PROP("pace", SnpuState, cfg.pace, qdev_prop_bool, bool),
    DEFINE_PROP("fault-injection", SnpuState, cfg.fault_injection,
                qdev_prop_bool, bool),
};

static void snpu_set_default(ObjectClass *oc, const char *name, uint64_t val,
                             const char *desc)
{
    ObjectProperty *op = object_class_property_find(oc, name);

    object_property_set_default_uint(op, val);
    object_class_property_set_description(oc, name, desc);
}

static void snpu_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    ResettableClass *rc = RESETTABLE_CLASS(oc);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(oc);
    struct snpu_config d;

    k->realize = snpu_realize;
    k->exit = snpu_exit;
    k->config_write = snpu_write_config;
    k->vendor_id = SNPU_PCI_VENDOR_ID;
    k->device_id = SNPU_PCI_DEVICE_ID;
    k->revision = SNPU_PCI_REVISION;
    k->class_id = SNPU_PCI_CLASS;
    dc->desc = "SNPU neural-network accelerator";
    rc->phases.enter = snpu_reset_enter;
    rc->phases.hold = snpu_reset_hold;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    device_class_set_props(dc, snpu_properties);
    snpu_config_defaults(&d);
    snpu_set_default(oc, "num-queues", d.num_queues,
                     "hardware queues (1..16)");
    snpu_set_default(oc, "dram-size", d.dram_size,
                     "device DRAM = BAR2 size, power of two");
    snpu_set_default(oc, "sram-size", d.sram_size, "on-chip SRAM scratchpad");
    snpu_set_default(oc, "num-contexts", d.num_contexts, "MMU contexts");
    snpu_set_default(oc, "mac-rows", d.mac_rows, "MAC array rows (timing)");
    snpu_set_default(oc, "mac-cols", d.mac_cols, "MAC array columns (timing)");
    snpu_set_default(oc, "clock-mhz", d.clock_mhz,
                     "tensor engine clock, MHz (timing)");
    snpu_set_default(oc, "dram-bw", d.dram_bw, "DRAM bandwidth, MB/s (timing)");
    snpu_set_default(oc, "sram-bw", d.sram_bw, "SRAM bandwidth, MB/s (timing)");
    snpu_set_default(oc, "pcie-bw", d.pcie_bw, "PCIe bandwidth, MB/s (timing)");
    snpu_set_default(oc, "cmd-overhead", d.cmd_overhead,
                     "cycles per command (timing)");
    snpu_set_default(oc, "threads", d.threads,
                     "tensor engine host threads (0..64, 0 = all host cores)");
    object_property_set_default_bool(object_class_property_find(oc, "pace"),
                                     d.pace);
    object_class_property_set_description(oc, "pace",
        "hold completions until the timing model's predicted time");
    object_property_set_default_bool(
        object_class_property_find(oc, "fault-injection"), d.fault_injection);
    object_class_property_set_description(oc, "fault-injection",
        "enable the FI_* debug registers (drop interrupts, fail DMA, hang a "
        "queue, fail a soft reset) for driver recovery tests");
}

static void snpu_register_types(void)
{
    static InterfaceInfo interfaces[] = {
        { INTERFACE_PCIE_DEVICE },
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    };
    static const TypeInfo snpu_info = {
        .name = TYPE_SNPU,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(SnpuState),
        .instance_init = snpu_instance_init,
        .instance_finalize = snpu_instance_finalize,
        .class_init = snpu_class_init,
        .interfaces = interfaces,
    };

    type_register_static(&snpu_info);
}

type_init(snpu_register_types)
