/* SPDX-License-Identifier: MIT */
/*
 * accel-top: a live view of SNPU devices, refreshed every interval.
 *
 *   accel-top [--once] [--interval SEC] [--all] [--device NAME]...
 *
 * Per device, from libaccel's public calls (accel_device_counters and the
 * device's clock): utilisation (device busy time per wall time), jobs,
 * commands, MACs and DMA bytes per second, failed jobs, faults, resets, and
 * the timing model's predicted utilisation (predicted cycles at the
 * device clock per wall time). Where the kernel exposes them it adds the
 * jobs in flight per hardware queue (snpu debugfs "rings": submitted minus
 * completed) and the device's open files from /proc/<pid>/fdinfo
 * (drm-driver: snpu). Counters are device-wide: every process's jobs count.
 * The in-process "sim" device (--all, --device sim) is this process's own
 * and so always idle: it is listed for completeness.
 *
 * --once: take two samples one interval apart, print, exit. Exit status 0,
 * 1 when a device cannot be opened or read (reason on stderr), 2 on bad
 * usage.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <accel/accel.h>

#define MAX_DEVICES 64
#define MAX_QUEUES 16

struct dev {
	accel_device *dev;
	accel_device_info info;
	uint64_t c[2][ACCEL_NUM_COUNTERS];
	double t[2];
};

struct opts {
	int once, all;
	double interval;
	const char *names[MAX_DEVICES];
	size_t nnames;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: accel-top [--once] [--interval SEC] [--all] [--device NAME]...\n"
		   "  --once          sample one interval, print once and exit\n"
		   "  --interval SEC  refresh period (default 1, 0.05..3600)\n"
		   "  --all           also list the in-process \"sim\" device\n"
		   "  --device NAME   \"sim\" or a path such as /dev/accel/accel0 (repeatable)\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int sample(struct dev *d, int slot)
{
	accel_status st = accel_device_counters(d->dev, d->c[slot]);

	d->t[slot] = now();
	if (st) {
		fprintf(stderr, "accel-top: %s: reading the counters: %s\n", d->info.name,
			accel_last_error());
		return 1;
	}
	return 0;
}

/* Jobs in flight per queue from the driver's debugfs "rings" file
 * (queue N: tail T seqno S completed C ...). -1 when not readable. */
static int ring_depth(const accel_device_info *i, long *inflight, int max)
{
	char path[256], line[512];
	const char *minor = strrchr(i->name, '/');
	FILE *f = NULL;
	int n = 0;

	if (strcmp(i->backend, "drm"))
		return -1;
	if (i->pci_address[0]) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/rings", i->pci_address);
		f = fopen(path, "r");
	}
	if (!f && minor && !strncmp(minor, "/accel", 6)) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/rings", minor + 6);
		f = fopen(path, "r");
	}
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned int q, tail;
		unsigned long long seq;
		long long done;

		if (sscanf(line, "queue %u: tail %u seqno %llu completed %lld", &q, &tail, &seq,
			   &done) == 4)
			inflight[n++] = (long)((long long)seq - done);
	}
	fclose(f);
	return n;
}

/* Open files of the device by any process: /proc/<pid>/fdinfo/<fd> with
 * drm-driver "snpu" and drm-pdev equal to the device's PCI address.
 * -1 when the driver exposes no fdinfo (nothing found at all). */
static int fdinfo_clients(const char *pci, int *procs)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int files = 0, any = 0;

	*procs = 0;
	if (!proc)
		return -1;
	while ((p = readdir(proc))) {
		char dir[300], path[600], line[256];
		struct dirent *e;
		int mine = 0;
		DIR *fds;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", p->d_name);
		if (!(fds = opendir(dir)))
			continue;
		while ((e = readdir(fds))) {
			int drv = 0, dev = 0;
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (!(f = fopen(path, "r")))
				continue;
			while (fgets(line, sizeof(line), f)) {
				if (!strncmp(line, "drm-driver:", 11) && strstr(line + 11, "snpu"))
					drv = 1;
				if (!strncmp(line, "drm-pdev:", 9) && strstr(line + 9, pci))
					dev = 1;
			}
			fclose(f);
			any |= drv;
			if (drv && dev) {
				files++;
				mine = 1;
			}
		}
		closedir(fds);
		*procs += mine;
	}
	closedir(proc);
	return any ? files : -1;
}

static double rate(const struct dev *d, int c)
{
	double dt = d->t[1] - d->t[0];

	return dt > 0 ? (double)(d->c[1][c] - d->c[0][c]) / dt : 0;
}

static void print(struct dev *devs, size_t n, double interval, int clear)
{
	char when[32];
	time_t t = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	if (clear)
		printf("\033[H\033[2J");
	printf("accel-top  %s  interval %.2f s  (%zu device%s)\n", when, interval, n,
	       n == 1 ? "" : "s");
	printf("%-20s %-4s %6s %6s %9s %9s %9s %9s %9s %5s %5s %5s %s\n", "DEVICE", "BE", "UTIL%",
	       "PRED%", "JOBS/s", "CMDS/s", "GMAC/s", "H2D MB/s", "D2H MB/s", "FAIL", "FAULT",
	       "RESET", "IN FLIGHT per queue / CLIENTS");
	for (size_t i = 0; i < n; i++) {
		struct dev *d = &devs[i];
		double dt = d->t[1] - d->t[0];
		double util = dt > 0 ? rate(d, ACCEL_CNT_BUSY_NS) / 1e9 * 100.0 : 0;
		double pred = d->info.clock_mhz ?
			rate(d, ACCEL_CNT_PRED_CYCLES) / ((double)d->info.clock_mhz * 1e6) * 100.0 : 0;
		long q[MAX_QUEUES];
		int nq = ring_depth(&d->info, q, MAX_QUEUES), procs = 0, files = -1;
		char extra[256];
		size_t off = 0;

		if (nq < 0) {
			off += (size_t)snprintf(extra, sizeof(extra), "%s",
						strcmp(d->info.backend, "drm") ? "-" :
						"- (debugfs not readable)");
		} else {
			for (int k = 0; k < nq && off < sizeof(extra); k++)
				off += (size_t)snprintf(extra + off, sizeof(extra) - off, "%s%ld",
							k ? "/" : "", q[k]);
		}
		if (d->info.pci_address[0])
			files = fdinfo_clients(d->info.pci_address, &procs);
		if (off < sizeof(extra)) {
			if (files >= 0)
				snprintf(extra + off, sizeof(extra) - off, "  %d file%s in %d process%s",
					 files, files == 1 ? "" : "s", procs, procs == 1 ? "" : "es");
			else if (d->info.pci_address[0])
				snprintf(extra + off, sizeof(extra) - off, "  (no fdinfo from the driver)");
		}
		printf("%-20s %-4s %6.1f %6.1f %9.1f %9.1f %9.3f %9.2f %9.2f %5llu %5llu %5llu %s\n",
		       d->info.name, d->info.backend, util, pred, rate(d, ACCEL_CNT_JOBS),
		       rate(d, ACCEL_CNT_COMMANDS), rate(d, ACCEL_CNT_MACS) / 1e9,
		       rate(d, ACCEL_CNT_DMA_H2D) / 1e6, rate(d, ACCEL_CNT_DMA_D2H) / 1e6,
		       (unsigned long long)d->c[1][ACCEL_CNT_JOBS_FAILED],
		       (unsigned long long)d->c[1][ACCEL_CNT_FAULTS],
		       (unsigned long long)d->c[1][ACCEL_CNT_RESETS], extra);
	}
	fflush(stdout);
}

static int parse(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--once")) {
			o->once = 1;
		} else if (!strcmp(a, "--all")) {
			o->all = 1;
		} else if (!strcmp(a, "--interval") || !strcmp(a, "--device")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "accel-top: %s needs a value\n", a);
				return 2;
			}
			if (a[2] == 'd') {
				if (o->nnames == MAX_DEVICES) {
					fprintf(stderr, "accel-top: at most %d devices\n", MAX_DEVICES);
					return 2;
				}
				o->names[o->nnames++] = argv[++i];
			} else {
				char *end;

				o->interval = strtod(argv[++i], &end);
				if (*end || end == argv[i] || !(o->interval >= 0.05 && o->interval <= 3600)) {
					fprintf(stderr, "accel-top: --interval wants seconds from 0.05 to "
						"3600, got '%s'\n", argv[i]);
					return 2;
				}
			}
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "accel-top: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

static int open_all(const struct opts *o, struct dev *devs, size_t *n)
{
	accel_device_desc desc[MAX_DEVICES];
	const char *names[MAX_DEVICES];
	size_t count = 0, nn = 0;
	accel_status st;

	if (o->nnames) {
		memcpy(names, o->names, o->nnames * sizeof(names[0]));
		nn = o->nnames;
	} else {
		st = accel_enumerate(desc, MAX_DEVICES, &count, o->all ? ACCEL_ENUM_SIM : 0);
		if (st) {
			fprintf(stderr, "accel-top: %s\n", accel_last_error());
			return 1;
		}
		if (!count) {
			fprintf(stderr, "accel-top: no SNPU device found (is snpu.ko loaded? "
				"--all adds the in-process \"sim\" device)\n");
			return 1;
		}
		for (size_t i = 0; i < count && i < MAX_DEVICES; i++)
			names[nn++] = desc[i].name;
	}
	for (size_t i = 0; i < nn; i++) {
		struct dev *d = &devs[*n];

		if ((st = accel_open(names[i], &d->dev))) {
			fprintf(stderr, "accel-top: %s\n", accel_last_error());
			return 1;
		}
		(*n)++;
		d->info.struct_size = sizeof(d->info);
		if ((st = accel_device_query(d->dev, &d->info))) {
			fprintf(stderr, "accel-top: %s: %s\n", names[i], accel_last_error());
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .interval = 1.0 };
	static struct dev devs[MAX_DEVICES];
	size_t n = 0, i;
	int ret;

	if ((ret = parse(argc, argv, &o)))
		return ret;
	ret = open_all(&o, devs, &n);
	for (i = 0; !ret && i < n; i++)
		ret = sample(&devs[i], 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!ret && !stop) {
		struct timespec ts = { (time_t)o.interval,
				       (long)((o.interval - (double)(time_t)o.interval) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
			;
		for (i = 0; !ret && i < n; i++)
			ret = sample(&devs[i], 1);
		if (ret)
			break;
		print(devs, n, o.interval, !o.once && isatty(STDOUT_FILENO));
		if (o.once)
			break;
		for (i = 0; i < n; i++) {
			memcpy(devs[i].c[0], devs[i].c[1], sizeof(devs[i].c[0]));
			devs[i].t[0] = devs[i].t[1];
		}
	}
	for (i = 0; i < n; i++)
		accel_close(devs[i].dev);
	return ret;
}
