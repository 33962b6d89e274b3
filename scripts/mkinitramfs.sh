#!/bin/bash
# Build the SNPU guest initramfs.
#
# Usage: scripts/mkinitramfs.sh OUTPUT
# Inputs come from the environment (scripts/vm.mk sets them):
#   BUILD        build directory (default: <repo>/build)
#   KVER         guest kernel version (default: contents of $BUILD/kernel/version)
#   MODULE_KO    snpu.ko                          -> /lib/modules/$KVER/extra/snpu.ko
#   FW_IMAGE     firmware image                   -> /lib/firmware/snpu/snpu.bin
#   GUEST_BINS   executables                      -> /usr/bin/
#   GUEST_LIBS   shared libraries                 -> /usr/lib/
#   VM_TESTS     in-guest test executables        -> /usr/libexec/snpu-tests/
#   GUEST_DATA   data files, SRC=DEST pairs       -> /usr/share/snpu/DEST
#   SNPU_ALLOW_MISSING=1  build without snpu.ko / firmware (harness development only)
# Every ELF copied in brings its shared libraries and the dynamic loader (ldd).
# OUTPUT ending in .gz is gzip-compressed, otherwise a plain newc cpio.
set -euo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
OUT="${1:?usage: mkinitramfs.sh OUTPUT(.cpio|.cpio.gz)}"
die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

[ -n "${KVER:-}" ] || KVER="$(cat "$BUILD/kernel/version" 2>/dev/null)" \
	|| die "$BUILD/kernel/version is missing: run 'make deps' first"
KROOT="$BUILD/kernel/$KVER"
KMODS="$KROOT/lib/modules/$KVER"
[ -d "$KMODS/kernel" ] || die "Debian kernel modules not found in $KMODS: run 'make deps'"
BUSYBOX=/bin/busybox
KMOD=/usr/bin/kmod
# Debian's "busybox" package, not "busybox-static": the static build prefers
# its own applets over $PATH (FEATURE_SH_STANDALONE, FEATURE_PREFER_APPLETS),
# so its sh, env, timeout or xargs would run busybox's modprobe and lsmod
# instead of kmod's.
[ -x "$BUSYBOX" ] || die "$BUSYBOX is missing: install Debian's busybox package ('make deps')"
[ -x "$KMOD" ] || die "$KMOD is missing: install kmod ('make deps')"
is_dynamic() { readelf -d "$1" 2>/dev/null | grep -q '(NEEDED)'; }
is_dynamic "$BUSYBOX" || die "$BUSYBOX is the static build, which runs its own modprobe over kmod's: install Debian's busybox package instead of busybox-static ('make deps')"

MODULE_KO="${MODULE_KO:-$TOP/kernel/snpu.ko}"
FW_IMAGE="${FW_IMAGE:-$BUILD/firmware/snpu.bin}"
allow_missing="${SNPU_ALLOW_MISSING:-0}"
need() { # FILE WHAT
	[ -f "$1" ] && return 0
	[ "$allow_missing" = 1 ] && { echo "mkinitramfs: warning: $2 $1 is missing (SNPU_ALLOW_MISSING=1)" >&2; return 1; }
	die "$2 $1 is missing (build it first, or set SNPU_ALLOW_MISSING=1 to boot without it)"
}

ROOT="$OUT.root"
rm -rf "$ROOT"
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64,libexec/snpu-tests} \
	"$ROOT"/{dev,proc,sys,tmp,run,root,etc,mnt,var}
# Merged /usr like the host: the libraries' paths from ldd then exist as is.
ln -s usr/bin "$ROOT/bin"; ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"

# Shared libraries: copy each ELF's ldd closure. Libraries built by the
# project (under $BUILD or $TOP) go to /usr/lib, system ones keep their path.
LIBDIRS=""
for l in ${GUEST_LIBS:-}; do LIBDIRS="$LIBDIRS:$(dirname "$(readlink -f "$l")")"; done
copy_deps() { # ELF
	local out line path
	is_dynamic "$1" || return 0
	out="$(LD_LIBRARY_PATH="${LIBDIRS#:}" ldd "$1" 2>&1)" || die "ldd $1 failed: $out"
	if grep -q 'not found' <<<"$out"; then
		die "$1 needs libraries that were not found:
$(grep 'not found' <<<"$out")"
	fi
	while read -r line; do
		case "$line" in
		*"=> /"*) path="${line#*=> }"; path="${path%% (*}" ;;
		/*) path="${line%% (*}" ;;
		*) continue ;;
		esac
		case "$(readlink -f "$path")" in
		"$TOP"/*) install -m 0755 -D "$(readlink -f "$path")" "$ROOT/usr/lib/$(basename "$path")" ;;
		*) [ -e "$ROOT$path" ] || install -m 0755 -D "$(readlink -f "$path")" "$ROOT$path" ;;
		esac
	done <<<"$out"
}

# busybox, every applet but the module tools (those are kmod's).
install -m 0755 "$BUSYBOX" "$ROOT/usr/bin/busybox"
copy_deps "$BUSYBOX"
for a in $("$BUSYBOX" --list-full); do
	case "${a##*/}" in
	modprobe|insmod|rmmod|lsmod|modinfo|depmod|busybox|linuxrc) continue ;;
	esac
	a="${a#usr/}"
	dst="$ROOT/usr/$a"
	[ -e "$dst" ] || [ -L "$dst" ] || ln -s /usr/bin/busybox "$dst"
done

# kmod, the real one.
install -m 0755 "$KMOD" "$ROOT/usr/bin/kmod"
copy_deps "$KMOD"
for t in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -sf /usr/bin/kmod "$ROOT/usr/sbin/$t"
done

# Kernel modules: what snpu.ko and the harness need, with their dependencies.
DST_MODS="$ROOT/usr/lib/modules/$KVER"
mkdir -p "$DST_MODS/kernel" "$DST_MODS/extra"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -f "$KMODS/$f" ] && cp "$KMODS/$f" "$DST_MODS/"
done
declare -A MODPATH
while read -r p; do
	n="${p##*/}"; n="${n%%.ko*}"; MODPATH["${n//-/_}"]="$p"
done < <(cd "$KMODS" && find kernel -name '*.ko*')
declare -A BUILTIN
while read -r p; do
	n="${p##*/}"; n="${n%%.ko*}"; BUILTIN["${n//-/_}"]=1
done < "$KMODS/modules.builtin"

WANT=(drm gpu_sched drm_shmem_helper virtio_blk virtio_pci qemu_fw_cfg null_blk
	9p 9pnet_virtio)	# 9p: make vm SHARE=DIR
if need "$MODULE_KO" "kernel module (MODULE_KO)"; then
	# Without debug info (kallsyms keeps the symbols oops traces need): a
	# smaller image boots faster.
	strip --strip-debug -o "$DST_MODS/extra/snpu.ko" "$MODULE_KO" \
		|| die "strip --strip-debug $MODULE_KO failed"
	chmod 0644 "$DST_MODS/extra/snpu.ko"
	deps="$(modinfo -F depends "$MODULE_KO")" || die "modinfo cannot read $MODULE_KO"
	IFS=, read -r -a more <<<"$deps"
	WANT+=("${more[@]}")
fi
declare -A DONE
while [ ${#WANT[@]} -gt 0 ]; do
	m="${WANT[0]//-/_}"; WANT=("${WANT[@]:1}")
	[ -n "$m" ] && [ -z "${DONE[$m]:-}" ] || continue
	DONE[$m]=1
	[ -z "${BUILTIN[$m]:-}" ] || continue
	p="${MODPATH[$m]:-}"
	[ -n "$p" ] || die "kernel module $m is neither built in nor in $KMODS"
	install -m 0644 -D "$KMODS/$p" "$DST_MODS/$p"
	deps="$(modinfo -F depends "$KMODS/$p")"
	IFS=, read -r -a more <<<"$deps"
	WANT+=("${more[@]}")
done
depmod -b "$ROOT" "$KVER" || die "depmod -b $ROOT $KVER failed"

# Firmware.
if need "$FW_IMAGE" "firmware image (FW_IMAGE)"; then
	install -m 0644 -D "$FW_IMAGE" "$ROOT/usr/lib/firmware/snpu/snpu.bin"
fi

# Project binaries, libraries and tests.
for f in ${GUEST_BINS:-}; do
	need "$f" "guest binary (GUEST_BINS)" || continue
	install -m 0755 "$f" "$ROOT/usr/bin/"; copy_deps "$f"
done
for f in ${GUEST_LIBS:-}; do
	need "$f" "guest library (GUEST_LIBS)" || continue
	install -m 0755 "$f" "$ROOT/usr/lib/"; copy_deps "$f"
done
for f in ${VM_TESTS:-}; do
	need "$f" "VM test (VM_TESTS)" || continue
	[ -x "$f" ] || die "VM test $f is not executable"
	install -m 0755 "$f" "$ROOT/usr/libexec/snpu-tests/"; copy_deps "$f"
done
install -m 0755 "$TOP/tests/vm/run-all.sh" "$ROOT/usr/bin/snpu-vm-tests"
for d in ${GUEST_DATA:-}; do
	need "${d%%=*}" "guest data file (GUEST_DATA)" || continue
	install -m 0644 -D "${d%%=*}" "$ROOT/usr/share/snpu/${d#*=}"
done

# The guest's own files.
install -m 0755 "$TOP/scripts/guest/init" "$ROOT/init"
cp -r "$TOP/scripts/guest/etc/." "$ROOT/etc/"

# Pack: sorted, fixed owner, so identical inputs give an identical image.
tmp="$OUT.tmp"
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | \
	cpio --quiet -o -H newc -R 0:0 --reproducible) > "$tmp.cpio"
case "$OUT" in
*.gz) gzip -n -6 < "$tmp.cpio" > "$tmp"; rm -f "$tmp.cpio" ;;
*) mv "$tmp.cpio" "$tmp" ;;
esac
mv "$tmp" "$OUT"
rm -rf "$ROOT"
echo "mkinitramfs: $OUT ($(du -k "$OUT" | cut -f1) KiB, kernel $KVER)"
