#!/bin/sh
# 20-driver-ioctl: the snpu.ko ioctls with valid and invalid arguments, jobs,
# syncobjs, isolation between processes and a hung job reset
# (snpu-driver-ioctl); then a file with BOs and jobs open across an unbind
# of its device (--unbind-open). Ends with "N passed, N failed".

passed=0
failed=0
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

run() { # DESCRIPTION MODULE-PARAMS TEST-ARGS...
	desc="$1"
	params="$2"
	shift 2
	unload
	# shellcheck disable=SC2086
	if ! modprobe snpu $params; then
		failed=$((failed + 1))
		echo "FAIL modprobe snpu $params"
		return
	fi
	out=$(snpu-driver-ioctl "$@")
	rc=$?
	echo "$out" | sed "s/^/  $desc: /"
	line=$(echo "$out" | grep -E '^driver-ioctl: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
		failed=$((failed + 1))
		echo "FAIL snpu-driver-ioctl $* exit status $rc"
	fi
	if rmmod snpu; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL rmmod"; fi
}

run ioctl "job_timeout_ms=250"
run unbind-open "" --unbind-open

echo "driver-ioctl: $passed passed, $failed failed"
[ "$failed" = 0 ]
