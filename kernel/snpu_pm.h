/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU power management: runtime PM with autosuspend, system sleep, PCI
 * shutdown and error recovery.
 */
#ifndef __SNPU_PM_H__
#define __SNPU_PM_H__

#include <linux/pci.h>
#include <linux/pm.h>

struct snpu_device;

extern const struct dev_pm_ops snpu_pm_ops;
extern const struct pci_error_handlers snpu_err_handlers;

void snpu_pm_init(struct snpu_device *sdev);
void snpu_pm_fini(struct snpu_device *sdev);
int snpu_pm_get(struct snpu_device *sdev);
void snpu_pm_put(struct snpu_device *sdev);
void snpu_shutdown(struct pci_dev *pdev);

#endif /* __SNPU_PM_H__ */
