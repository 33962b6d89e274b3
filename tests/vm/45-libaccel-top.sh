#!/bin/sh
# 45-libaccel-top: accel-top in the guest on the drm backend. Its Check
# suite (test_libaccel_top, the same source the host runs on "sim"), then
# one sample taken while snpu-bench keeps the device busy with empty jobs:
# the row must show jobs per second and the per-queue ring depth that the
# driver's debugfs gives. Ends with "N passed, N failed".

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
OUT=/tmp/accel-top.out

grep -q '^snpu ' /proc/modules || modprobe snpu || bad "modprobe snpu"
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

test_libaccel_top > $OUT 2>&1
rc=$?
cat $OUT
line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' $OUT | tail -n 1)
if [ -n "$line" ]; then
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + c - f - e))
	failed=$((failed + f + e))
	[ "$rc" -eq 0 ] || [ $((f + e)) -gt 0 ] || bad "test_libaccel_top exited $rc"
else
	bad "test_libaccel_top exited $rc without a Check summary"
fi

# Under load: empty jobs for 8 s, 1 s samples from the second one until one
# sees jobs (up to 4: on a loaded host the bench may take seconds to start).
# One snpu-bench run stops after 2000 round trips, which a fast run does in
# under a second (CI once sampled after it had ended): the load repeats it
# until the 8 s are over.
(
	end=$(($(date +%s) + 8))
	while [ "$(date +%s)" -lt $end ]; do
		snpu-bench --device /dev/accel/accel0 --budget 2 roundtrip || exit 1
	done
) > /tmp/top-load.out 2>&1 &
load=$!
sleep 1
tries=0
while :; do
	accel-top --once --interval 1 --device /dev/accel/accel0 > $OUT 2>&1
	top_rc=$?
	row=$(grep '^/dev/accel/accel0 ' $OUT)
	jobs=$(echo "$row" | awk '{print $5}')
	tries=$((tries + 1))
	[ $top_rc -ne 0 ] || [ $tries -ge 4 ] ||
		awk -v j="${jobs:-0}" 'BEGIN { exit !(j > 0) }' && break
done
if [ $top_rc -eq 0 ]; then
	if [ -n "$row" ] && awk -v j="$jobs" 'BEGIN { exit !(j > 0) }'; then
		ok "accel-top sees the load: $jobs jobs/s"
	else
		bad "accel-top shows no jobs under load:"; cat $OUT
		noload=1
	fi
	if echo "$row" | grep -Eq ' [0-9]+/[0-9]+'; then
		ok "accel-top shows the per-queue ring depth (debugfs)"
	else
		bad "accel-top row without the per-queue depth:"; cat $OUT
	fi
else
	bad "accel-top --once failed:"; cat $OUT
fi
wait $load || bad "snpu-bench roundtrip (the load) failed: $(cat /tmp/top-load.out)"
# What the load measured (round trips per run), to tell a slow device from
# one the counters do not show.
[ -z "${noload:-}" ] || { echo "the load printed:"; cat /tmp/top-load.out; }
rm -f $OUT /tmp/top-load.out
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
