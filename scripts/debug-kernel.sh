#!/bin/bash
# Build Debian's 6.12 kernel source as the SNPU debug kernel (lockdep, KASAN,
# kmemleak, DEBUG_OBJECTS, DMA-API debug: scripts/debug-kernel.config) for
# `make check-debug`.
#
#   scripts/debug-kernel.sh OUT      build (or reuse) and publish into OUT:
#                                    OUT/bzImage, OUT/version (kernel release),
#                                    OUT/kbuild -> the tree to build modules
#                                    against (make -C OUT/kbuild M=...); the
#                                    modules root goes to BUILD/kernel/<release>
#                                    (scripts/mkinitramfs.sh reads it there)
#   scripts/debug-kernel.sh --hash   print the cache key and exit
#
# Source: /usr/src/linux-source-6.12.tar.xz (Debian's linux-source-6.12,
# installed by `make deps`). Config: `make allnoconfig` with the fragment as
# KCONFIG_ALLCONFIG: only what the guest and snpu.ko need, all built in.
# Cache (machine-wide, survives a fresh clone), like scripts/qemu-build.sh:
#   /var/cache/snpu/linux-src-<deb version>/   the unpacked source (+ one
#                                              Kconfig hook, below)
#   /var/cache/snpu/linux-debug-<hash>/        the O= build tree of one config,
#                                              <hash> = sha256 over the source
#                                              version, the fragment and this
#                                              script; newest 2 kept. A new key
#                                              starts from a copy of the newest
#                                              finished tree, so Kbuild rebuilds
#                                              only what the change touches.
# Build: nice -n 19 make -j$DEBUG_KERNEL_JOBS (default 2); log in
# build/debug-kernel/build.log, the measured time in <tree>/.snpu-build-time.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
CACHE="${SNPU_CACHE:-/var/cache/snpu}"
FRAG="$ROOT/scripts/debug-kernel.config"
TARBALL=/usr/src/linux-source-6.12.tar.xz
LOGDIR="$BUILD/debug-kernel"
LOG="$LOGDIR/build.log"
JOBS="${DEBUG_KERNEL_JOBS:-2}"
KEEP=2
KMAKE=(make ARCH=x86_64)

log() { echo "debug-kernel: $*"; }
die() {
	echo "debug-kernel: error: $*" >&2
	if [ -s "$LOG" ]; then
		echo "---- last 40 lines of $LOG ----" >&2
		tail -n 40 "$LOG" >&2
	fi
	exit 1
}

[ -f "$TARBALL" ] || die "$TARBALL is missing: install Debian's linux-source-6.12 ('make deps')"
[ -f "$FRAG" ] || die "$FRAG is missing"
SRCVER="$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null)" \
	|| die "the linux-source-6.12 package is not installed ('make deps')"

# The out-of-tree driver has no Kconfig entry to select the helper libraries
# it links against (they have no prompt of their own): this one selects them,
# as an in-tree drivers/accel/snpu/Kconfig would.
kconfig_hook() {
	cat <<'EOF'
# Added by SNPU's scripts/debug-kernel.sh (not part of Debian's source).
config DRM_ACCEL_SNPU_DEPS
	bool "Helpers of the out-of-tree SNPU driver (snpu.ko)"
	depends on DRM_ACCEL && PCI && MMU
	select DRM_EXEC
	select DRM_GEM_SHMEM_HELPER
	select DRM_SCHED
	select WANT_DEV_COREDUMP
	select FW_LOADER
	select CRYPTO_LIB_SHA256
	select CRC32
EOF
}

HASH="$({
	printf 'linux-source-6.12 %s\n' "$SRCVER"
	(cd "$ROOT" && sha256sum scripts/debug-kernel.config scripts/debug-kernel.sh)
} | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" = --hash ]; then
	echo "$HASH"
	exit 0
fi
OUT="${1:?usage: debug-kernel.sh OUT | --hash}"
ENTRY="$CACHE/linux-debug-$HASH"
SRC="$CACHE/linux-src-${SRCVER//[^A-Za-z0-9.-]/_}"

publish() {
	local kver
	kver="$(cat "$ENTRY/.snpu-kernelrelease")"
	mkdir -p "$OUT" "$BUILD/kernel"
	rm -f "$OUT/bzImage.tmp"
	ln -f "$ENTRY/arch/x86/boot/bzImage" "$OUT/bzImage.tmp" 2>/dev/null \
		|| cp -f "$ENTRY/arch/x86/boot/bzImage" "$OUT/bzImage.tmp"
	if [ "$OUT/bzImage.tmp" -ef "$OUT/bzImage" ]; then rm -f "$OUT/bzImage.tmp"; else mv -f "$OUT/bzImage.tmp" "$OUT/bzImage"; fi
	echo "$kver" > "$OUT/version"
	ln -sfn "$ENTRY" "$OUT/kbuild"
	ln -sfn "$ENTRY/modroot" "$BUILD/kernel/$kver"
	touch "$ENTRY"	# most recently used
}

if [ -f "$ENTRY/.snpu-done" ]; then
	publish
	exit 0
fi

mkdir -p "$LOGDIR"
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	sudo -n mkdir -p "$CACHE" && sudo -n chown "$(id -u):$(id -g)" "$CACHE" \
		|| die "$CACHE is not writable (run as root, or: sudo mkdir -p $CACHE && sudo chown $(id -un) $CACHE)"
fi
# One builder at a time on this machine.
exec 9>"$CACHE/linux-debug.lock"
flock 9
if [ -f "$ENTRY/.snpu-done" ]; then
	publish
	exit 0
fi
: > "$LOG"

# ---- 1. the source ------------------------------------------------------------
if [ ! -f "$SRC/.snpu-unpacked" ]; then
	log "unpacking $TARBALL ($SRCVER) into $SRC"
	rm -rf "$SRC.tmp" "$SRC"
	mkdir -p "$SRC.tmp"
	tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1 >>"$LOG" 2>&1 || die "unpacking $TARBALL failed"
	touch "$SRC.tmp/.snpu-unpacked"
	mv "$SRC.tmp" "$SRC"
fi
# The hook, rewritten only when it changed (keeps Kbuild's view stable).
kconfig_hook > "$SRC/drivers/accel/Kconfig.snpu.new"
if cmp -s "$SRC/drivers/accel/Kconfig.snpu.new" "$SRC/drivers/accel/Kconfig.snpu"; then
	rm -f "$SRC/drivers/accel/Kconfig.snpu.new"
else
	mv -f "$SRC/drivers/accel/Kconfig.snpu.new" "$SRC/drivers/accel/Kconfig.snpu"
fi
grep -q 'Kconfig.snpu' "$SRC/drivers/accel/Kconfig" \
	|| printf '\nsource "drivers/accel/Kconfig.snpu"\n' >> "$SRC/drivers/accel/Kconfig"

# ---- 2. the build tree: a copy of the newest finished one, or empty -------------
if [ ! -d "$ENTRY" ]; then
	seed="$(ls -1dt "$CACHE"/linux-debug-* 2>/dev/null | grep -E '/linux-debug-[0-9a-f]{64}$' \
		| while read -r d; do [ -f "$d/.snpu-done" ] && { echo "$d"; break; }; done || true)"
	rm -rf "$ENTRY.tmp"
	if [ -n "$seed" ]; then
		log "starting from ${seed##*/} (incremental)"
		cp -a "$seed" "$ENTRY.tmp"
		rm -f "$ENTRY.tmp/.snpu-done"
	else
		mkdir -p "$ENTRY.tmp"
	fi
	mv "$ENTRY.tmp" "$ENTRY"
fi

# ---- 3. configure and check that the fragment holds ------------------------------
log "configuring (allnoconfig + scripts/debug-kernel.config), key ${HASH:0:16}"
"${KMAKE[@]}" -C "$SRC" O="$ENTRY" KCONFIG_ALLCONFIG="$FRAG" allnoconfig >>"$LOG" 2>&1 \
	|| die "make allnoconfig failed"
missing=""
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want="$line" ;;
	"# CONFIG_"*" is not set") want="$line" ;;
	*) continue ;;
	esac
	grep -qxF "$want" "$ENTRY/.config" && continue
	name="$(grep -oE 'CONFIG_[A-Za-z0-9_]+' <<<"$want" | head -n 1)"
	got="$(grep -E "^(# )?$name[= ]" "$ENTRY/.config" | head -n 1 || true)"
	missing="$missing
  $want (got: ${got:-absent})"
done < "$FRAG"
[ -z "$missing" ] || die "these lines of scripts/debug-kernel.config are not in the resulting .config (unmet dependencies?):$missing"

# ---- 4. build -----------------------------------------------------------------------
log "nice -n 19 make -j$JOBS (a first build takes tens of minutes; log: $LOG)"
t0=$(date +%s)
nice -n 19 "${KMAKE[@]}" -C "$SRC" O="$ENTRY" -j"$JOBS" all </dev/null >>"$LOG" 2>&1 || die "the kernel build failed"
kver="$("${KMAKE[@]}" -s -C "$SRC" O="$ENTRY" kernelrelease 2>>"$LOG")"
[ -n "$kver" ] || die "no kernel release"
rm -rf "$ENTRY/modroot"
"${KMAKE[@]}" -C "$SRC" O="$ENTRY" INSTALL_MOD_PATH="$ENTRY/modroot" modules_install >>"$LOG" 2>&1 \
	|| die "make modules_install failed"
# Every driver is built in: mkinitramfs still wants the directory.
mkdir -p "$ENTRY/modroot/lib/modules/$kver/kernel"
rm -f "$ENTRY/modroot/lib/modules/$kver/build" "$ENTRY/modroot/lib/modules/$kver/source"
t1=$(date +%s)
echo "$((t1 - t0))" > "$ENTRY/.snpu-build-time"
echo "$kver" > "$ENTRY/.snpu-kernelrelease"
touch "$ENTRY/.snpu-done"
log "built $kver in $((t1 - t0)) s ($(du -sm "$ENTRY" | cut -f1) MiB tree)"

# Keep the newest $KEEP finished trees.
ls -1dt "$CACHE"/linux-debug-* 2>/dev/null | grep -E '/linux-debug-[0-9a-f]{64}$' | tail -n +$((KEEP + 1)) \
	| while read -r old; do [ "$old" = "$ENTRY" ] || rm -rf "$old"; done
publish
