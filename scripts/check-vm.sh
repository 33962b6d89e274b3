#!/bin/bash
# make check-vm: the in-VM suites (scripts/vm.sh running snpu-vm-tests with
# NPU SNPUs, fault injection on), then the hot-unplug test
# (tests/vm/hotunplug.sh, its own VM with a QMP socket), with one total at
# the end. Environment: as scripts/vm.sh (QEMU_BIN, INITRAMFS, NPU, ...).
set -u
cd "$(dirname "$0")/.."
. scripts/tally.sh
log=$(mktemp -d)
CMD=snpu-vm-tests bash scripts/vm.sh 2>&1 | tee "$log/suites"
suites_rc=${PIPESTATUS[0]}
env -u NPU -u SNPU_DEVICE_OPTS bash tests/vm/hotunplug.sh 2>&1 | tee "$log/unplug"
unplug_rc=${PIPESTATUS[0]}
read -r sp sf < <(tally "$log/suites")
read -r up uf < <(tally "$log/unplug")
[ "$suites_rc" -eq 0 ] || [ "$sf" -gt 0 ] || sf=1
[ "$unplug_rc" -eq 0 ] || [ "$uf" -gt 0 ] || uf=1
rm -rf "$log"
echo "vm suites: $sp passed, $sf failed; hot-unplug: $up passed, $uf failed"
echo "$((sp + up)) passed, $((sf + uf)) failed"
[ "$suites_rc" -eq 0 ] && [ "$unplug_rc" -eq 0 ]
