#!/bin/sh
# 27-driver-fuzz: a short pass of the ioctl fuzzer (snpu-driver-fuzz: 2
# processes x 3 threads, SNPU_FUZZ_SECONDS, default 10) and of the load
# (3 submitters at every priority with checked results, a binder, a reader of
# counters and fdinfo; SNPU_LOAD_SECONDS, default 5); rmmod afterwards
# must work (nothing leaked a reference). The runner fails the test on any
# WARN/BUG/oops in the kernel log. Ends with "N passed, N failed".

passed=0
failed=0
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

unload
if modprobe snpu job_timeout_ms=1000; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL modprobe"; fi
out=$(snpu-driver-fuzz --seconds "${SNPU_FUZZ_SECONDS:-10}")
rc=$?
echo "$out" | sed 's/^/  /'
line=$(echo "$out" | grep -E '^driver-fuzz: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then failed=$((failed + 1)); echo "FAIL exit status $rc"; fi
out=$(snpu-driver-fuzz --load "${SNPU_LOAD_SECONDS:-5}" --procs 3)
rc=$?
echo "$out" | sed 's/^/  /'
line=$(echo "$out" | grep -E '^driver-fuzz: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then failed=$((failed + 1)); echo "FAIL load exit status $rc"; fi
if rmmod snpu; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL rmmod after fuzzing"; fi

echo "driver-fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
