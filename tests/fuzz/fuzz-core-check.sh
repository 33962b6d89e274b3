#!/bin/bash
# check-host's short pass of the device-core fuzzer (build/fuzz/fuzz_core):
# FUZZ_CHECK_SECONDS (default 30) from the committed seeds plus the local
# corpus; prints libFuzzer's executions and coverage and ends with
# "fuzz-core: N passed, N failed" (1 passed, or 1 failed per crash).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/fuzz/fuzz_core
secs=${FUZZ_CHECK_SECONDS:-30}
work=$top/build/fuzz/corpus-core
mkdir -p "$work" "$top/build/fuzz/crashes-core"
log=$(mktemp)
"$bin" -max_total_time="$secs" -max_len=65536 -timeout=30 -rss_limit_mb=3072 -malloc_limit_mb=32 \
	-print_final_stats=1 -artifact_prefix="$top/build/fuzz/crashes-core/" \
	"$work" "$top/tests/fuzz/corpus-core" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -20
execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
echo "fuzz-core: ${execs:-0} executions in ${secs} s, ${cov:-no coverage line}, exit $rc"
if [ "$rc" -ne 0 ]; then
	tail -40 "$log"
	echo "fuzz-core: 0 passed, 1 failed (crash artifacts in build/fuzz/crashes-core)"
else
	echo "fuzz-core: 1 passed, 0 failed"
fi
rm -f "$log"
[ "$rc" -eq 0 ]
