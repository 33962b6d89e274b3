# Sourced by scripts/check.sh and scripts/check-vm.sh: the counts of a test
# log, for the totals they print.
# tally FILE -> "passed failed" from the file's last "N passed, N failed"
# line ("0 1" when it has none: a run that printed no total failed).
tally() {
	local l
	l=$(tr -d '\r' < "$1" | grep -aoE '[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ -z "$l" ]; then echo "0 1"; return; fi
	sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$l"
}
