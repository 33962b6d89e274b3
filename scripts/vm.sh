#!/bin/bash
# Boot the SNPU guest: the Debian 6.12 kernel, our initramfs, NPU SNPUs.
#
#   scripts/vm.sh                 interactive shell on the console (Ctrl-A x quits QEMU);
#                                 with stdin from a pipe or file, the shell reads it
#   CMD='...' scripts/vm.sh       run CMD in the guest, stream its output,
#                                 exit with its status
# Environment:
#   CMD             command for the guest's /bin/sh -c (any length, any quoting)
#   NPU             number of SNPU devices (default 1, 0 allowed)
#   VM_TIMEOUT      seconds before a CMD run (or a shell fed from a pipe) is
#                   abandoned (default 600)
#   SNPU_CMD_FWCFG=1  pass CMD through fw_cfg even when it is short (done
#                   anyway when its base64 exceeds 1400 bytes)
#   VM_ACCEL        kvm or tcg; default: probed once, cached in build/guest/accel
#                   (delete that file to probe again)
#   VM_DISK         null: add a virtio-blk disk on QEMU's null backend (benchmarks)
#   VM_MEM, VM_SMP  guest memory in MiB (default 1024) and CPUs (default 2)
#   VM_BIOS         qboot (default, fast) or seabios
#   SHARE           a host directory shared into the guest with virtio-9p,
#                   mounted read-write at /mnt/share (see README.md)
#   SNPU_DEVICE_OPTS  properties appended to every -device snpu (e.g. "foo=1")
#   SNPU_QEMU_ARGS  extra QEMU arguments (split on white space)
#   QEMU_BIN, INITRAMFS, KVER, VM_KERNEL   override the defaults under build/
#                   (VM_KERNEL: a bzImage or a PVH vmlinux, e.g. a debug kernel;
#                   its modules must match the initramfs's KVER)
# Exit status: the command's; 124 if VM_TIMEOUT passed; 125 if the guest or
# QEMU died before reporting the command's status.
set -euo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
GUEST="$BUILD/guest"
die() { echo "vm: error: $*" >&2; exit 125; }

QEMU="${QEMU_BIN:-$BUILD/qemu/qemu-system-x86_64}"
INITRAMFS="${INITRAMFS:-$GUEST/initramfs.cpio}"
[ -n "${KVER:-}" ] || KVER="$(cat "$BUILD/kernel/version" 2>/dev/null)" \
	|| die "$BUILD/kernel/version is missing: run 'make deps'"
KERNEL="${VM_KERNEL:-$BUILD/kernel/$KVER/boot/vmlinuz-$KVER}"
[ -x "$QEMU" ] || die "QEMU not found at $QEMU: build it with 'make' (or set QEMU_BIN)"
[ -f "$KERNEL" ] || die "guest kernel $KERNEL is missing: run 'make deps'"
[ -f "$INITRAMFS" ] || die "initramfs $INITRAMFS is missing: build it with 'make'"
NPU="${NPU:-1}"
[[ "$NPU" =~ ^[0-9]+$ ]] && [ "$NPU" -le 16 ] || die "NPU must be a number from 0 to 16, got '$NPU'"
VM_TIMEOUT="${VM_TIMEOUT:-600}"
[[ "$VM_TIMEOUT" =~ ^[0-9]+$ ]] && [ "$VM_TIMEOUT" -gt 0 ] || die "VM_TIMEOUT must be a positive number of seconds, got '$VM_TIMEOUT'"
mkdir -p "$GUEST"

# KVM only when it really works: nested KVM on some hosts boots into invalid
# opcodes. Probe once by running a trivial command, cache the answer.
pick_accel() {
	local cache="$GUEST/accel" a
	if [ -n "${VM_ACCEL:-}" ]; then
		[ "$VM_ACCEL" = kvm ] || [ "$VM_ACCEL" = tcg ] || die "VM_ACCEL must be kvm or tcg, got '$VM_ACCEL'"
		echo "$VM_ACCEL"; return
	fi
	if [ -f "$cache" ]; then
		a="$(cat "$cache")"
		if [ "$a" = kvm ] || [ "$a" = tcg ]; then echo "$a"; return; fi
	fi
	a=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		if VM_ACCEL=kvm NPU=0 VM_TIMEOUT=60 CMD='echo kvm-probe-ok' VM_DISK= SNPU_QEMU_ARGS= \
			"$0" >"$GUEST/accel-probe.log" 2>&1 </dev/null \
			&& grep -q '^kvm-probe-ok' "$GUEST/accel-probe.log"; then
			a=kvm
		else
			echo "vm: KVM does not work on this host (see $GUEST/accel-probe.log): using TCG" >&2
		fi
	fi
	echo "$a" > "$cache"
	echo "$a"
}
ACCEL="$(pick_accel)"
if [ "$ACCEL" = kvm ]; then CPU=host; else CPU=max; fi

APPEND="console=ttyS0 loglevel=4 panic=-1 edd=off cryptomgr.notests"
# Firmware: qboot boots Linux straight from fw_cfg; SeaBIOS took ~30 s more
# under TCG on a loaded 2-core host before the kernel started.
case "${VM_BIOS:-qboot}" in
qboot) BIOS=(-bios /usr/share/qemu/qboot.rom)
	[ -f /usr/share/qemu/qboot.rom ] || die "/usr/share/qemu/qboot.rom is missing: install qemu-system-data ('make deps')" ;;
seabios) BIOS=() ;;
*) die "VM_BIOS must be qboot or seabios, got '$VM_BIOS'" ;;
esac
args=(-machine "q35,accel=$ACCEL" -cpu "$CPU" -m "${VM_MEM:-1024}" -smp "${VM_SMP:-2}"
	-vga none -nic none -no-reboot
	-L /usr/share/qemu -L /usr/share/seabios "${BIOS[@]}"
	-kernel "$KERNEL" -initrd "$INITRAMFS")
for ((i = 0; i < NPU; i++)); do
	args+=(-device "snpu${SNPU_DEVICE_OPTS:+,$SNPU_DEVICE_OPTS}")
done
case "${VM_DISK:-}" in
"") ;;
null) args+=(-blockdev driver=null-co,node-name=nulldisk,size=1073741824,read-zeroes=on
	-device virtio-blk-pci,drive=nulldisk) ;;
*) die "VM_DISK must be empty or 'null', got '$VM_DISK'" ;;
esac
if [ -n "${SHARE:-}" ]; then
	[ -d "$SHARE" ] || die "SHARE=$SHARE is not a directory"
	share="$(cd "$SHARE" && pwd)"
	case "$share" in *,*) die "SHARE=$share: QEMU cannot take a path with a comma" ;; esac
	"$QEMU" -device help 2>/dev/null | grep -q '"virtio-9p-pci"' \
		|| die "$QEMU has no virtio-9p-pci device: rebuild QEMU with 'make' (CONFIG_VIRTIO_9P)"
	args+=(-fsdev "local,id=snpushare,path=$share,security_model=none"
		-device virtio-9p-pci,fsdev=snpushare,mount_tag=snpushare)
	APPEND="$APPEND snpushare=1"
fi
if [ -n "${SNPU_QEMU_ARGS:-}" ]; then
	read -r -a extra <<<"$SNPU_QEMU_ARGS"
	args+=("${extra[@]}")
fi

if [ -z "${CMD:-}" ] && [ -t 0 ]; then
	# Interactive: serial console and QEMU monitor multiplexed on stdio.
	if size="$(stty size 2>/dev/null)"; then
		APPEND="$APPEND snpurows=${size% *} snpucols=${size#* }"
	fi
	exec "$QEMU" "${args[@]}" -nographic -append "$APPEND"
fi

tmpd="$(mktemp -d "$GUEST/run.XXXXXX")"
feeder=""
cleanup() {
	if [ -n "$feeder" ]; then
		pkill -P "$feeder" 2>/dev/null || true
		kill "$feeder" 2>/dev/null || true
	fi
	rm -rf "$tmpd"
}
trap cleanup EXIT
# Guest console output, CRs dropped, copied to the log. Unbuffered: a
# prompt has no newline. CMD runs also drop the kernel's last words.
console() { stdbuf -o0 tr -d '\r' | tee "$tmpd/log"; }
console_cmd() { sed -u -e 's/\r$//' -e '/^\[ *[0-9.]*\] reboot: Power down$/d' | tee "$tmpd/log"; }

if [ -z "${CMD:-}" ]; then
	# Shell fed from a pipe or file: the serial port drops what arrives
	# before the guest's driver is up, so forward the input only once the
	# shell's first prompt appeared, then end it with Ctrl-D (the shell
	# exits and the guest powers off).
	mkfifo "$tmpd/in"
	exec 3<&0	# a background job's stdin would be /dev/null
	{
		until grep -q '^snpu:.*# ' "$tmpd/log" 2>/dev/null; do sleep 0.2; done
		cat <&3
		printf '\004'
		exec sleep "$VM_TIMEOUT"
	} > "$tmpd/in" 2>/dev/null &
	feeder=$!
	disown "$feeder"
	set +e
	timeout --foreground -k 10 "$VM_TIMEOUT" \
		"$QEMU" "${args[@]}" -display none -monitor none -serial stdio -append "$APPEND" \
		< "$tmpd/in" | console
	st=("${PIPESTATUS[@]}")
	if [ "${st[0]}" = 124 ] || [ "${st[0]}" = 137 ]; then
		echo "vm: error: VM_TIMEOUT=$VM_TIMEOUT s passed before the guest shell ended" >&2
	fi
	exit "${st[0]}"
fi

# Non-interactive: the command travels base64-encoded on the kernel command
# line (2048 bytes at most), or through fw_cfg when it is longer.
b64="$(printf '%s' "$CMD" | base64 -w0)"
if [ "${#b64}" -le 1400 ] && [ -z "${SNPU_CMD_FWCFG:-}" ]; then
	APPEND="$APPEND snpucmd=$b64"
else
	printf '%s' "$CMD" > "$tmpd/cmd"
	args+=(-fw_cfg "name=opt/snpu/cmd,file=$tmpd/cmd")
	APPEND="$APPEND snpucmd=fwcfg"
fi
set +e
timeout --foreground -k 10 "$VM_TIMEOUT" \
	"$QEMU" "${args[@]}" -display none -monitor none -serial stdio -append "$APPEND" </dev/null \
	| console_cmd
st=("${PIPESTATUS[@]}")
set -e
rc="$(sed -n 's/^SNPU-EXIT=\([0-9][0-9]*\)$/\1/p' "$tmpd/log" | tail -n 1)"
if [ -n "$rc" ]; then
	exit "$rc"
fi
if [ "${st[0]}" = 124 ] || [ "${st[0]}" = 137 ]; then
	echo "vm: error: VM_TIMEOUT=$VM_TIMEOUT s passed before the guest command finished" >&2
	exit 124
fi
echo "vm: error: the guest stopped without reporting the command's status" \
	"(QEMU exit status ${st[0]}; kernel panic, QEMU crash or power-off from the command?)" >&2
exit 125
