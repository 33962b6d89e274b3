// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU firmware: request_firmware(), validation of every header field of
 * uapi/snpu_fw.h before anything is handed to the device, then the boot
 * handshake (SNPU_REG_FW_*).
 */

#include <crypto/sha2.h>
#include <linux/crc32.h>
#include <linux/dma-mapping.h>
#include <linux/firmware.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "snpu_fw.h"
#include "snpu_regs.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_firmware.h"

static char *fw_name = SNPU_FW_PATH;
module_param(fw_name, charp, 0444);
MODULE_PARM_DESC(fw_name, "firmware image under /lib/firmware (default " SNPU_FW_PATH ")");

static unsigned int boot_timeout_ms = 10000;
module_param(boot_timeout_ms, uint, 0644);
MODULE_PARM_DESC(boot_timeout_ms, "how long the firmware boot handshake may take (ms)");

MODULE_FIRMWARE(SNPU_FW_PATH);

static_assert(sizeof(struct snpu_fw_header) == 128);
static_assert(sizeof(struct snpu_fw_section) == 16);

#define SNPU_FW_BOOT_POLL_MS	10

/* One line names the image and the reason; probe then fails with -EINVAL. */
#define snpu_fw_reject(sdev, fmt, ...) ({ \
	dev_err(&(sdev)->pdev->dev, "firmware %s rejected: " fmt "\n", fw_name, ##__VA_ARGS__); \
	-EINVAL; })

static const char *const snpu_fw_err_names[] = {
	[SNPU_FW_OK] = "no error",
	[SNPU_FW_ERR_SIZE] = "bad image size",
	[SNPU_FW_ERR_DMA] = "image address unreadable",
	[SNPU_FW_ERR_MAGIC] = "bad magic",
	[SNPU_FW_ERR_HEADER] = "bad header",
	[SNPU_FW_ERR_CRC] = "CRC mismatch",
	[SNPU_FW_ERR_DIGEST] = "SHA-256 mismatch",
	[SNPU_FW_ERR_API] = "incompatible API",
	[SNPU_FW_ERR_SECTION] = "bad section",
	[SNPU_FW_ERR_STATE] = "doorbell in wrong state",
};

static const char *snpu_fw_err_name(u32 err)
{
	if (err < ARRAY_SIZE(snpu_fw_err_names))
		return snpu_fw_err_names[err];
	return "unknown error";
}

/* zlib's crc32() of the image with the header's crc32 field read as zero. */
static u32 snpu_fw_crc32(const u8 *data, size_t size)
{
	static const u8 zero[4];
	size_t off = offsetof(struct snpu_fw_header, crc32);
	u32 crc;

	crc = crc32_le(~0u, data, off);
	crc = crc32_le(crc, zero, sizeof(zero));
	crc = crc32_le(crc, data + off + sizeof(zero), size - off - sizeof(zero));
	return ~crc;
}

static int snpu_fw_check_section(struct snpu_device *sdev, const u8 *data, size_t size,
				 const struct snpu_fw_section *table, u32 i,
				 size_t table_start, size_t table_end, u32 *nsched)
{
	const struct snpu_fw_section *sec = &table[i];
	const struct snpu_fw_lut *lut;
	size_t end, oend;
	u32 j;

	if (sec->flags)
		return snpu_fw_reject(sdev, "section %u: flags 0x%x not zero", i, sec->flags);
	end = (size_t)sec->offset + sec->size;	/* 32-bit values: no overflow */
	if (sec->offset % 8 || !sec->size || sec->offset < sizeof(struct snpu_fw_header) ||
	    end > size || (sec->offset < table_end && end > table_start))
		return snpu_fw_reject(sdev,
				      "section %u: [0x%x, 0x%zx) empty, unaligned, or outside the payload of the %zu-byte image",
				      i, sec->offset, end, size);
	for (j = 0; j < i; j++) {
		oend = (size_t)table[j].offset + table[j].size;
		if (sec->offset < oend && end > table[j].offset)
			return snpu_fw_reject(sdev, "section %u overlaps section %u", i, j);
	}

	switch (sec->type) {
	case SNPU_FW_SEC_SCHED:
		if (sec->size != sizeof(struct snpu_fw_sched))
			return snpu_fw_reject(sdev,
					      "section %u: scheduler section of %u bytes, expected %zu",
					      i, sec->size, sizeof(struct snpu_fw_sched));
		(*nsched)++;
		break;
	case SNPU_FW_SEC_LUT:
		if (sec->size < sizeof(*lut))
			return snpu_fw_reject(sdev, "section %u: LUT section of %u bytes",
					      i, sec->size);
		lut = (const struct snpu_fw_lut *)(data + sec->offset);
		if (lut->fn >= SNPU_LUT_COUNT || lut->num_samples < 2 ||
		    lut->num_samples > SNPU_FW_LUT_MAX_SAMPLES ||
		    sec->size != sizeof(*lut) + sizeof(u32) * (size_t)lut->num_samples)
			return snpu_fw_reject(sdev,
					      "section %u: LUT fn %u with %u samples does not fit %u bytes",
					      i, lut->fn, lut->num_samples, sec->size);
		break;
	case SNPU_FW_SEC_NOTE:
		break;
	default:
		return snpu_fw_reject(sdev, "section %u: unknown type %u", i, sec->type);
	}
	return 0;
}

/*
 * Check every field of the image before the device sees it. The device
 * checks again; this catches a bad file with a precise message.
 */
static int snpu_fw_validate(struct snpu_device *sdev, const u8 *data, size_t size)
{
	struct snpu_fw_header hdr;
	const struct snpu_fw_section *sec;
	u8 digest[SHA256_DIGEST_SIZE];
	size_t table_end;
	u32 crc, i, nsched = 0;
	int ret;

	if (size < sizeof(hdr) || size > SNPU_FW_MAX_SIZE)
		return snpu_fw_reject(sdev, "file size %zu outside %zu..%u", size, sizeof(hdr),
				      SNPU_FW_MAX_SIZE);
	memcpy(&hdr, data, sizeof(hdr));

	if (hdr.magic != SNPU_FW_MAGIC)
		return snpu_fw_reject(sdev, "bad magic 0x%08x (expected 0x%08x)", hdr.magic,
				      SNPU_FW_MAGIC);
	if (hdr.header_version != SNPU_FW_HEADER_VERSION)
		return snpu_fw_reject(sdev, "header version %u (expected %u)",
				      hdr.header_version, SNPU_FW_HEADER_VERSION);
	if (hdr.header_size != sizeof(hdr))
		return snpu_fw_reject(sdev, "header size %u (expected %zu)", hdr.header_size,
				      sizeof(hdr));
	if (hdr.image_size != size)
		return snpu_fw_reject(sdev, "header image size %u but file is %zu bytes",
				      hdr.image_size, size);
	if (memchr_inv(hdr.reserved, 0, sizeof(hdr.reserved)))
		return snpu_fw_reject(sdev, "reserved header fields not zero");
	if (!memchr(hdr.name, '\0', sizeof(hdr.name)))
		return snpu_fw_reject(sdev, "build name not NUL-terminated");

	if (!hdr.num_sections || hdr.num_sections > SNPU_FW_MAX_SECTIONS)
		return snpu_fw_reject(sdev, "%u sections (1..%u)", hdr.num_sections,
				      SNPU_FW_MAX_SECTIONS);
	if (hdr.section_offset % 8 || hdr.section_offset < sizeof(hdr) ||
	    check_add_overflow((size_t)hdr.section_offset,
			       sizeof(*sec) * (size_t)hdr.num_sections, &table_end) ||
	    table_end > size)
		return snpu_fw_reject(sdev,
				      "section table at 0x%x (%u entries) outside the %zu-byte image or unaligned",
				      hdr.section_offset, hdr.num_sections, size);

	crc = snpu_fw_crc32(data, size);
	if (crc != hdr.crc32)
		return snpu_fw_reject(sdev, "CRC mismatch (header 0x%08x, computed 0x%08x)",
				      hdr.crc32, crc);

	sha256(data + sizeof(hdr), size - sizeof(hdr), digest);
	if (memcmp(digest, hdr.sha256, sizeof(digest)))
		return snpu_fw_reject(sdev, "SHA-256 mismatch (header %8phN..., computed %8phN...)",
				      hdr.sha256, digest);

	if (hdr.api_major != SNPU_FW_API_MAJOR)
		return snpu_fw_reject(sdev, "firmware API %u.%u, driver needs %u.x",
				      hdr.api_major, hdr.api_minor, SNPU_FW_API_MAJOR);

	sec = (const struct snpu_fw_section *)(data + hdr.section_offset);
	for (i = 0; i < hdr.num_sections; i++) {
		ret = snpu_fw_check_section(sdev, data, size, sec, i, hdr.section_offset,
					    table_end, &nsched);
		if (ret)
			return ret;
	}
	if (nsched != 1)
		return snpu_fw_reject(sdev, "%u scheduler sections (expected exactly 1)", nsched);

	return 0;
}

static bool snpu_fw_boot_ended(struct snpu_device *sdev, u32 *fw_status)
{
	*fw_status = snpu_rd(sdev, SNPU_REG_FW_STATUS);
	return *fw_status == SNPU_FW_STATUS_RUNNING || *fw_status == SNPU_FW_STATUS_ERROR;
}

/**
 * snpu_fw_start - hand the validated image to the device and wait for its
 * verdict (at probe and after every reset); the device must be reset
 * @sdev: the device
 *
 * Return: 0 when the firmware runs; otherwise a negative errno after one
 * dev_err line.
 */
int snpu_fw_start(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;
	struct snpu_fw_info *fw = &sdev->fw;
	unsigned long deadline;
	u32 st, api, err, version;

	memcpy(&version, fw->image + offsetof(struct snpu_fw_header, fw_version),
	       sizeof(version));

	/* writel() orders the image copy before the doorbell reaches the device. */
	snpu_wr(sdev, SNPU_REG_FW_ADDR_LO, lower_32_bits(fw->image_dma));
	snpu_wr(sdev, SNPU_REG_FW_ADDR_HI, upper_32_bits(fw->image_dma));
	snpu_wr(sdev, SNPU_REG_FW_SIZE, fw->size);
	snpu_wr(sdev, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);

	/* The error vector announces the end of the boot; poll in case it is lost. */
	deadline = jiffies + msecs_to_jiffies(boot_timeout_ms);
	while (!snpu_fw_boot_ended(sdev, &st)) {
		if (time_after(jiffies, deadline))
			break;
		wait_event_timeout(sdev->event_wq, snpu_fw_boot_ended(sdev, &st),
				   msecs_to_jiffies(SNPU_FW_BOOT_POLL_MS));
	}

	if (st == SNPU_FW_STATUS_ERROR) {
		err = snpu_rd(sdev, SNPU_REG_FW_ERROR);
		dev_err(dev, "firmware %s refused by the device: %s (FW_ERROR %u)\n", fw_name,
			snpu_fw_err_name(err), err);
		return -EINVAL;
	}
	if (st != SNPU_FW_STATUS_RUNNING) {
		dev_err(dev, "firmware %s: device did not boot within %u ms (FW_STATUS %u)\n",
			fw_name, boot_timeout_ms, st);
		return -ETIMEDOUT;
	}

	fw->version = snpu_rd(sdev, SNPU_REG_FW_VERSION);
	fw->caps = snpu_rd(sdev, SNPU_REG_FW_CAPS);
	api = snpu_rd(sdev, SNPU_REG_FW_API);
	fw->api = api;
	if (api >> 16 != SNPU_FW_API_MAJOR || fw->version != version) {
		dev_err(dev, "firmware %s: device runs version 0x%06x API %u.%u, expected 0x%06x API %u.x\n",
			fw_name, fw->version, api >> 16, api & 0xffff, version, SNPU_FW_API_MAJOR);
		return -EINVAL;
	}
	if (!(snpu_rd(sdev, SNPU_REG_STATUS) & SNPU_STATUS_READY)) {
		dev_err(dev, "firmware %s: running but the device is not ready (STATUS 0x%08x)\n",
			fw_name, snpu_rd(sdev, SNPU_REG_STATUS));
		return -EIO;
	}
	return 0;
}

/**
 * snpu_fw_boot - load and validate the firmware, keep it in DMA memory (the
 * device boots it again after every reset) and boot it
 * @sdev: the device, freshly reset
 *
 * Return: 0 when the device runs the firmware; otherwise a negative errno,
 * after exactly one dev_err line naming the image and the reason.
 */
int snpu_fw_boot(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;
	struct snpu_fw_info *fw = &sdev->fw;
	const struct firmware *file;
	int ret;

	ret = firmware_request_nowarn(&file, fw_name, dev);
	if (ret) {
		dev_err(dev, "firmware %s: cannot load it from /lib/firmware: %d\n", fw_name, ret);
		return ret;
	}

	ret = snpu_fw_validate(sdev, file->data, file->size);
	if (!ret) {
		fw->image = dmam_alloc_coherent(dev, file->size, &fw->image_dma, GFP_KERNEL);
		if (fw->image) {
			memcpy(fw->image, file->data, file->size);
			fw->size = file->size;
		} else {
			ret = -ENOMEM;
		}
	}
	release_firmware(file);
	if (ret)
		return ret;

	ret = snpu_fw_start(sdev);
	if (ret) {
		snpu_device_reset(sdev);
		return ret;
	}
	dev_info(dev, "firmware %s: version %u.%u.%u, API %u.%u, caps 0x%04x\n", fw_name,
		 fw->version >> 16, (fw->version >> 8) & 0xff, fw->version & 0xff,
		 fw->api >> 16, fw->api & 0xffff, fw->caps);
	return 0;
}
