#!/bin/sh
# 40-libaccel: libaccel on the drm backend (snpu.ko): accel-info lists the
# device with what it read from it, samples/hello runs a GEMM, and the
# libaccel Check suites (the same sources the host runs on "sim") pass.
# Test cases needing a driver feature that is missing are reported as SKIP
# by the suites themselves and not counted. Ends with "N passed, N failed".

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
OUT=/tmp/libaccel-vm.out

grep -q '^snpu ' /proc/modules || modprobe snpu || bad "modprobe snpu"
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

if accel-info > $OUT 2>&1; then
	if grep -q 'pci id: *1234:534e' $OUT && grep -q 'firmware: *[0-9]*\.[0-9]*\.[0-9]* (API' $OUT &&
	   grep -q 'capabilities: .*gemm' $OUT && grep -q 'pci address: *0000:' $OUT &&
	   ! grep -q '^sim' $OUT; then
		ok "accel-info lists /dev/accel/accel0 with PCI id, firmware and capabilities"
	else
		bad "accel-info output incomplete:"; cat $OUT
	fi
else
	bad "accel-info failed:"; cat $OUT
fi
if accel-info --json --counters > $OUT 2>&1 && grep -q '"backend": "drm"' $OUT &&
   grep -q '"counters": {"jobs": ' $OUT; then
	ok "accel-info --json --counters"
else
	bad "accel-info --json --counters:"; cat $OUT
fi
if accel-info --device /dev/accel/accel9 > $OUT 2>&1; then
	bad "accel-info --device /dev/accel/accel9 succeeded"
elif grep -q 'accel9' $OUT; then
	ok "accel-info names a missing device and exits non-zero"
else
	bad "accel-info error message:"; cat $OUT
fi
if hello > $OUT 2>&1 && grep -q 'max abs error vs CPU' $OUT; then
	ok "hello: $(cat $OUT)"
else
	bad "hello:"; cat $OUT
fi

# The Check suites: add up their summaries.
for t in test_libaccel_device test_libaccel_cmd test_libaccel_buffer test_libaccel_job test_libaccel_pool \
	test_libaccel_tensor test_libaccel_tools test_libaccel_abi test_libaccel_quant \
	test_libaccel_lifetime test_libaccel_npy; do
	echo "=== $t"
	"$t" > $OUT 2>&1
	rc=$?
	cat $OUT
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' $OUT | tail -n 1)
	if [ -z "$line" ]; then
		bad "$t exited $rc without a Check summary"
		continue
	fi
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + c - f - e))
	failed=$((failed + f + e))
	[ "$rc" -eq 0 ] || [ $((f + e)) -gt 0 ] || bad "$t exited $rc"
done
rm -f $OUT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
