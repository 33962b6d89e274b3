#!/bin/bash
# Profile the per-job cost in the VM (docs/performance.md, "Where a job's
# time goes"): boots the guest under the host's `perf record` and, inside,
# traces one process's empty jobs with ftrace (ioctls, interrupts, context
# switches, wake-ups); bench/trace_phases.py splits each job into phases.
#
#   bench/profile.sh [JOBS_SECONDS]      (default 1)
#
# Writes build/bench/profile/{trace.txt,phases.txt,perf.data,perf-top.txt}.
set -euo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
OUT="$BUILD/bench/profile"
SECS="${1:-1}"
mkdir -p "$OUT"

read -r -d '' GUEST <<EOG || true
modprobe snpu; i=0; while [ ! -c /dev/accel/accel0 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
snpu-bench --device /dev/accel/accel0 --budget 2 breakdown
T=/sys/kernel/debug/tracing
echo 0 > \$T/tracing_on; echo > \$T/trace; echo 16384 > \$T/buffer_size_kb
for e in syscalls/sys_enter_ioctl syscalls/sys_exit_ioctl irq/irq_handler_entry irq/irq_handler_exit sched/sched_switch sched/sched_wakeup; do
	echo 1 > \$T/events/\$e/enable
done
echo 1 > \$T/tracing_on
snpu-bench --device /dev/accel/accel0 --budget $SECS roundtrip
echo 0 > \$T/tracing_on
echo TRACE-BEGIN; cat \$T/trace; echo TRACE-END
EOG

echo "profile: booting the VM under perf record (host) with ftrace in the guest" >&2
NPU=1 VM_TIMEOUT=600 SNPU_CMD_FWCFG=1 CMD="$GUEST" \
	perf record -F 499 -g -o "$OUT/perf.data" -- bash "$TOP/scripts/vm.sh" > "$OUT/console.txt" 2>&1
sed -n '/^TRACE-BEGIN/,/^TRACE-END/p' "$OUT/console.txt" > "$OUT/trace.txt"
grep '^BENCH ' "$OUT/console.txt" > "$OUT/bench.txt" || true
/usr/bin/python3 "$TOP/bench/trace_phases.py" "$OUT/trace.txt" | tee "$OUT/phases.txt"
perf report -i "$OUT/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -40 > "$OUT/perf-top.txt" || true
echo "profile: host perf (QEMU process) top symbols in $OUT/perf-top.txt" >&2
