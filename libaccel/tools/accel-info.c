/* SPDX-License-Identifier: MIT */
/*
 * accel-info: list SNPU devices and everything they report.
 *
 *   accel-info [--json] [--counters] [--all] [--device NAME]...
 *
 * Without --device it lists every /dev/accel device bound to snpu (and the
 * in-process "sim" device with --all). Exits 1 when no device is found or
 * a query fails, with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/accel.h>

#define MAX_DEVICES 64

struct opts {
	int json, counters, all;
	const char *names[MAX_DEVICES];
	size_t nnames;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: accel-info [--json] [--counters] [--all] [--device NAME]...\n"
		   "  --device NAME  \"sim\" or a path such as /dev/accel/accel0 (repeatable)\n"
		   "  --all          also list the in-process \"sim\" device\n"
		   "  --counters     print the device performance counters\n"
		   "  --json         machine-readable output\n");
}

static void caps_text(uint32_t caps, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int b = 0; b < 32; b++) {
		const char *name;

		if (!(caps & (1u << b)))
			continue;
		name = accel_cap_name(b);
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
				      name ? name : "?");
	}
}

static void print_text(const accel_device_info *i, const uint64_t *cnt)
{
	char caps[512];

	printf("%s\n", i->name);
	printf("  backend:        %s\n", i->backend);
	printf("  pci address:    %s\n", i->pci_address[0] ? i->pci_address : "-");
	printf("  pci id:         %04x:%04x\n", i->vendor_id, i->device_id);
	printf("  hardware:       %u.%u\n", i->hw_version >> 16, i->hw_version & 0xffff);
	printf("  firmware:       %u.%u.%u (API %u.%u)\n", i->fw_version >> 16,
	       (i->fw_version >> 8) & 0xff, i->fw_version & 0xff, i->fw_api >> 16,
	       i->fw_api & 0xffff);
	caps_text(i->caps, caps, sizeof(caps));
	printf("  capabilities:   %s\n", caps);
	if (i->hw_caps != i->caps) {
		caps_text(i->hw_caps & ~i->caps, caps, sizeof(caps));
		printf("  hw only:        %s\n", caps);
	}
	printf("  queues:         %u\n", i->num_queues);
	printf("  contexts:       %u\n", i->num_contexts);
	printf("  dram:           %llu MiB\n", (unsigned long long)(i->dram_size >> 20));
	printf("  sram:           %llu KiB\n", (unsigned long long)(i->sram_size >> 10));
	printf("  mac array:      %u x %u\n", i->mac_rows, i->mac_cols);
	printf("  clock:          %u MHz\n", i->clock_mhz);
	printf("  bandwidth:      dram %u MB/s, sram %u MB/s, pcie %u MB/s\n", i->dram_bw,
	       i->sram_bw, i->pcie_bw);
	printf("  cmd overhead:   %u cycles\n", i->cmd_overhead);
	printf("  va bits:        %u, max command buffer %u bytes\n", i->va_bits, i->max_cmdbuf);
	if (cnt) {
		printf("  counters:\n");
		for (unsigned int c = 0; c < ACCEL_NUM_COUNTERS; c++)
			printf("    %-16s %llu\n", accel_counter_name(c), (unsigned long long)cnt[c]);
	}
}

static void print_json(const accel_device_info *i, const uint64_t *cnt, int first)
{
	int n = 0;

	printf("%s  {\n", first ? "" : ",\n");
	printf("    \"name\": \"%s\",\n    \"backend\": \"%s\",\n    \"pci_address\": \"%s\",\n",
	       i->name, i->backend, i->pci_address);
	printf("    \"vendor_id\": \"%04x\",\n    \"device_id\": \"%04x\",\n", i->vendor_id,
	       i->device_id);
	printf("    \"hw_version\": \"%u.%u\",\n", i->hw_version >> 16, i->hw_version & 0xffff);
	printf("    \"fw_version\": \"%u.%u.%u\",\n", i->fw_version >> 16,
	       (i->fw_version >> 8) & 0xff, i->fw_version & 0xff);
	printf("    \"fw_api\": \"%u.%u\",\n", i->fw_api >> 16, i->fw_api & 0xffff);
	printf("    \"capabilities\": [");
	for (unsigned int b = 0; b < 32; b++) {
		const char *name = accel_cap_name(b);

		if ((i->caps & (1u << b)) && name)
			printf("%s\"%s\"", n++ ? ", " : "", name);
	}
	printf("],\n    \"hw_caps\": %u,\n    \"caps\": %u,\n", i->hw_caps, i->caps);
	printf("    \"num_queues\": %u,\n    \"num_contexts\": %u,\n", i->num_queues,
	       i->num_contexts);
	printf("    \"dram_size\": %llu,\n    \"sram_size\": %llu,\n",
	       (unsigned long long)i->dram_size, (unsigned long long)i->sram_size);
	printf("    \"mac_rows\": %u,\n    \"mac_cols\": %u,\n    \"clock_mhz\": %u,\n",
	       i->mac_rows, i->mac_cols, i->clock_mhz);
	printf("    \"dram_bw\": %u,\n    \"sram_bw\": %u,\n    \"pcie_bw\": %u,\n", i->dram_bw,
	       i->sram_bw, i->pcie_bw);
	printf("    \"cmd_overhead\": %u,\n    \"va_bits\": %u,\n    \"max_cmdbuf\": %u",
	       i->cmd_overhead, i->va_bits, i->max_cmdbuf);
	if (cnt) {
		printf(",\n    \"counters\": {");
		for (unsigned int c = 0; c < ACCEL_NUM_COUNTERS; c++)
			printf("%s\"%s\": %llu", c ? ", " : "", accel_counter_name(c),
			       (unsigned long long)cnt[c]);
		printf("}");
	}
	printf("\n  }");
}

static int show(const char *name, const struct opts *o, int first)
{
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	uint64_t cnt[ACCEL_NUM_COUNTERS];
	accel_device *dev;
	accel_status st;

	st = accel_open(name, &dev);
	if (st) {
		fprintf(stderr, "accel-info: %s: %s (%s)\n", name, accel_last_error(),
			accel_strerror(st));
		return 1;
	}
	st = accel_device_query(dev, &info);
	if (!st && o->counters)
		st = accel_device_counters(dev, cnt);
	if (st) {
		fprintf(stderr, "accel-info: %s: query failed: %s (%s)\n", name, accel_last_error(),
			accel_strerror(st));
		accel_close(dev);
		return 1;
	}
	if (o->json)
		print_json(&info, o->counters ? cnt : NULL, first);
	else
		print_text(&info, o->counters ? cnt : NULL);
	accel_close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	accel_device_desc descs[MAX_DEVICES];
	struct opts o = { 0 };
	size_t n = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = 1;
		} else if (!strcmp(argv[i], "--counters")) {
			o.counters = 1;
		} else if (!strcmp(argv[i], "--all")) {
			o.all = 1;
		} else if (!strcmp(argv[i], "--device") && i + 1 < argc && o.nnames < MAX_DEVICES) {
			o.names[o.nnames++] = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "accel-info: bad argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!o.nnames) {
		accel_status st = accel_enumerate(descs, MAX_DEVICES, &n,
						  o.all ? ACCEL_ENUM_SIM : 0);

		if (st) {
			fprintf(stderr, "accel-info: %s\n", accel_last_error());
			return 1;
		}
		if (!n) {
			fprintf(stderr, "accel-info: no SNPU device found under /dev/accel (is snpu.ko "
				"loaded?); use --device sim or --all for the in-process device\n");
			return 1;
		}
		if (n > MAX_DEVICES)
			n = MAX_DEVICES;
		for (size_t i = 0; i < n; i++)
			o.names[o.nnames++] = descs[i].name;
	}
	if (o.json)
		printf("[\n");
	for (size_t i = 0; i < o.nnames; i++)
		bad |= show(o.names[i], &o, i == 0);
	if (o.json)
		printf("\n]\n");
	return bad;
}
