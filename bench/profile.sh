#!/bin/bash
# Profile the per-job cost in the VM (docs/performance.md, "Where a job's
# time goes"): boots the guest under the host's `perf record` and, inside,
# traces one process's empty jobs with ftrace (ioctls, interrupts, context
# switches, wake-ups), then the same for 4 KiB uploads/downloads;
# bench/trace_phases.py splits each empty job into phases and sums the time
# spent in each kind of ioctl.
#
#   bench/profile.sh [JOBS_SECONDS]      (default 1)
#
# Writes build/bench/profile/{trace.txt,trace-upload.txt,phases.txt,bench.txt,
# perf.data,perf-top.txt}.
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
echo > \$T/trace; echo 1 > \$T/tracing_on
snpu-bench --device /dev/accel/accel0 --budget $SECS --max-bytes 4096 transfer
echo 0 > \$T/tracing_on
echo TRACE2-BEGIN; cat \$T/trace; echo TRACE2-END
EOG

echo "profile: booting the VM under perf record (host) with ftrace in the guest" >&2
NPU=1 VM_TIMEOUT=600 SNPU_CMD_FWCFG=1 CMD="$GUEST" \
	perf record -F 499 -g -o "$OUT/perf.data" -- bash "$TOP/scripts/vm.sh" > "$OUT/console.txt" 2>&1
sed -n '/^TRACE-BEGIN/,/^TRACE-END/p' "$OUT/console.txt" > "$OUT/trace.txt"
sed -n '/^TRACE2-BEGIN/,/^TRACE2-END/p' "$OUT/console.txt" > "$OUT/trace-upload.txt"
grep '^BENCH ' "$OUT/console.txt" > "$OUT/bench.txt" || true
{
	echo "== empty jobs (snpu-bench roundtrip)"
	/usr/bin/python3 "$TOP/bench/trace_phases.py" "$OUT/trace.txt"
	/usr/bin/python3 "$TOP/bench/trace_phases.py" --ioctls "$OUT/trace.txt"
	echo "== 4 KiB uploads and downloads (snpu-bench transfer --max-bytes 4096)"
	/usr/bin/python3 "$TOP/bench/trace_phases.py" --ioctls "$OUT/trace-upload.txt"
} | tee "$OUT/phases.txt"
perf report -i "$OUT/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -40 > "$OUT/perf-top.txt" || true
echo "profile: host perf (QEMU process) top symbols in $OUT/perf-top.txt" >&2
