#!/bin/bash
# Build qemu-system-x86_64 10.0.2 with the SNPU device, from Debian's orig
# tarball plus our overlay (never a copy of QEMU in this repository).
#
#   scripts/qemu-build.sh OUT      build (or reuse) and copy the binary to OUT
#   scripts/qemu-build.sh --hash   print the cache key and exit
#
# Cache (machine-wide, survives a fresh clone): /var/cache/snpu/
#   src/qemu_10.0.2+ds.orig.tar.xz   the tarball, fetched once with apt-get source
#   qemu-<hash>/qemu-system-x86_64   finished binaries, <hash> = sha256 over this
#                                    script + every overlaid file; newest 3 kept
#   qemu-build/                      unpacked + configured tree, reused for
#                                    incremental rebuilds when only the overlay moved
# Overlay: qemu-device/core/*.{c,h}, qemu-device/qemu/*, the firmware parser
# (FW_LIB_SRCS of firmware/firmware.mk, firmware/*.h) and uapi/**/*.h go to hw/misc/snpu/ of the tree. Log: build/qemu/build.log.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SELF="$ROOT/scripts/qemu-build.sh"
CACHE="${SNPU_CACHE:-/var/cache/snpu}"
LOGDIR="$ROOT/build/qemu"
LOG="$LOGDIR/build.log"
QVER=10.0.2
TARBALL="qemu_${QVER}+ds.orig.tar.xz"
TARBALL_SHA=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1
# Bump when the way the tree is prepared (hooks below) changes: forces a re-unpack.
TREE_REV=1
KEEP=3
JOBS="${QEMU_JOBS:-2}"
CONFIGURE_ARGS=(
  --python=/usr/bin/python3
  --without-default-features --without-default-devices
  --with-devices-x86_64=snpu
  --target-list=x86_64-softmmu
  --enable-tcg --enable-kvm
  --disable-docs --disable-install-blobs
  # No internet: never let meson fetch a subproject; x86 needs no libfdt.
  --disable-download --disable-fdt
  # virtio-9p for `make vm SHARE=DIR` (CONFIG_VIRTIO_9P in snpu.mak); the
  # xattr calls come from glibc, no libattr package needed.
  --enable-virtfs --enable-attr
)

log() { echo "qemu-build: $*"; }
die() {
  echo "qemu-build: error: $*" >&2
  if [ -s "$LOG" ]; then
    echo "---- last 40 lines of $LOG ----" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}

# ---- the overlay: "source-path<TAB>name-in-hw/misc/snpu" lines, sorted ------
overlay_list() {
  local f
  (
    cd "$ROOT"
    for f in qemu-device/core/*.c qemu-device/core/*.h; do
      [ -f "$f" ] || continue
      printf '%s\t%s\n' "$f" "${f##*/}"
    done
    for f in qemu-device/qemu/*; do
      [ -f "$f" ] || continue
      case "${f##*/}" in
        snpu.mak|Kconfig.snpu|trace-events|*.md) continue ;;	# hooks (outside hw/misc/snpu), docs
      esac
      printf '%s\t%s\n' "$f" "${f##*/}"
    done
    # The firmware image parser library (FW_LIB_SRCS of firmware/firmware.mk)
    # and the firmware headers it needs.
    local libsrcs
    libsrcs=$(sed -n 's/^FW_LIB_SRCS[[:space:]]*:=//p' firmware/firmware.mk 2>/dev/null || true)
    [ -n "$libsrcs" ] || libsrcs="snpu_fwimage.c snpu_crc32.c snpu_sha256.c"
    for f in $libsrcs firmware/*.h; do
      f="firmware/${f#firmware/}"
      if [ -f "$f" ]; then printf '%s\t%s\n' "$f" "${f##*/}"; fi
    done
    find uapi -type f -name '*.h' | while read -r f; do
      printf '%s\t%s\n' "$f" "${f#uapi/}"
    done
  ) | sort
}

# Extra flags for the core from the Makefile (qemu-device/te.mk: TE_CFLAGS,
# TE_LDLIBS), e.g. a BLAS library the tensor engine links.
CORE_EXTRA_CFLAGS="${CORE_EXTRA_CFLAGS:-}"
CORE_EXTRA_LDLIBS="${CORE_EXTRA_LDLIBS:-}"

# meson list items from a whitespace-separated flag string.
meson_list() {
  local w
  for w in $1; do
    w=${w//\\/\\\\}
    printf "'%s', " "${w//\'/\\\'}"
  done
}

# Cache key: this script, the hook files, the extra flags and every overlaid
# file (path + content).
compute_hash() {
  local list hooks=()
  list=$(overlay_list)
  local f
  for f in qemu-device/qemu/snpu.mak qemu-device/qemu/Kconfig.snpu qemu-device/qemu/trace-events; do
    if [ -f "$ROOT/$f" ]; then hooks+=("$f"); fi
  done
  {
    printf 'cflags %s\nldlibs %s\n' "$CORE_EXTRA_CFLAGS" "$CORE_EXTRA_LDLIBS"
    printf '%s\n' "$list"
    # One sha256sum over everything: paths relative to the top, so the key
    # does not depend on where the clone lives.
    (cd "$ROOT" && sha256sum scripts/qemu-build.sh "${hooks[@]}" $(printf '%s\n' "$list" | cut -f1))
  } | sha256sum | cut -d' ' -f1
}

HASH=$(compute_hash)
if [ "${1:-}" = --hash ]; then
  echo "$HASH"
  exit 0
fi
OUT="${1:?usage: qemu-build.sh OUT | --hash}"
ENTRY="$CACHE/qemu-$HASH"

install_out() {
  mkdir -p "$(dirname "$OUT")"
  rm -f "$OUT.tmp"
  # A hard link when the cache is on the same file system, else a copy.
  ln -f "$ENTRY/qemu-system-x86_64" "$OUT.tmp" 2>/dev/null \
    || cp -f "$ENTRY/qemu-system-x86_64" "$OUT.tmp"
  # OUT may already be a hard link of this entry: mv refuses "same file".
  if [ "$OUT.tmp" -ef "$OUT" ]; then rm -f "$OUT.tmp"; else mv -f "$OUT.tmp" "$OUT"; fi
  touch "$OUT" "$ENTRY"	# newer than its inputs; most recently used entry
}

if [ -x "$ENTRY/qemu-system-x86_64" ]; then
  install_out
  exit 0
fi

mkdir -p "$LOGDIR"
: > "$LOG"
# The cache is machine-wide: create it with sudo when we are not root.
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
  sudo -n mkdir -p "$CACHE" && sudo -n chown "$(id -u):$(id -g)" "$CACHE" \
    || die "$CACHE is not writable (run as root, or create it: sudo mkdir -p $CACHE && sudo chown $(id -un) $CACHE)"
fi
# One builder at a time on this machine (two clones, two make runs).
exec 9>"$CACHE/qemu.lock"
flock 9
if [ -x "$ENTRY/qemu-system-x86_64" ]; then
  install_out
  exit 0
fi
log "building QEMU $QVER with SNPU (cache key ${HASH:0:16}); log: $LOG"

# ---- 1. the tarball ---------------------------------------------------------
SRCDIR="$CACHE/src"
mkdir -p "$SRCDIR"
if [ ! -f "$SRCDIR/$TARBALL" ]; then
  log "fetching Debian's qemu source (bookworm-backports)"
  (cd "$SRCDIR" && apt-get source --download-only -t bookworm-backports qemu) >>"$LOG" 2>&1 || true
  # The Debian diff may 404: only the orig tarball matters.
  [ -f "$SRCDIR/$TARBALL" ] || die "apt-get source did not fetch $TARBALL (is deb-src for bookworm-backports configured?)"
fi
echo "$TARBALL_SHA  $SRCDIR/$TARBALL" | sha256sum -c --quiet - >>"$LOG" 2>&1 \
  || die "$SRCDIR/$TARBALL: sha256 mismatch (expected $TARBALL_SHA)"

# ---- 2. the unpacked, hooked tree ----------------------------------------------
WORK="$CACHE/qemu-build"
TREE="$WORK/qemu-$QVER"
# One configured build directory per argument set: trees configured
# differently (other branches, other clones) do not reconfigure each other's.
BDIR="$WORK/build-$(printf '%s ' "${CONFIGURE_ARGS[@]}" | sha256sum | cut -c1-12)"
TREE_STAMP="$TARBALL_SHA rev$TREE_REV"
if [ "$(cat "$WORK/.tree-stamp" 2>/dev/null)" != "$TREE_STAMP" ]; then
  log "unpacking $TARBALL"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  tar -xJf "$SRCDIR/$TARBALL" -C "$WORK" >>"$LOG" 2>&1 || die "unpacking $TARBALL failed"
  [ -d "$TREE" ] || die "$TARBALL did not unpack to qemu-$QVER/"
  # The +ds tarball has no EDK2 blobs: never try to unpack them.
  sed -i 's/^\(\s*unpack_edk2_blobs = \)bzip2\.found()/\1false/' "$TREE/meson.build"
  grep -q 'unpack_edk2_blobs = bzip2' "$TREE/meson.build" && die "could not disable unpack_edk2_blobs"
  echo "$TREE_STAMP" > "$WORK/.tree-stamp"
fi
# Pristine copies of the files the hooks extend (regenerated below each run).
for f in Kconfig meson.build trace-events; do
  [ -f "$WORK/$f.orig" ] || cp "$TREE/hw/misc/$f" "$WORK/$f.orig"
done

# Copy $1 to $2 only when the content differs (keeps mtimes: ninja rebuilds
# only what changed).
sync_file() {
  if ! cmp -s "$1" "$2"; then
    mkdir -p "$(dirname "$2")"
    cp -f "$1" "$2"
  fi
}

# Hooks, regenerated from the pristine files every run: the device config
# (configure reads it), the Kconfig symbol, the meson subdir and the trace
# events (in hw/misc's list: the glue includes "hw/misc/trace.h").
sync_file "$ROOT/qemu-device/qemu/snpu.mak" "$TREE/configs/devices/x86_64-softmmu/snpu.mak"
cat "$WORK/Kconfig.orig" "$ROOT/qemu-device/qemu/Kconfig.snpu" > "$WORK/Kconfig.new"
sync_file "$WORK/Kconfig.new" "$TREE/hw/misc/Kconfig"
{ cat "$WORK/meson.build.orig"; echo "subdir('snpu')"; } > "$WORK/meson.build.new"
sync_file "$WORK/meson.build.new" "$TREE/hw/misc/meson.build"
cat "$WORK/trace-events.orig" "$ROOT/qemu-device/qemu/trace-events" > "$WORK/trace-events.new"
sync_file "$WORK/trace-events.new" "$TREE/hw/misc/trace-events"
rm -f "$WORK/Kconfig.new" "$WORK/meson.build.new" "$WORK/trace-events.new"

# ---- 3. the overlay in hw/misc/snpu ----------------------------------------------
DEST="$TREE/hw/misc/snpu"
mkdir -p "$DEST"
declare -A WANT=()
csrcs=()
while IFS=$'\t' read -r src dst; do
  sync_file "$ROOT/$src" "$DEST/$dst"
  WANT["$dst"]=1
  case "$dst" in
    *.c) [ "$dst" = snpu_pci.c ] || csrcs+=("$dst") ;;
  esac
done < <(overlay_list)
[ -f "$DEST/snpu_pci.c" ] || die "qemu-device/qemu/snpu_pci.c missing"
# meson.build: the core (plain C11, no QEMU header) as its own static library
# built as the host Makefile builds it: the bit-exactness flag, and without
# QEMU's per-call hardening (zeroing every stack array and used register
# costs the tensor kernels; the core is fuzzed and sanitizer-tested instead).
# The glue goes in system_ss.
{
  echo "# Generated by scripts/qemu-build.sh: do not edit."
  echo "snpu_core_lib = static_library('snpu_core',"
  echo "  files("
  for c in "${csrcs[@]}"; do echo "    '$c',"; done
  echo "  ),"
  echo "  c_args: ['-ffp-contract=off', $(meson_list "$CORE_EXTRA_CFLAGS")] +"
  echo "    cc.get_supported_arguments('-ftrivial-auto-var-init=uninitialized',"
  echo "                               '-fzero-call-used-regs=skip'),"
  echo "  dependencies: [threads, libm],"
  echo "  build_by_default: false)"
  echo "snpu_core = declare_dependency(link_with: snpu_core_lib,"
  echo "  link_args: [$(meson_list "$CORE_EXTRA_LDLIBS")],"
  echo "  dependencies: [threads, libm])"
  echo "system_ss.add(when: 'CONFIG_SNPU', if_true: [files('snpu_pci.c'), snpu_core])"
} > "$DEST/meson.build.new"
sync_file "$DEST/meson.build.new" "$DEST/meson.build"
rm -f "$DEST/meson.build.new"
WANT[meson.build]=1
# Drop files that left the overlay.
while IFS= read -r f; do
  rel="${f#"$DEST"/}"
  [ -n "${WANT[$rel]:-}" ] || rm -f "$f"
done < <(find "$DEST" -type f)

# ---- 4. configure (once per argument set) ----------------------------------------
CONF_STAMP="$(printf '%s ' "${CONFIGURE_ARGS[@]}")"
if [ "$(cat "$BDIR/.snpu-configured" 2>/dev/null)" != "$CONF_STAMP" ] || [ ! -f "$BDIR/build.ninja" ]; then
  log "configuring"
  rm -rf "$BDIR"
  mkdir -p "$BDIR"
  (cd "$BDIR" && "$TREE/configure" "${CONFIGURE_ARGS[@]}") >>"$LOG" 2>&1 || die "configure failed"
  echo "$CONF_STAMP" > "$BDIR/.snpu-configured"
fi

# ---- 5. build -------------------------------------------------------------------------
log "ninja -j$JOBS qemu-system-x86_64 (a first build takes a few minutes)"
ninja -C "$BDIR" -j"$JOBS" qemu-system-x86_64 </dev/null >>"$LOG" 2>&1 || die "ninja failed"
"$BDIR/qemu-system-x86_64" -device help </dev/null 2>>"$LOG" | grep -q '"snpu"' \
  || die "the built binary has no snpu device"

# ---- 6. publish into the cache, prune, install ------------------------------------------
rm -rf "$ENTRY.tmp"
mkdir -p "$ENTRY.tmp"
cp "$BDIR/qemu-system-x86_64" "$ENTRY.tmp/"
overlay_list > "$ENTRY.tmp/overlay.txt"
rm -rf "$ENTRY"
mv "$ENTRY.tmp" "$ENTRY"
# Keep the newest $KEEP finished binaries.
ls -1dt "$CACHE"/qemu-* 2>/dev/null | grep -E '/qemu-[0-9a-f]{64}$' | tail -n +$((KEEP + 1)) \
  | while read -r old; do rm -rf "$old"; done
install_out
log "done: $OUT"
