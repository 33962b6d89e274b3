#!/bin/bash
# Run host test executables (Check suites under ASan+UBSan), pass each one's
# output through, and end with one "N passed, N failed" line counting
# individual checks. Exit non-zero if any check or any executable failed.
set -u
passed=0
failed=0
bad_bins=()
[ $# -gt 0 ] || { echo "run-host-tests: no host tests were given" >&2; echo "0 passed, 1 failed"; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CK_FORK="${CK_FORK:-yes}"
for t in "$@"; do
	name=$(basename "$t")
	echo "=== $name"
	out=$(mktemp)
	"$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# Check: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$out" | tail -1)
	if [ -n "$line" ]; then
		c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + c - f - e))
		failed=$((failed + f + e))
	else
		# A plain "N passed, N failed" line counts the same way.
		pl=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
		if [ -n "$pl" ]; then
			passed=$((passed + $(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$pl")))
			failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$pl")))
		fi
	fi
	if [ "$rc" -ne 0 ]; then
		bad_bins+=("$name (exit $rc)")
		[ -n "$line" ] || failed=$((failed + 1))
	fi
	rm -f "$out"
done
if [ ${#bad_bins[@]} -gt 0 ]; then
	echo "host tests that failed: ${bad_bins[*]}"
fi
echo "host: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#bad_bins[@]} -eq 0 ]
