#!/bin/sh
# 05-device-devmem: read the SNPU's BAR0 with busybox devmem, no driver:
# identity registers, configuration, counters; then load the driver, let it
# boot the firmware, unload, and read the registers and counters that boot
# changed. Ends with "N passed, N failed".
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
expect() { # DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1: got $2, want $3"; fi
}

! grep -q '^snpu ' /proc/modules || rmmod snpu

dev=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x534e ]; then
		dev=$d
		break
	fi
done
if [ -z "$dev" ]; then
	echo "no SNPU (1234:534e) on the PCI bus"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "device $(basename "$dev")"
expect "class" "$(cat "$dev/class")" 0x120000
# First line of resource: BAR0 start end flags.
bar0=$(head -n 1 "$dev/resource" | cut -d' ' -f1)
[ "$bar0" != 0x0000000000000000 ] && ok "BAR0 at $bar0" || bad "BAR0 not assigned"
# The firmware/BIOS leaves memory decoding on; make sure (command bit 1).
reg() { devmem $((bar0 + $1)) 32; }
hex() { printf '0x%08X' "$1"; }

expect "ID (SNPU)" "$(reg 0x000)" "$(hex 0x55504E53)"
expect "HW_VERSION" "$(reg 0x004)" "$(hex 0x00010000)"
expect "HW_CAPS" "$(reg 0x008)" "$(hex 0x0000FFFF)"
expect "NUM_QUEUES" "$(reg 0x00c)" "$(hex 4)"
expect "DRAM_SIZE_LO (256 MiB)" "$(reg 0x010)" "$(hex 0x10000000)"
expect "SRAM_SIZE (4 MiB)" "$(reg 0x018)" "$(hex 0x00400000)"
expect "MAC_ARRAY (32x32)" "$(reg 0x01c)" "$(hex 0x00200020)"
expect "CLOCK_MHZ" "$(reg 0x020)" "$(hex 1000)"
expect "VA_BITS" "$(reg 0x038)" "$(hex 39)"
expect "undefined offset reads 0" "$(reg 0x0ffc)" "$(hex 0)"
devmem $((bar0 + 0x050)) 32 0xA5A5F00D
expect "SCRATCH holds a write" "$(reg 0x050)" "$(hex 0xA5A5F00D)"
t1=$(reg 0x054)
t2=$(reg 0x054)
[ "$t1" != "$t2" ] && ok "TIMESTAMP advances ($t1 -> $t2)" || bad "TIMESTAMP stuck at $t1"

# Counters: 64-bit, LO latches HI. Read all 16 before and after a driver load.
counter() { lo=$(reg $((0x400 + 8 * $1))); hi=$(reg $((0x404 + 8 * $1))); echo $(((hi << 32) | lo)); }
echo "counters before:"
i=0
while [ $i -lt 16 ]; do echo "  [$i] $(counter $i)"; i=$((i + 1)); done
irqs0=$(counter 11)

resets0=$(counter 12)
if modprobe snpu; then
	ok "modprobe snpu"
	# With IO_STRICT_DEVMEM a bound driver's BAR is off limits to /dev/mem:
	# check what the driver did through it, then what the registers and
	# counters show after it let go.
	[ -c /dev/accel/accel0 ] && ok "/dev/accel/accel0 exists" || bad "no /dev/accel/accel0"
	rmmod snpu && ok "rmmod snpu" || bad "rmmod snpu"
	# The driver leaves the device soft-reset: firmware dropped, no error.
	expect "FW_STATUS after the driver left (OFF)" "$(reg 0x110)" "$(hex 0)"
	expect "FW_ERROR" "$(reg 0x114)" "$(hex 0)"
	st=$(reg 0x040)
	[ $((st & 1)) = 0 ] && ok "STATUS.READY clear after reset ($st)" || bad "STATUS.READY still set ($st)"
	irqs1=$(counter 11)
	[ "$irqs1" -gt "$irqs0" ] && ok "IRQS counter grew with the boot interrupt ($irqs0 -> $irqs1)" \
		|| bad "IRQS counter did not grow ($irqs0 -> $irqs1)"
	resets1=$(counter 12)
	[ "$resets1" -ge $((resets0 + 2)) ] && ok "RESETS counter grew by the probe and remove resets ($resets0 -> $resets1)" \
		|| bad "RESETS counter: $resets0 -> $resets1, expected at least +2"
else
	bad "modprobe snpu"
fi
echo "counters after:"
i=0
while [ $i -lt 16 ]; do echo "  [$i] $(counter $i)"; i=$((i + 1)); done

echo "devmem: $passed passed, $failed failed"
[ "$failed" = 0 ]
