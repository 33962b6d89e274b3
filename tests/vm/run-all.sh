#!/bin/sh
# snpu-vm-tests: run the in-guest test suites (installed in the guest as
# /usr/bin/snpu-vm-tests by scripts/mkinitramfs.sh).
#
#   snpu-vm-tests [NAME...]    run every executable in $SNPU_TEST_DIR in name
#                              order, or only the NAMEs given
# Each test runs in its own session with a timeout (SNPU_TEST_TIMEOUT seconds,
# default 600: the int8 sample evaluation calibrates under TCG for ~3 min; then SIGTERM to its process group, SIGKILL 10 s later) and
# passes when it exits 0 and the kernel logged no new WARN/BUG/oops/lockdep/
# KASAN report while it ran. Tests must not clear the kernel ring buffer: this
# runner reads and clears it after each test (saved in $SNPU_TEST_LOGDIR).
# A test still alive 10 s after SIGKILL is stuck in the kernel: the run stops
# there, counted as failed.
# The last line is "N passed, N failed", counting the checks in each test's
# Check summary or "N passed, N failed" line (a test without one counts as 1).
# Exit status: 0 only when every test passed and there was at least one.

TESTDIR="${SNPU_TEST_DIR:-/usr/libexec/snpu-tests}"
TIMEOUT="${SNPU_TEST_TIMEOUT:-600}"
LOGDIR="${SNPU_TEST_LOGDIR:-/tmp/snpu-tests}"
KERNEL_BAD='WARNING:|BUG:|BUG |Oops|lockdep|KASAN|UBSAN|Call Trace|general protection|possible circular locking|possible recursive locking|INFO: task .* blocked|kernel BUG|refcount_t:|list_add corruption|list_del corruption'

# Watchdog mode (started by run_test below): WATCHDOG SECS PID PREFIX NAME RUNNER
if [ "${1:-}" = --watchdog ]; then
	secs=$2 pid=$3 prefix=$4 name=$5 runner=$6
	sleep "$secs"
	touch "$prefix.timedout"
	kill -TERM -"$pid" "$pid" 2>/dev/null
	sleep 10
	kill -KILL -"$pid" "$pid" 2>/dev/null
	sleep 10
	state="$(sed 's/.*) \([A-Z]\).*/\1/' "/proc/$pid/stat" 2>/dev/null)"
	if [ -n "$state" ] && [ "$state" != Z ]; then
		read -r p f < "$LOGDIR/counts"
		echo "FAIL $name: timed out after $secs s and still alive (state $state) 10 s after SIGKILL: stuck in the kernel, stopping the run"
		echo "snpu-vm-tests: failed: $name (and every test after it did not run)"
		echo "$p passed, $((f + 1)) failed"
		kill -KILL "$runner"
	fi
	exit 0
fi

mkdir -p "$LOGDIR" || { echo "snpu-vm-tests: cannot create $LOGDIR"; echo "0 passed, 1 failed"; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }

# run_test EXE PREFIX NAME: run EXE in its own session under a watchdog.
# Writes the exit status to PREFIX.rc; PREFIX.timedout appears if it timed out.
run_test() {
	setsid "$1" </dev/null &
	pid=$!
	setsid "$0" --watchdog "$TIMEOUT" "$pid" "$2" "$3" "$runner" </dev/null >"${SNPU_TEST_CONSOLE:-/dev/console}" 2>&1 &
	wd=$!
	wait "$pid"
	echo $? > "$2.rc"
	# The group, and the pid in case the watchdog has not called setsid yet.
	kill -KILL -"$wd" "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
}
runner=$$

# Whatever the kernel said before the first test is not a test's doing.
dmesg -c > "$LOGDIR/boot.dmesg"
if grep -Eq "$KERNEL_BAD" "$LOGDIR/boot.dmesg"; then
	echo "snpu-vm-tests: note: the kernel reported problems before any test ran (not counted):"
	grep -E "$KERNEL_BAD" "$LOGDIR/boot.dmesg" | head -n 5
fi

if [ $# -gt 0 ]; then
	tests=""
	for n in "$@"; do
		[ -x "$TESTDIR/$n" ] || { echo "snpu-vm-tests: no test named '$n' in $TESTDIR"; echo "0 passed, 1 failed"; exit 1; }
		tests="$tests $TESTDIR/$n"
	done
else
	tests="$(ls "$TESTDIR" 2>/dev/null | LC_ALL=C sort | sed "s|^|$TESTDIR/|")"
fi

passed=0 failed=0 ran=0 bad=""
echo "0 0" > "$LOGDIR/counts"
for t in $tests; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name="${t##*/}"
	ran=$((ran + 1))
	echo "=== $name"
	rm -f "$LOGDIR/$name.timedout" "$LOGDIR/$name.rc"
	t0="$(now)"
	run_test "$t" "$LOGDIR/$name" "$name" 2>&1 | tee "$LOGDIR/$name.log"
	rc="$(cat "$LOGDIR/$name.rc" 2>/dev/null)"
	[ -n "$rc" ] || rc=255
	secs="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
	dmesg -c > "$LOGDIR/$name.dmesg"

	# Checks counted from the test's last summary line, Check's
	# "N%: Checks: N, Failures: N, Errors: N" or "[name: ]N passed, N failed"
	# (a script that runs several suites ends with its own total).
	c="" f=0
	l="$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+|^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed' \
		"$LOGDIR/$name.log" | tail -n 1)"
	case "$l" in
	*"%: Checks: "*)
		set -- $(echo "$l" | sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/')
		c=$(($1 - $2 - $3)) f=$(($2 + $3)) ;;
	?*)
		set -- $(echo "$l" | sed -E 's/^([A-Za-z0-9_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/')
		c=$1 f=$2 ;;
	esac

	why=""
	if [ "$rc" != 0 ]; then
		if [ -e "$LOGDIR/$name.timedout" ]; then
			why="timed out after $TIMEOUT s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exit status $rc"
		fi
	fi
	[ -z "$c" ] || [ "$f" = 0 ] || why="${why:+$why; }$f checks failed"
	kern="$(grep -E "$KERNEL_BAD" "$LOGDIR/$name.dmesg")"
	[ -z "$kern" ] || why="${why:+$why; }kernel reported problems (full log: $LOGDIR/$name.dmesg)"

	if [ -n "$c" ]; then
		passed=$((passed + c)) failed=$((failed + f))
		# A failure the checks did not count (crash, exit status, kernel) counts once.
		[ -z "$why" ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
		checks=" ($c of $((c + f)) checks)"
	else
		if [ -z "$why" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
		checks=""
	fi
	echo "$passed $failed" > "$LOGDIR/counts"
	if [ -z "$why" ]; then
		echo "PASS $name$checks in $secs s"
	else
		echo "FAIL $name$checks in $secs s: $why"
		[ -z "$kern" ] || echo "$kern" | head -n 20 | sed 's/^/  kernel: /'
		bad="$bad $name"
	fi
done

if [ "$ran" = 0 ]; then
	echo "snpu-vm-tests: no tests found in $TESTDIR"
	failed=$((failed + 1))
fi
[ -z "$bad" ] || echo "snpu-vm-tests: failed:$bad"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ -z "$bad" ]
