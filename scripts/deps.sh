#!/bin/bash
# Install every Debian package the SNPU project uses, add bookworm-backports
# when missing, and fetch Debian's 6.12 kernel image + headers (the image is
# unpacked under build/kernel, never installed as this machine's kernel).
# Idempotent and quiet when there is nothing to do.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

log() { echo "deps: $*"; }

# Packages from bookworm (stable).
PKGS=(
  build-essential pkg-config git xz-utils cpio zstd ca-certificates dpkg-dev
  libdrm-dev kmod libkmod-dev check libsubunit-dev
  libonnx-dev protobuf-c-compiler libprotobuf-c-dev libonnx-testdata xxd
  busybox sparse
  ninja-build libglib2.0-dev libpixman-1-dev zlib1g-dev flex bison
  python3-venv python3-setuptools
  seabios ipxe-qemu
  libopenblas-dev libopenblas0-pthread libdnnl-dev libblis-dev
  clang llvm lld libclang-rt-14-dev
  python3-torch python3-onnx dataset-fashion-mnist libpng-dev libnetpbm-dev
  trinity
  libelf-dev bc  # make check-debug: building the debug kernel (objtool, timeconst)
)
# Packages that must come from bookworm-backports.
BPO_PKGS=(meson python3-pycotap qemu-system-data linux-headers-amd64 linux-source-6.12)

BPO_LIST=/etc/apt/sources.list.d/snpu-bookworm-backports.list
add_backports() {
  if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
     && grep -rqs "^deb-src.*bookworm-backports\|Types:.*deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
    return 0
  fi
  log "adding bookworm-backports (deb and deb-src)"
  printf '%s\n' \
    "deb http://deb.debian.org/debian bookworm-backports main" \
    "deb-src http://deb.debian.org/debian bookworm-backports main" | $SUDO tee "$BPO_LIST" >/dev/null
  APT_UPDATED=0
}

APT_UPDATED=1
[ -n "$(ls /var/lib/apt/lists/*bookworm-backports*Packages* 2>/dev/null)" ] || APT_UPDATED=0
add_backports
apt_update() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
bmissing=()
for p in "${BPO_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || bmissing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ ${#bmissing[@]} -gt 0 ]; then
  apt_update
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ ${#bmissing[@]} -gt 0 ]; then
    log "installing from bookworm-backports: ${bmissing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bmissing[@]}" >/dev/null
  fi
fi

# The 6.12 kernel the guest boots: the version the installed headers match.
KHDR=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$KHDR" ] || { log "error: linux-headers 6.12 not installed"; exit 1; }
KVER=${KHDR#/usr/src/linux-headers-}
KDIR="$BUILD/kernel"
if [ ! -f "$KDIR/$KVER/boot/vmlinuz-$KVER" ]; then
  apt_update
  log "fetching linux-image-$KVER (unpacked under $KDIR, not installed)"
  rm -rf "$KDIR/$KVER.tmp"; mkdir -p "$KDIR/$KVER.tmp"
  # Keep the .deb in a machine-wide cache so a fresh clone does not download it again.
  DEBCACHE=/var/cache/snpu/debs
  $SUDO mkdir -p "$DEBCACHE"
  DEB=$(ls "$DEBCACHE"/linux-image-"$KVER"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$DEB" ]; then
    (cd "$KDIR/$KVER.tmp" && apt-get download -qq "linux-image-$KVER" >/dev/null 2>&1)
    $SUDO cp "$KDIR/$KVER.tmp"/linux-image-*.deb "$DEBCACHE/"
    DEB=$(ls "$DEBCACHE"/linux-image-"$KVER"_*.deb | head -1)
  fi
  dpkg-deb -x "$DEB" "$KDIR/$KVER.tmp/root"
  rm -rf "$KDIR/$KVER"; mv "$KDIR/$KVER.tmp/root" "$KDIR/$KVER"; rm -rf "$KDIR/$KVER.tmp"
fi
echo "$KVER" > "$KDIR/version"

# Debian's linux-source ships a tarball; unpack the scripts checkpatch needs.
LSRC=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null || true)
if [ -n "$LSRC" ] && [ ! -x "$BUILD/linux-source/scripts/checkpatch.pl" ]; then
  log "unpacking checkpatch.pl from linux-source-6.12"
  rm -rf "$BUILD/linux-source"; mkdir -p "$BUILD/linux-source"
  tar -xJf "$LSRC" -C "$BUILD/linux-source" --strip-components=1 \
      --wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi
exit 0
