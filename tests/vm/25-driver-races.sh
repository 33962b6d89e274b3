#!/bin/sh
# 25-driver-races: the issue-12 review findings (snpu-driver-races): the
# per-context VM locking (two files on one BO, BO free vs file close,
# binds in one file beside another's page-table builds), the SUBMIT/UNMAP
# race at a fixed VA, READ_ONLY BOs, page-table and queued-job
# bounds, the documented interface, reset semantics; then a DEVICE BO
# mapping across an unbind of the device; the removed validate_cmds
# parameter; job_timeout_ms=0 refused. Ends with "N passed, N failed".

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

count() { # OUTPUT RC: add the program's "driver-races: N passed, N failed"
	line=$(echo "$1" | grep -E '^driver-races: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$2" != 0 ] && [ "${f:-0}" = 0 ]; then bad "snpu-driver-races exit status $2"; fi
}

unload
if modprobe snpu job_timeout_ms=250; then ok "modprobe snpu job_timeout_ms=250"; else bad "modprobe"; fi
out=$(snpu-driver-races)
rc=$?
echo "$out" | sed 's/^/  /'
count "$out" "$rc"

unload
modprobe snpu job_timeout_ms=5000
out=$(snpu-driver-races --queued-bound)
rc=$?
echo "$out" | sed 's/^/  queued-bound: /'
count "$out" "$rc"

bdf=$(basename "$(readlink -f /sys/class/accel/accel0/device)")
out=$(snpu-driver-races --unbind-mmap "$bdf")
rc=$?
echo "$out" | sed 's/^/  unbind-mmap: /'
count "$out" "$rc"
if [ -c /dev/accel/accel0 ] || sleep 1; then :; fi
unload

if modprobe snpu job_timeout_ms=0 2>/dev/null; then
	bad "job_timeout_ms=0 must be refused"
	unload
else
	ok "job_timeout_ms=0 refused"
fi
modprobe snpu
if [ -e /sys/module/snpu/parameters/validate_cmds ]; then
	bad "the validate_cmds parameter (switches off a security check) still exists"
else
	ok "no parameter switches off the command checks"
fi
unload

echo "driver-races: $passed passed, $failed failed"
[ "$failed" = 0 ]
