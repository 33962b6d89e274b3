#!/bin/sh
# 28-driver-limits: per-user bounds of the driver (snpu-driver-limits): one
# user opening many files cannot take every MMU context (max_user_contexts,
# -EDQUOT) and another user still gets one; a device whose contexts are all
# taken refuses the next with -EBUSY; fdinfo's memory keys count SYSTEM and
# DEVICE BOs (their own GEM object types); SYSTEM BOs one user pins stop at
# max_user_pinned_mb (-EDQUOT), the device DRAM of one user's DEVICE BOs at
# max_user_dram_mb (-EDQUOT; by default 3/4 of the device's DRAM). Ends
# with "N passed, N failed".

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

run() { # DESCRIPTION ARGS...: add the program's "driver-limits: N passed, N failed"
	desc="$1"
	shift
	out=$(snpu-driver-limits "$@")
	rc=$?
	echo "$out" | sed "s/^/  $desc: /"
	line=$(echo "$out" | grep -E '^driver-limits: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then bad "snpu-driver-limits $* exit status $rc"; fi
}

unload
if modprobe snpu; then ok "modprobe snpu"; else bad "modprobe snpu"; fi
logged() { # DESCRIPTION PATTERN: the driver logged the refusal
	if dmesg | grep -q "$2"; then ok "kernel log: $1"; else bad "kernel log has no '$2'"; fi
}
run contexts --contexts
logged "context refused (per user)" "holds [0-9]* MMU contexts (max_user_contexts [0-9]*): context refused"
run gem-stats --gem-stats
run dram-default --dram-default
unload
if modprobe snpu max_user_contexts=3; then ok "modprobe snpu max_user_contexts=3"; else bad "modprobe max_user_contexts=3"; fi
run contexts-3 --contexts
unload
if modprobe snpu max_user_pinned_mb=4; then ok "modprobe snpu max_user_pinned_mb=4"; else bad "modprobe max_user_pinned_mb=4"; fi
run pinned --pinned
logged "pinning refused" "KiB more refused (max_user_pinned_mb 4)"
unload
if modprobe snpu max_user_dram_mb=4; then ok "modprobe snpu max_user_dram_mb=4"; else bad "modprobe max_user_dram_mb=4"; fi
run dram --dram
logged "device DRAM refused" "KiB of device DRAM, [0-9]* KiB more refused (max_user_dram_mb 4)"
# Through libaccel: a 64 MiB DEVICE buffer is over the share; the error says
# which limit (NO_SPACE, not a "Disk quota exceeded" errno string).
out=$(snpu-bench --device /dev/accel/accel0 --budget 0.1 transfer 2>&1)
if echo "$out" | grep -q "out of device memory.*share of the device is used up (snpu module parameter max_user_dram_mb"; then
	ok "libaccel: over the DRAM share is ACCEL_ERR_NO_SPACE naming max_user_dram_mb"
else
	bad "libaccel over the DRAM share: $out"
fi
unload
if modprobe snpu max_user_contexts=100000; then ok "modprobe snpu max_user_contexts=100000"; else bad "modprobe max_user_contexts=100000"; fi
run device-full --device-full
logged "context refused (device full)" "all 255 MMU contexts are in use: context refused"
unload

echo "driver-limits: $passed passed, $failed failed"
[ "$failed" = 0 ]
