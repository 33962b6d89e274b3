#!/bin/sh
# 10-driver-load: snpu.ko binds the SNPU, boots its firmware, registers
# /dev/accel/accel0 and answers GET_PARAM with the device's values; rmmod is
# clean; a corrupted firmware image fails the probe with exactly one clear
# error line; 20 modprobe/rmmod cycles. Ends with "N passed, N failed".
# (The test runner checks dmesg for WARN/BUG/oops after the test.)

FW_DIR=/lib/firmware/snpu
CYCLES="${SNPU_LOAD_CYCLES:-20}"
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # DESCRIPTION COMMAND...
	d="$1"
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# Kernel messages since mark_dmesg, raw ("<level>[time] text").
mark_dmesg() { DMESG_MARK=$(dmesg -r | wc -l); }
new_dmesg() { dmesg -r | tail -n +$((DMESG_MARK + 1)); }
# Error-level lines of the driver, without the driver core's own summary.
snpu_errors() { new_dmesg | grep '^<3>' | grep ' snpu ' | grep -v 'probe with driver snpu failed'; }

wait_node() { # PRESENT|ABSENT (busybox sh has no "local": own variable names)
	wn_tries=0
	while [ $wn_tries -lt 50 ]; do
		if [ "$1" = PRESENT ]; then [ -c /dev/accel/accel0 ] && return 0
		else [ -e /dev/accel/accel0 ] || return 0; fi
		sleep 0.1
		wn_tries=$((wn_tries + 1))
	done
	return 1
}

unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

# Every SNPU logs its own probe error: one line per device.
NDEV=0
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x534e ] && NDEV=$((NDEV + 1))
done
echo "SNPUs on the bus: $NDEV"

unload

# --- load, query, unload ----------------------------------------------------
mark_dmesg
check "modprobe snpu" modprobe snpu
check "/dev/accel/accel0 appears" wait_node PRESENT
check "boot logged the firmware version" \
	sh -c "dmesg | grep -q 'snpu .*firmware snpu/snpu.bin: version'"
check "no error logged while loading" test -z "$(snpu_errors)"

if command -v snpu-driver-params >/dev/null; then
	out=$(snpu-driver-params /dev/accel/accel0)
	rc=$?
	echo "$out" | sed 's/^/  /'
	line=$(echo "$out" | grep -E '^driver-params: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	[ "$rc" = 0 ] && [ -n "$line" ] || bad "snpu-driver-params exit status $rc"
else
	bad "snpu-driver-params is not installed"
fi

check "rmmod snpu" rmmod snpu
check "/dev/accel/accel0 goes away" wait_node ABSENT

# --- a corrupted firmware image ---------------------------------------------
# Flip one byte of the payload: the CRC no longer matches.
if snpu-fwtool corrupt "$FW_DIR/snpu.bin" "$FW_DIR/bad.bin" --offset 200 >/dev/null; then
	mark_dmesg
	check "modprobe snpu fw_name=snpu/bad.bin" modprobe snpu fw_name=snpu/bad.bin
	check "no device node with a bad image" wait_node ABSENT
	errs=$(snpu_errors)
	echo "$errs" | sed 's/^/  dmesg: /'
	check "exactly one error line per device ($NDEV)" test "$(echo "$errs" | grep -c .)" = "$NDEV"
	check "each device named once" test "$(echo "$errs" | sed -E 's/.*snpu ([0-9a-f:.]+):.*/\1/' | sort -u | grep -c .)" = "$NDEV"
	check "it names the image and the CRC mismatch" \
		sh -c "echo '$errs' | grep -q 'firmware snpu/bad.bin rejected: CRC mismatch (header 0x[0-9a-f]*, computed 0x[0-9a-f]*)'"
	check "rmmod after the failed probe" rmmod snpu

	# A missing image is one line too.
	mark_dmesg
	modprobe snpu fw_name=snpu/missing.bin
	check "missing image: one error line per device" test "$(snpu_errors | grep -c 'firmware snpu/missing.bin')" = "$NDEV"
	unload
	rm -f "$FW_DIR/bad.bin"
else
	bad "snpu-fwtool corrupt failed"
fi

# --- load/unload cycles -----------------------------------------------------
mark_dmesg
n=0
cycle=0
while [ $cycle -lt "$CYCLES" ]; do
	cycle=$((cycle + 1))
	modprobe snpu && wait_node PRESENT && cat /dev/null > /dev/accel/accel0 \
		&& rmmod snpu && wait_node ABSENT && n=$((n + 1))
	unload 2>/dev/null
done
check "$n of $CYCLES modprobe/rmmod cycles" test "$n" = "$CYCLES"
check "no error logged during the cycles" test -z "$(snpu_errors)"

echo "driver-load: $passed passed, $failed failed"
[ "$failed" = 0 ]
