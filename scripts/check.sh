#!/bin/bash
# make check = check-host + check-vm, with one total at the end.
set -u
cd "$(dirname "$0")/.."
. scripts/tally.sh
log=$(mktemp -d)
make --no-print-directory check-host 2>&1 | tee "$log/host"
host_rc=${PIPESTATUS[0]}
make --no-print-directory check-vm 2>&1 | tee "$log/vm"
vm_rc=${PIPESTATUS[0]}
read -r hp hf < <(tally "$log/host")
read -r vp vf < <(tally "$log/vm")
[ "$host_rc" -eq 0 ] || [ "$hf" -gt 0 ] || hf=1
[ "$vm_rc" -eq 0 ] || [ "$vf" -gt 0 ] || vf=1
rm -rf "$log"
echo "check-host: $hp passed, $hf failed; check-vm: $vp passed, $vf failed"
echo "$((hp + vp)) passed, $((hf + vf)) failed"
[ "$host_rc" -eq 0 ] && [ "$vm_rc" -eq 0 ]
