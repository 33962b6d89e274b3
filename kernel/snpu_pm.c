// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU power management.
 *
 * Runtime PM: every job holds a runtime PM reference from SUBMIT until it
 * is freed; with none left the device autosuspends (autosuspend_delay_ms,
 * default 1 s): the engine is soft-reset, which drops the firmware. Resume
 * boots the firmware again and programs MMU and rings. The PCI core keeps
 * runtime PM forbidden until userspace writes "auto" to power/control.
 *
 * System sleep: the schedulers stop handing jobs to the device, the jobs
 * on the rings finish (at most 10 s, else the suspend fails with -EBUSY),
 * and the device is suspended as above; jobs still queued run after
 * resume.
 *
 * PCI: .shutdown quiesces the device (no DMA, no interrupt); the error
 * handlers stop the schedulers when the link has an error and, once the
 * slot is reset, restart the engine as after a hang (the jobs that were on
 * a ring fail, queued ones run).
 */

#include <drm/drm_drv.h>
#include <linux/delay.h>
#include <linux/pm_runtime.h>

#include "snpu_regs.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_job.h"
#include "snpu_pm.h"
#include "snpu_queue.h"

#define SNPU_AUTOSUSPEND_MS	1000
#define SNPU_DRAIN_MS		10000

void snpu_pm_init(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;

	pm_runtime_set_autosuspend_delay(dev, SNPU_AUTOSUSPEND_MS);
	pm_runtime_use_autosuspend(dev);
	pm_runtime_mark_last_busy(dev);
	/* The PCI core holds a reference across probe: let it go. */
	pm_runtime_put_autosuspend(dev);
}

void snpu_pm_fini(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;

	pm_runtime_get_noresume(dev);
	pm_runtime_dont_use_autosuspend(dev);
}

/* Resume the device if needed and keep it awake until snpu_pm_put(). */
int snpu_pm_get(struct snpu_device *sdev)
{
	return pm_runtime_resume_and_get(&sdev->pdev->dev);
}

void snpu_pm_put(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;

	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
}

static int snpu_runtime_suspend(struct device *dev)
{
	struct snpu_device *sdev = pci_get_drvdata(to_pci_dev(dev));

	cancel_delayed_work_sync(&sdev->watchdog);
	guard(mutex)(&sdev->reset_lock);
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
	/* Idle: nothing on a ring. The reset drops the firmware. */
	snpu_device_reset(sdev);
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~SNPU_IRQ_ERROR);
	atomic_inc(&sdev->suspends);
	return 0;
}

static int snpu_runtime_resume(struct device *dev)
{
	struct snpu_device *sdev = pci_get_drvdata(to_pci_dev(dev));
	int ret;

	guard(mutex)(&sdev->reset_lock);
	if (READ_ONCE(sdev->dead))
		return 0;	/* jobs fail with -EIO; nothing to boot */
	ret = snpu_engine_start(sdev);
	if (ret) {
		WRITE_ONCE(sdev->dead, true);
		dev_err(dev, "firmware did not boot on resume (%d): jobs fail\n", ret);
	}
	return 0;
}

static bool snpu_rings_idle(struct snpu_device *sdev)
{
	u32 i;

	for (i = 0; i < sdev->hw.num_queues; i++)
		if (snpu_queue_running_seqno(&sdev->queues[i]))
			return false;
	return true;
}

/* Under reset_lock: a reset meanwhile keeps them paused (sched_paused). */
static void snpu_sched_pause(struct snpu_device *sdev, bool pause)
{
	u32 i;

	guard(mutex)(&sdev->reset_lock);
	sdev->sched_paused = pause;
	for (i = 0; i < sdev->hw.num_queues; i++) {
		if (pause)
			drm_sched_wqueue_stop(&sdev->queues[i].sched);
		else
			drm_sched_wqueue_start(&sdev->queues[i].sched);
	}
}

static int snpu_pm_suspend(struct device *dev)
{
	struct snpu_device *sdev = pci_get_drvdata(to_pci_dev(dev));
	unsigned long deadline = jiffies + msecs_to_jiffies(SNPU_DRAIN_MS);
	int ret;

	snpu_sched_pause(sdev, true);
	while (!snpu_rings_idle(sdev) && time_before(jiffies, deadline))
		msleep(20);
	if (!snpu_rings_idle(sdev)) {
		dev_err(dev, "jobs still running after %u ms: suspend refused\n", SNPU_DRAIN_MS);
		snpu_sched_pause(sdev, false);
		return -EBUSY;
	}
	ret = pm_runtime_force_suspend(dev);
	if (ret)
		snpu_sched_pause(sdev, false);
	return ret;
}

static int snpu_pm_resume(struct device *dev)
{
	struct snpu_device *sdev = pci_get_drvdata(to_pci_dev(dev));
	int ret = pm_runtime_force_resume(dev);

	snpu_sched_pause(sdev, false);
	return ret;
}

const struct dev_pm_ops snpu_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(snpu_pm_suspend, snpu_pm_resume)
	RUNTIME_PM_OPS(snpu_runtime_suspend, snpu_runtime_resume, NULL)
};

/**
 * snpu_shutdown - reboot or kexec: no DMA and no interrupt afterwards
 * @pdev: the PCI function
 */
void snpu_shutdown(struct pci_dev *pdev)
{
	struct snpu_device *sdev = pci_get_drvdata(pdev);

	snpu_sched_pause(sdev, true);
	cancel_delayed_work_sync(&sdev->watchdog);
	snpu_device_fini(sdev);
}

static pci_ers_result_t snpu_error_detected(struct pci_dev *pdev, pci_channel_state_t state)
{
	struct snpu_device *sdev = pci_get_drvdata(pdev);

	dev_err(&pdev->dev, "PCI channel error (state %d)\n", state);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	snpu_sched_pause(sdev, true);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t snpu_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void snpu_error_resume(struct pci_dev *pdev)
{
	struct snpu_device *sdev = pci_get_drvdata(pdev);

	/* Reset and restart the engine; starts the schedulers again. */
	snpu_engine_recover(sdev);
}

const struct pci_error_handlers snpu_err_handlers = {
	.error_detected = snpu_error_detected,
	.slot_reset = snpu_slot_reset,
	.resume = snpu_error_resume,
};
