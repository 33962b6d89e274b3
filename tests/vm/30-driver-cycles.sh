#!/bin/sh
# 30-driver-cycles: 100 modprobe/rmmod cycles, every fourth one removing the
# module right after a process exited with jobs still running on every
# queue; a PCI unbind while a process holds the device with jobs running;
# kernel memory (MemFree, Slab) must come back within a small bound.
# Ends with "N passed, N failed".

CYCLES="${SNPU_CYCLES:-100}"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
unload() { ! grep -q '^snpu ' /proc/modules || rmmod snpu; }

unload
# Warm up once so that first-use allocations do not count.
modprobe snpu && snpu-driver-ioctl --inflight && sleep 1 && rmmod snpu
sync
free0=$(meminfo MemFree)
slab0=$(meminfo Slab)

n=0
busy=0
c=0
while [ $c -lt "$CYCLES" ]; do
	c=$((c + 1))
	modprobe snpu || { bad "modprobe in cycle $c"; break; }
	if [ $((c % 4)) = 0 ]; then
		if snpu-driver-ioctl --inflight; then busy=$((busy + 1)); fi
	else
		cat /dev/null > /dev/accel/accel0
	fi
	rmmod snpu || { bad "rmmod in cycle $c"; break; }
	n=$((n + 1))
done
[ "$n" = "$CYCLES" ] && ok "$n modprobe/rmmod cycles" || bad "only $n of $CYCLES cycles"
[ "$busy" = $((CYCLES / 4)) ] && ok "$busy of them with jobs in flight" ||
	bad "$busy of $((CYCLES / 4)) cycles had jobs in flight"

# Unbind the device while a process still has it open with jobs running,
# let the process close it afterwards, then bind again.
if modprobe snpu; then
	pci=$(basename "$(readlink /sys/class/accel/accel0/device)")
	snpu-driver-ioctl --inflight --linger &
	pid=$!
	sleep 0.5
	if echo "$pci" > /sys/bus/pci/drivers/snpu/unbind; then ok "unbind with jobs in flight"
	else bad "unbind with jobs in flight"; fi
	wait $pid && ok "the open file got -ENODEV, then closed" || bad "process holding the unbound device"
	if echo "$pci" > /sys/bus/pci/drivers/snpu/bind && [ -c /dev/accel/accel0 ] &&
	   snpu-driver-params >/dev/null; then ok "bind again, device works"
	else bad "bind again"; fi
	rmmod snpu || bad "rmmod after unbind/bind"
else
	bad "modprobe for unbind"
fi

sync
free1=$(meminfo MemFree)
slab1=$(meminfo Slab)
echo "MemFree ${free0} -> ${free1} kB, Slab ${slab0} -> ${slab1} kB"
[ $((free0 - free1)) -lt 16384 ] && ok "MemFree within 16 MiB" || bad "MemFree dropped by $((free0 - free1)) kB"
[ $((slab1 - slab0)) -lt 4096 ] && ok "Slab within 4 MiB" || bad "Slab grew by $((slab1 - slab0)) kB"

echo "driver-cycles: $passed passed, $failed failed"
[ "$failed" = 0 ]
