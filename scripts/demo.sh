#!/bin/bash
# make demo: boot the VM with two SNPUs, load the driver, show what the
# stack does today, unload. Everything shown is read from the devices.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd='set -e
echo "--- modprobe snpu (two SNPUs)"
modprobe snpu
ls /dev/accel/
dmesg | grep -i "snpu.*firmware" | tail -n 2
echo "--- accel-info"
accel-info
echo "--- a GEMM on each device through libaccel (samples/hello)"
hello /dev/accel/accel0
hello /dev/accel/accel1
echo "--- the counters of accel0 after its job"
accel-info --counters --device /dev/accel/accel0 | sed -n "/counters/,\$p"
echo "--- rmmod snpu"
rmmod snpu
echo "demo: ok"'
exec make --no-print-directory vm NPU=2 CMD="$cmd"
