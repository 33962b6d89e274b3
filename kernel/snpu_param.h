/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DRM_IOCTL_SNPU_GET_PARAM.
 */
#ifndef __SNPU_PARAM_H__
#define __SNPU_PARAM_H__

struct drm_device;
struct drm_file;

int snpu_ioctl_get_param(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __SNPU_PARAM_H__ */
