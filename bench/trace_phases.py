#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Split the jobs of a guest ftrace (bench/profile.sh) into phases.

  trace_phases.py TRACE            empty jobs: phases of each
  trace_phases.py --ioctls TRACE   any workload: time per ioctl kind

One job of `snpu-bench roundtrip` on the drm backend, as libaccel does it:
the caller creates the job's syncobj, SUBMITs, and kicks the reaper thread
(SYNCOBJ_SIGNAL); the drm_sched worker writes the doorbell; the device
raises its queue interrupt; the reaper's SYNCOBJ_WAIT returns, it reads the
result (JOB_WAIT) and wakes the caller, which destroys the syncobj.
Prints, per phase, the median and p90 in microseconds, and the ioctls and
context switches per job.
"""
import re
import statistics
import sys

# DRM ioctl numbers (low byte of the command): core syncobj calls and the
# driver's own (DRM_COMMAND_BASE 0x40 + n, uapi/drm/snpu_accel.h).
NAMES = {0x09: "GEM_CLOSE", 0xbf: "SYNCOBJ_CREATE", 0xc0: "SYNCOBJ_DESTROY",
	 0xc3: "SYNCOBJ_WAIT", 0xc4: "SYNCOBJ_RESET", 0xc5: "SYNCOBJ_SIGNAL",
	 0x40: "SNPU_GET_PARAM", 0x41: "SNPU_BO_CREATE", 0x42: "SNPU_BO_MMAP_OFFSET",
	 0x43: "SNPU_BO_INFO", 0x44: "SNPU_SUBMIT", 0x45: "SNPU_BO_BIND", 0x46: "SNPU_JOB_WAIT"}
LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([0-9.]+): ([a-z_]+)(?::\s|\s|(?=\())(.*)$")


def load(path):
	ev = []
	for line in open(path, errors="replace"):
		m = LINE.match(line)
		if m:
			comm, pid, cpu, ts, name, rest = m.groups()
			ev.append((float(ts) * 1e6, int(pid), name, rest))
	return ev


def ioctl_table(ev):
	"""Time inside each kind of ioctl (enter to exit of the same pid)."""
	open_, per = {}, {}
	for t, pid, name, rest in ev:
		if name != "sys_ioctl":
			continue
		if "->" in rest:
			if pid in open_:
				cmd, t0 = open_.pop(pid)
				per.setdefault(cmd, []).append(t - t0)
			continue
		m = re.search(r"cmd: ([0-9a-f]+)", rest)
		if m:
			c = int(m.group(1), 16)
			open_[pid] = (NAMES.get(c & 0xff, hex(c)) if (c >> 8) & 0xff == 0x64 else hex(c), t)
	span = (ev[-1][0] - ev[0][0]) if ev else 0
	print(f"ioctls over {span / 1e3:.1f} ms of trace")
	print(f"{'ioctl':<22} {'count':>6} {'median us':>10} {'p90 us':>10} {'total ms':>9}")
	for cmd, v in sorted(per.items(), key=lambda kv: -sum(kv[1])):
		v = sorted(v)
		print(f"{cmd:<22} {len(v):>6} {statistics.median(v):>10.1f} "
		      f"{v[int(0.9 * (len(v) - 1))]:>10.1f} {sum(v) / 1e3:>9.1f}")
	return 0


def main():
	args = sys.argv[1:]
	if len(args) == 2 and args[0] == "--ioctls":
		return ioctl_table(load(args[1]))
	if len(args) != 1:
		print("usage: trace_phases.py [--ioctls] TRACE", file=sys.stderr)
		return 2
	ev = load(args[0])
	# the caller: the pid that issues SNPU_SUBMIT
	sub = [e for e in ev if e[2] == "sys_ioctl" and re.search(r"cmd: c0\w\w6444", e[3])]
	if not sub:
		print("no SNPU_SUBMIT in the trace", file=sys.stderr)
		return 1
	caller = sub[0][1]
	# job boundaries: the caller's SYNCOBJ_CREATE entries
	starts = [e[0] for e in ev if e[1] == caller and e[2] == "sys_ioctl"
		  and re.search(r"cmd: c0\w\w64bf", e[3])]
	phases = {k: [] for k in ("submit path (create + SUBMIT + kick)",
				  "kick -> device interrupt", "interrupt handler",
				  "interrupt -> caller runs again", "caller: result + destroy",
				  "whole job")}
	ioctls, switches = [], []
	for a, b in zip(starts, starts[1:]):
		je = [e for e in ev if a <= e[0] < b]
		kick = next((e[0] for e in je if e[1] == caller and e[2] == "sys_ioctl"
			     and "->" in e[3] and prev_is(je, e, "c5")), None)
		irq_in = next((e[0] for e in je if e[2] == "irq_handler_entry" and "snpu-q" in e[3]), None)
		irq_out = next((e[0] for e in je if e[2] == "irq_handler_exit" and irq_in
				and e[0] >= irq_in), None)
		back = next((e[0] for e in je if e[2] == "sched_switch" and irq_out and e[0] >= irq_out
			     and f"next_pid={caller} " in e[3] + " "), None)
		if None in (kick, irq_in, irq_out, back):
			continue
		phases["submit path (create + SUBMIT + kick)"].append(kick - a)
		phases["kick -> device interrupt"].append(irq_in - kick)
		phases["interrupt handler"].append(irq_out - irq_in)
		phases["interrupt -> caller runs again"].append(back - irq_out)
		phases["caller: result + destroy"].append(b - back)
		phases["whole job"].append(b - a)
		ioctls.append(sum(1 for e in je if e[2] == "sys_ioctl" and "->" not in e[3]))
		switches.append(sum(1 for e in je if e[2] == "sched_switch"))
	n = len(phases["whole job"])
	if not n:
		print("no complete job in the trace", file=sys.stderr)
		return 1
	print(f"{n} empty jobs traced (guest ftrace, caller pid {caller})")
	print(f"{'phase':<40} {'median us':>10} {'p90 us':>10}")
	for k, v in phases.items():
		v = sorted(v)
		print(f"{k:<40} {statistics.median(v):>10.1f} {v[int(0.9 * (len(v) - 1))]:>10.1f}")
	print(f"ioctls per job: {statistics.median(ioctls):.0f}; "
	      f"context switches per job: {statistics.median(switches):.0f}")
	return 0


def prev_is(je, e, code):
	"""e is an ioctl exit; was the same pid's preceding entry command ..64<code>?"""
	i = je.index(e)
	for p in reversed(je[:i]):
		if p[1] == e[1] and p[2] == "sys_ioctl" and "->" not in p[3]:
			return re.search(rf"cmd: c0\w\w64{code}\b", p[3]) is not None
	return False


if __name__ == "__main__":
	sys.exit(main())
