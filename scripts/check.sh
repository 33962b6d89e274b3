#!/bin/bash
# make check = check-host + check-vm, with one total at the end.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp -d)
make --no-print-directory check-host 2>&1 | tee "$log/host"
host_rc=${PIPESTATUS[0]}
make --no-print-directory check-vm 2>&1 | tee "$log/vm"
vm_rc=${PIPESTATUS[0]}
count() { # file -> "passed failed" from its last "N passed, N failed" line
	local l
	l=$(tr -d '\r' < "$1" | grep -aoE '[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ -z "$l" ]; then echo "0 1"; return; fi
	sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$l"
}
read -r hp hf < <(count "$log/host")
read -r vp vf < <(count "$log/vm")
[ "$host_rc" -eq 0 ] || [ "$hf" -gt 0 ] || hf=1
[ "$vm_rc" -eq 0 ] || [ "$vf" -gt 0 ] || vf=1
rm -rf "$log"
echo "check-host: $hp passed, $hf failed; check-vm: $vp passed, $vf failed"
echo "$((hp + vp)) passed, $((hf + vf)) failed"
[ "$host_rc" -eq 0 ] && [ "$vm_rc" -eq 0 ]
