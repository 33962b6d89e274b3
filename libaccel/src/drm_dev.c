/* SPDX-License-Identifier: MIT */
/* "drm" backend: enumerate /dev/accel, open a node, GET_PARAM. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm_be.h"
#include "drm/snpu_accel.h"

#define ACCEL_DEV_DIR "/dev/accel"
#define SNPU_DRIVER "snpu"

accel_status accel__drm_ioctl(struct drm_dev *d, unsigned long req, void *arg, const char *what)
{
	if (drmIoctl(d->fd, req, arg) == 0)
		return ACCEL_OK;
	return accel__fail_errno(errno, "%s", what);
}

/* Basename of the link target of path into out, or "" when not a link. */
static void link_base(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *slash;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	slash = slash ? slash + 1 : buf;
	n = (ssize_t)strlen(slash);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(out, slash, (size_t)n);
	out[n] = '\0';
}

/* Is the node accelN bound to snpu? sysfs first, else DRM_IOCTL_VERSION. */
static bool is_snpu(const char *node, const char *path)
{
	char sys[PATH_MAX], drv[64];
	drmVersionPtr ver;
	bool yes;
	int fd;

	snprintf(sys, sizeof(sys), "/sys/class/accel/%s/device/driver", node);
	link_base(sys, drv, sizeof(drv));
	if (drv[0])
		return !strcmp(drv, SNPU_DRIVER);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	ver = drmGetVersion(fd);
	yes = ver && ver->name && !strcmp(ver->name, SNPU_DRIVER);
	drmFreeVersion(ver);
	close(fd);
	return yes;
}

static void pci_address(const char *node, char *out, size_t len)
{
	char sys[PATH_MAX];

	snprintf(sys, sizeof(sys), "/sys/class/accel/%s/device", node);
	link_base(sys, out, len);
}

static int node_minor(const char *name)
{
	char *end;
	long v;

	if (strncmp(name, "accel", 5) || !name[5])
		return -1;
	v = strtol(name + 5, &end, 10);
	return (*end || v < 0 || v > 65535) ? -1 : (int)v;
}

static int cmp_minor(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

accel_status accel__drm_enumerate(accel_device_desc *out, size_t max, size_t *count)
{
	int minors[256];
	size_t nm = 0, n = 0;
	struct dirent *de;
	DIR *dir;

	*count = 0;
	dir = opendir(ACCEL_DEV_DIR);
	if (!dir) {
		if (errno == ENOENT)
			return ACCEL_OK;	/* no accel device at all */
		return accel__fail_errno(errno, "accel_enumerate: opendir %s", ACCEL_DEV_DIR);
	}
	while ((de = readdir(dir)) && nm < 256) {
		int m = node_minor(de->d_name);

		if (m >= 0)
			minors[nm++] = m;
	}
	closedir(dir);
	qsort(minors, nm, sizeof(minors[0]), cmp_minor);
	for (size_t i = 0; i < nm; i++) {
		char node[32], path[64];

		snprintf(node, sizeof(node), "accel%d", minors[i]);
		snprintf(path, sizeof(path), ACCEL_DEV_DIR "/%s", node);
		if (!is_snpu(node, path))
			continue;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "%s", path);
			snprintf(out[n].backend, sizeof(out[n].backend), "drm");
			pci_address(node, out[n].pci_address, sizeof(out[n].pci_address));
		}
		n++;
	}
	*count = n;
	return ACCEL_OK;
}

static accel_status drm_open(accel_device *dev, const char *name)
{
	struct drm_dev *d;
	drmVersionPtr ver;
	struct stat st;
	const char *node;

	d = calloc(1, sizeof(*d));
	if (!d)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_open: out of memory");
	d->fd = open(name, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		accel_status s = accel__fail_errno(errno, "accel_open: %s", name);

		free(d);
		return s == ACCEL_ERR_IO ? ACCEL_ERR_NO_DEVICE : s;
	}
	if (fstat(d->fd, &st) || !S_ISCHR(st.st_mode)) {
		close(d->fd);
		free(d);
		return accel__fail(ACCEL_ERR_NO_DEVICE, "accel_open: %s is not a device node", name);
	}
	ver = drmGetVersion(d->fd);
	if (!ver || !ver->name || strcmp(ver->name, SNPU_DRIVER)) {
		accel_status s = accel__fail(ACCEL_ERR_NO_DEVICE,
					     "accel_open: %s is not an SNPU (driver \"%s\")", name,
					     ver && ver->name ? ver->name : "unknown");
		drmFreeVersion(ver);
		close(d->fd);
		free(d);
		return s;
	}
	drmFreeVersion(ver);
	if (pthread_mutex_init(&d->lock, NULL)) {
		close(d->fd);
		free(d);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_open: cannot create a lock");
	}
	node = strrchr(name, '/');
	pci_address(node ? node + 1 : name, dev->pci_address, sizeof(dev->pci_address));
	dev->be = d;
	return ACCEL_OK;
}

static void drm_quiesce(accel_device *dev)
{
	accel__drm_jobs_fini(drm_dev(dev));
}

static void drm_close(accel_device *dev)
{
	struct drm_dev *d = drm_dev(dev);

	accel__drm_jobs_fini(d);
	accel__drm_syncs_fini(d);
	pthread_mutex_destroy(&d->lock);
	close(d->fd);
	free(d);
	dev->be = NULL;
}

static accel_status drm_get_param(accel_device *dev, uint32_t param, uint64_t *value)
{
	struct drm_snpu_get_param gp = { .param = param };

	if (drmIoctl(drm_dev(dev)->fd, DRM_IOCTL_SNPU_GET_PARAM, &gp))
		return accel__fail_errno(errno, "%s: GET_PARAM %u", dev->name, param);
	*value = gp.value;
	return ACCEL_OK;
}

const struct accel_backend_ops accel__drm_ops = {
	.name = "drm",
	.open = drm_open,
	.quiesce = drm_quiesce,
	.close = drm_close,
	.get_param = drm_get_param,
	.bo_create = accel__drm_bo_create,
	.bo_destroy = accel__drm_bo_destroy,
	.bo_map = accel__drm_bo_map,
	.bo_export = accel__drm_bo_export,
	.bo_import = accel__drm_bo_import,
	.submit = accel__drm_submit,
	.job_free = accel__drm_job_free,
	.reap = accel__drm_reap,
};
