#!/bin/bash
# make demo: boot the VM with two SNPUs, load the driver, show what the
# stack does today, unload. Everything shown is read from the devices.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd='set -e
echo "--- modprobe snpu"
modprobe snpu
ls -l /dev/accel/
echo "--- dmesg (snpu)"
dmesg | grep -i snpu | tail -n 8
echo "--- accel-info"
accel-info
echo "--- accel-info --counters --json (first device)"
accel-info --json --counters --device /dev/accel/accel0
echo "--- rmmod snpu"
rmmod snpu
echo "demo: ok"'
exec make --no-print-directory vm NPU=2 CMD="$cmd"
