#!/bin/sh
# 26-driver-recovery: the driver's recovery paths under the device's fault
# injection (lost interrupt, hung queue, failing soft reset -> FLR, context
# ban), devcoredump, fdinfo (snpu-driver-recovery), then runtime PM
# (autosuspend, a job wakes the device) and a system suspend/resume with
# jobs queued. Needs -device snpu,fault-injection=on (make check-vm). Ends
# with "N passed, N failed".

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

run() { # DESCRIPTION ARGS...: add the program's "driver-recovery: N passed, N failed"
	desc="$1"
	shift
	out=$(snpu-driver-recovery "$@")
	rc=$?
	echo "$out" | sed "s/^/  $desc: /"
	line=$(echo "$out" | grep -E '^driver-recovery: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then bad "snpu-driver-recovery $* exit status $rc"; fi
}

unload
if modprobe snpu job_timeout_ms=250; then ok "modprobe snpu job_timeout_ms=250"; else bad "modprobe"; fi
bdf=$(basename "$(readlink -f /sys/class/accel/accel0/device)")
dbg=/sys/kernel/debug/accel/$bdf
if [ "$(sed -n 's/^enable //p' "$dbg/fault_inject" 2>/dev/null)" = 1 ]; then
	ok "fault injection enabled on $bdf"
	run recovery "$bdf"
else
	bad "fault injection is off: start the VM with SNPU_DEVICE_OPTS=fault-injection=on"
fi
run runtime-pm --runtime-pm "$bdf"
run suspend --suspend "$bdf"
unload

echo "driver-recovery: $passed passed, $failed failed"
[ "$failed" = 0 ]
