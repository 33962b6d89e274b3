// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU DRM accel driver: module, PCI driver, DRM driver, ioctl table and
 * the per-file state.
 */

#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <linux/cred.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "drm/snpu_accel.h"
#include "snpu_regs.h"

#include "snpu_coredump.h"
#include "snpu_debugfs.h"
#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_firmware.h"
#include "snpu_gem.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"
#include "snpu_param.h"
#include "snpu_pm.h"
#include "snpu_queue.h"

static int snpu_open(struct drm_device *drm, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct snpu_file *sfile;
	int idx, ret;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	sfile = kzalloc(sizeof(*sfile), GFP_KERNEL);
	if (!sfile) {
		ret = -ENOMEM;
		goto out;
	}
	sfile->sdev = sdev;
	/* The MMU context comes with the first BO, bind or submit. */
	sfile->uid = current_uid();
	ret = snpu_file_jobs_init(sfile);
	if (ret) {
		kfree(sfile);
		goto out;
	}
	file->driver_priv = sfile;
out:
	drm_dev_exit(idx);
	return ret;
}

static void snpu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct snpu_file *sfile = file->driver_priv;

	snpu_file_jobs_fini(sfile);
	snpu_vm_put(sfile->vm);
	kfree(sfile);
}

#define SNPU_IOCTL(name, func) \
	DRM_IOCTL_DEF_DRV(SNPU_##name, snpu_ioctl_##func, 0)

static const struct drm_ioctl_desc snpu_ioctls[] = {
	SNPU_IOCTL(GET_PARAM, get_param),
	SNPU_IOCTL(BO_CREATE, bo_create),
	SNPU_IOCTL(BO_MMAP_OFFSET, bo_mmap_offset),
	SNPU_IOCTL(BO_INFO, bo_info),
	SNPU_IOCTL(SUBMIT, submit),
	SNPU_IOCTL(BO_BIND, bo_bind),
	SNPU_IOCTL(JOB_WAIT, job_wait),
};

static const struct file_operations snpu_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

static const struct drm_driver snpu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = snpu_open,
	.postclose = snpu_postclose,
	.show_fdinfo = snpu_show_fdinfo,
	.gem_create_object = snpu_gem_create_object,
	.gem_prime_import = snpu_gem_prime_import,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.ioctls = snpu_ioctls,
	.num_ioctls = ARRAY_SIZE(snpu_ioctls),
	.fops = &snpu_fops,
	.name = "snpu",
	.desc = "SNPU neural network accelerator",
	/*
	 * 1.1: priority 0 is NORMAL, DRM_SNPU_JOB_ABORTED, the *_FLAGS params,
	 * READ_ONLY a BO property, va without FIXED_VA and negative timeouts
	 * refused, VAs from 64 KiB.
	 * 1.2: the MMU context comes with a file's first use, not open();
	 * max_user_contexts per user (-EDQUOT).
	 */
	.major = 1,
	.minor = 2,
};

static void snpu_ida_fini(struct drm_device *drm, void *arg)
{
	ida_destroy(arg);
}

static int snpu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct snpu_device *sdev;
	int ret;

	sdev = devm_drm_dev_alloc(&pdev->dev, &snpu_drm_driver, struct snpu_device, drm);
	if (IS_ERR(sdev))
		return PTR_ERR(sdev);
	sdev->pdev = pdev;
	pci_set_drvdata(pdev, sdev);
	init_waitqueue_head(&sdev->event_wq);
	spin_lock_init(&sdev->latch_lock);
	spin_lock_init(&sdev->fault_lock);
	ida_init(&sdev->ctx_ida);
	ret = drmm_add_action_or_reset(&sdev->drm, snpu_ida_fini, &sdev->ctx_ida);
	if (ret)
		return ret;
	ret = drmm_mutex_init(&sdev->drm, &sdev->ctx_lock);
	if (!ret)
		ret = drmm_mutex_init(&sdev->drm, &sdev->dram_lock);
	if (!ret)
		ret = drmm_mutex_init(&sdev->drm, &sdev->sched_lock);
	if (!ret)
		ret = drmm_mutex_init(&sdev->drm, &sdev->reset_lock);
	if (ret)
		return ret;

	ret = snpu_device_init(sdev);
	if (ret)
		return ret;
	ret = snpu_mmu_init(sdev);
	if (!ret)
		ret = snpu_gem_init(sdev);
	if (!ret)
		ret = snpu_queues_init(sdev);
	if (ret)
		goto err_fini;

	ret = snpu_fw_boot(sdev);
	if (ret)
		goto err_fini;

	ret = snpu_job_init(sdev);
	if (ret)
		goto err_fini;
	snpu_engine_hw_init(sdev);
	WRITE_ONCE(sdev->started, true);

	snpu_debugfs_init(sdev);
	ret = drm_dev_register(&sdev->drm, 0);
	if (ret) {
		dev_err(&pdev->dev, "cannot register the DRM device: %d\n", ret);
		goto err_jobs;
	}
	snpu_pm_init(sdev);
	return 0;

err_jobs:
	WRITE_ONCE(sdev->started, false);
	snpu_job_stop(sdev);
err_fini:
	snpu_device_fini(sdev);
	return ret;
}

static void snpu_remove(struct pci_dev *pdev)
{
	struct snpu_device *sdev = pci_get_drvdata(pdev);

	/* The PCI core resumed the device for remove: keep it so. */
	snpu_pm_fini(sdev);
	drm_dev_unplug(&sdev->drm);
	WRITE_ONCE(sdev->started, false);
	synchronize_irq(sdev->err_irq);
	snpu_job_stop(sdev);
	snpu_device_fini(sdev);
	/*
	 * The device does no DMA any more and no ioctl reaches it: release
	 * every DMA allocation and mapping of it now, not when the last file
	 * closes (DMA-API debug checks at unbind). Open files keep their BOs
	 * (CPU mappings of SYSTEM BOs still work, DEVICE BOs get a dummy
	 * page), their jobs' results and dead contexts; their ioctls fail
	 * with -ENODEV and closing them frees the rest.
	 */
	snpu_job_unplug(sdev);
	snpu_gem_unplug(sdev);
	snpu_mmu_unplug(sdev);
	snpu_coredump_fini(sdev);
}

static const struct pci_device_id snpu_pci_ids[] = {
	{ PCI_DEVICE(SNPU_PCI_VENDOR_ID, SNPU_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, snpu_pci_ids);

static struct pci_driver snpu_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = snpu_pci_ids,
	.probe = snpu_probe,
	.remove = snpu_remove,
	.shutdown = snpu_shutdown,
	.err_handler = &snpu_err_handlers,
	.driver.pm = pm_ptr(&snpu_pm_ops),
};
module_pci_driver(snpu_pci_driver);

MODULE_DESCRIPTION("SNPU neural network accelerator DRM accel driver");
MODULE_LICENSE("GPL");
