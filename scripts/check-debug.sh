#!/bin/bash
# make check-debug: the driver suites and the ioctl fuzzer's short pass on the
# debug kernel (lockdep, KASAN, kmemleak, DEBUG_OBJECTS, DMA-API debug).
#
#  1. scripts/debug-kernel.sh builds (or reuses) the kernel: build/debug-kernel/
#  2. snpu.ko is built against that tree, from a copy of the sources in
#     build/debug-kernel/mod (Kbuild of 6.12 builds in the source directory,
#     and kernel/*.o belong to the Debian-kernel build of `make`)
#  3. the same initramfs as `make check-vm` (scripts/mkinitramfs.sh, the same
#     guest inputs from the environment the Makefile sets), with that snpu.ko
#  4. the VM (NPU=2, fault injection on) runs snpu-vm-tests on CHECK_DEBUG_TESTS
#     (each test fails on a WARN/BUG/oops/lockdep/KASAN line in its kernel
#     log), then unloads snpu, has kmemleak scan and fails on any leak whose
#     backtrace is in snpu (or in an unloaded module: every other driver of this
#     kernel is built in), and on any kernel problem logged at boot or after
#     the tests (ODEBUG included).
# Last line: "N passed, N failed". Logs: build/debug-kernel/check.log.
# Environment: the guest inputs as for scripts/mkinitramfs.sh (GUEST_BINS,
# GUEST_LIBS, VM_TESTS, GUEST_DATA, FW_IMAGE), QEMU_BIN, CHECK_DEBUG_TESTS,
# VM_TIMEOUT (default 5400 s), VM_MEM (default 2048 MiB).
set -uo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
OUT="$BUILD/debug-kernel"
LOG="$OUT/check.log"
die() { echo "check-debug: error: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

TESTS="${CHECK_DEBUG_TESTS:-20-driver-ioctl.sh 25-driver-races.sh 26-driver-recovery.sh 27-driver-fuzz.sh}"

# ---- 1. the kernel -------------------------------------------------------------
bash "$TOP/scripts/debug-kernel.sh" "$OUT" || die "the debug kernel did not build"
KVER="$(cat "$OUT/version")"

# ---- 2. snpu.ko against it ------------------------------------------------------
MOD="$OUT/mod"
mkdir -p "$MOD/kernel" "$MOD/uapi"
# Copy only what changed (Kbuild rebuilds by mtime), drop what left.
sync_tree() { # SRC-DIR DST-DIR FIND-ARGS...
	local src="$1" dst="$2" f
	shift 2
	(cd "$src" && find . -type f "$@") | while read -r f; do
		cmp -s "$src/$f" "$dst/$f" || install -D -m 0644 "$src/$f" "$dst/$f"
	done
	(cd "$dst" && find . -type f "$@") | while read -r f; do
		[ -f "$src/$f" ] || rm -f "$dst/$f"
	done
}
cmp -s "$TOP/Kbuild" "$MOD/Kbuild" || cp "$TOP/Kbuild" "$MOD/Kbuild"
sync_tree "$TOP/kernel" "$MOD/kernel" \( -name '*.[ch]' -o -name Kbuild \) ! -name '*.mod.c'
sync_tree "$TOP/uapi" "$MOD/uapi" -name '*.h'
# -g: file:line for the driver's frames in a report (scripts/faddr2line on
# build/debug-kernel/mod/kernel/snpu.ko); the guest gets it stripped.
make --no-print-directory -C "$OUT/kbuild" M="$MOD" KCFLAGS=-g modules > "$OUT/module.log" 2>&1 \
	|| { cat "$OUT/module.log"; die "snpu.ko does not build against the debug kernel"; }
KO="$MOD/kernel/snpu.ko"

# ---- 3. the initramfs -------------------------------------------------------------
KVER="$KVER" MODULE_KO="$KO" BUILD="$BUILD" bash "$TOP/scripts/mkinitramfs.sh" "$OUT/initramfs.cpio" \
	|| die "mkinitramfs failed"

# ---- 4. the run -----------------------------------------------------------------------
# The guest's part. Counts: the runner's checks, then one check each for
# the boot log, the kmemleak scan and the kernel log after the tests.
read -r -d '' GUEST_CMD <<'EOF'
# The runner's patterns plus lockdep's "INFO:" reports (ODEBUG, DMA-API
# debug and KASAN reports come with a WARNING:/BUG: line); the debug
# options' own boot banners are not problems.
bad='WARNING:|BUG:|BUG |Oops|lockdep|KASAN|UBSAN|Call Trace|general protection|possible circular locking|possible recursive locking|INFO: |kernel BUG|refcount_t:|list_add corruption|list_del corruption'
benign='RCU lockdep checking is enabled'
problems() { grep -E "$bad" "$1" | grep -vE "$benign"; }
dmesg > /tmp/boot-full.dmesg
snpu-vm-tests __TESTS__ 2>&1 | tee /tmp/runner.out
l=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/runner.out | tail -n 1)
p=$(echo "$l" | sed -E 's/^([0-9]+) passed.*/\1/')
f=$(echo "$l" | sed -E 's/.* ([0-9]+) failed.*/\1/')
[ -n "$l" ] || { p=0; f=1; echo "FAIL the runner printed no total"; }
# The runner keeps each test's kernel log in the guest: print every report
# in full here (the host log is all that survives the VM).
for d in /tmp/snpu-tests/*.dmesg; do
	[ "${d##*/}" != boot.dmesg ] && problems "$d" >/dev/null || continue
	echo "---- kernel log of ${d##*/}, from its first report ----"
	awk -v re="$bad" 'f || $0 ~ re { f = 1; print; n++ } n >= 200 { exit }' "$d"
done
ok() { p=$((p + 1)); echo "ok   $*"; }
no() { f=$((f + 1)); echo "FAIL $*"; }
if problems /tmp/boot-full.dmesg >/dev/null; then
	no "the kernel reported problems while booting:"
	problems /tmp/boot-full.dmesg | head -n 20 | sed 's/^/  boot: /'
else
	ok "boot log clean"
fi
! grep -q '^snpu ' /proc/modules || rmmod snpu || no "rmmod snpu after the tests"
kml=/sys/kernel/debug/kmemleak
if [ -w "$kml" ]; then
	sleep 6; echo scan > "$kml"; sleep 6; echo scan > "$kml"
	cat "$kml" > /tmp/kmemleak.txt
	awk 'function flush() { if (r ~ /\[snpu\]|snpu_|\] 0xffffffff[0-9a-f]+\n/) print r; r = "" }
	     /^unreferenced object/ { flush() } { r = r $0 "\n" } END { flush() }' /tmp/kmemleak.txt > /tmp/kmemleak-snpu.txt
	n=$(grep -c '^unreferenced object' /tmp/kmemleak.txt)
	if [ -s /tmp/kmemleak-snpu.txt ]; then
		no "kmemleak: $(grep -c '^unreferenced object' /tmp/kmemleak-snpu.txt) leak(s) in snpu ($n in all):"
		head -n 80 /tmp/kmemleak-snpu.txt | sed 's/^/  kmemleak: /'
	else
		ok "kmemleak: no leak in snpu ($n unreferenced object(s) elsewhere)"
	fi
else
	no "kmemleak: $kml is missing (not a debug kernel?)"
fi
dmesg > /tmp/after.dmesg
if problems /tmp/after.dmesg >/dev/null; then
	no "the kernel reported problems after the tests:"
	grep -E -A 30 "$bad" /tmp/after.dmesg | head -n 80 | sed 's/^/  kernel: /'
else
	ok "kernel log after the tests clean"
fi
echo "check-debug: $p passed, $f failed"
[ "$f" = 0 ]
EOF
GUEST_CMD="${GUEST_CMD//__TESTS__/$TESTS}"

echo "check-debug: booting $KVER (NPU=2) for: $TESTS"
VM_KERNEL="$OUT/bzImage" KVER="$KVER" INITRAMFS="$OUT/initramfs.cpio" NPU=2 \
	SNPU_DEVICE_OPTS="${SNPU_DEVICE_OPTS:-fault-injection=on}" \
	VM_MEM="${VM_MEM:-2048}" VM_TIMEOUT="${VM_TIMEOUT:-5400}" CMD="$GUEST_CMD" \
	bash "$TOP/scripts/vm.sh" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
l="$(tr -d '\r' < "$LOG" | grep -aoE '^check-debug: [0-9]+ passed, [0-9]+ failed' | tail -n 1)"
if [ -z "$l" ]; then
	p=0 f=1
	echo "check-debug: the guest reported no total (VM exit status $rc; log: $LOG)"
else
	read -r p f < <(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$l")
	[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
fi
echo "$p passed, $f failed"
[ "$rc" = 0 ] && [ "$f" = 0 ]
