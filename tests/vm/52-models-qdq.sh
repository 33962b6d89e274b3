#!/bin/sh
# 52-models-qdq: the pre-quantized models (tests/models/qdq, QDQ and QLinear)
# through the driver (snpu.ko) on every SNPU the VM has: int8 with the
# model's own scales, the device's output equal to the CPU int8 reference's
# bit for bit and within one output step of onnxruntime's
# (tests/host/test_model_qdq.c, the same source the host runs on "sim"; the
# models are guest data in /usr/share/snpu/models/qdq). Ends with the total
# "N passed, N failed" of the Check summaries.
passed=0
failed=0
OUT=/tmp/models-qdq.out
grep -q '^snpu ' /proc/modules || modprobe snpu || { echo "FAIL modprobe snpu"; echo "0 passed, 1 failed"; exit 1; }
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
for d in /dev/accel/accel*; do
	[ -c "$d" ] || { echo "FAIL no /dev/accel device"; failed=$((failed + 1)); continue; }
	echo "=== test_model_qdq on $d"
	ACCEL_DEVICE="$d" test_model_qdq > $OUT 2>&1
	rc=$?
	cat $OUT
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' $OUT | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL test_model_qdq on $d exited $rc without a Check summary"
		failed=$((failed + 1))
		continue
	fi
	c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + c - f - e))
	failed=$((failed + f + e))
	[ "$rc" -eq 0 ] || [ $((f + e)) -gt 0 ] || { echo "FAIL test_model_qdq on $d exited $rc"; failed=$((failed + 1)); }
done
rm -f $OUT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
