#!/bin/bash
# Hot-unplug of an SNPU while jobs run on it (host side; `make vm-hotunplug`).
#
# Boots the guest with one SNPU on pcie.0 (it stays) and one behind a
# pcie-root-port (id snpu_hot, the one unplugged), with a QMP socket. In the
# guest, snpu-driver-hotunplug (tests/vm/driver_hotunplug.c) starts long jobs
# on the hot SNPU, waits for them in several threads and prints
# SNPU-HOTUNPLUG-READY; this script then sends QMP device_del and checks:
#   - QEMU answers QMP throughout and emits DEVICE_DELETED within
#     UNPLUG_BOUND_S seconds (the unplug completes; nothing waits forever);
#   - QEMU is still running afterwards (query-status) and exits cleanly
#     when the guest powers off (no crash, no hang);
#   - the guest program's own checks pass: every waiter got an error, not a
#     hang; the device and its node went away; the other SNPU runs a job.
# Ends with "hotunplug: N passed, N failed"; exit status 0 only if all passed.
# Environment: as scripts/vm.sh (QEMU_BIN, INITRAMFS, VM_TIMEOUT...);
# UNPLUG_BOUND_S (default 5).
set -uo pipefail
TOP="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
BOUND="${UNPLUG_BOUND_S:-5}"
work="$(mktemp -d "${TMPDIR:-/tmp}/snpu-hotunplug.XXXXXX")"
sock="$work/qmp.sock"
log="$work/console.log"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "hotunplug: ok   $*"; }
bad() { failed=$((failed + 1)); echo "hotunplug: FAIL $*"; }
vm=""
cleanup() {
	[ -z "$vm" ] || kill "$vm" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# QMP client: qmp.py SOCKET COMMAND... ; prints one line per result.
cat > "$work/qmp.py" <<'EOF'
import json, socket, sys, time

def main():
    path, device, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rw")

    def reply(deadline):
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            line = f.readline()
            if not line:
                raise SystemExit("qmp: QEMU closed the monitor (crashed?)")
            msg = json.loads(line)
            if "event" in msg:
                events.append((time.monotonic(), msg))
                continue
            return msg

    def cmd(name, args=None, timeout=5.0):
        f.write(json.dumps({"execute": name, "arguments": args or {}}) + "\n")
        f.flush()
        r = reply(time.monotonic() + timeout)
        if "error" in r:
            raise SystemExit("qmp: %s: %s" % (name, r["error"]))
        return r["return"]

    events = []
    f.readline()                                   # greeting
    cmd("qmp_capabilities")
    t0 = time.monotonic()
    cmd("device_del", {"id": device})
    print("qmp: device_del %s accepted after %.3f s" % (device, time.monotonic() - t0))
    deleted = None
    deadline = t0 + bound
    while deleted is None and time.monotonic() < deadline:
        for t, e in events:
            if e["event"] == "DEVICE_DELETED" and e.get("data", {}).get("device") == device:
                deleted = t - t0
        if deleted is None:
            try:
                cmd("query-status", timeout=max(0.1, deadline - time.monotonic()))
            except socket.timeout:
                break
            time.sleep(0.02)
    if deleted is None:
        print("qmp: no DEVICE_DELETED for %s within %.0f s" % (device, bound))
        sys.exit(1)
    print("qmp: DEVICE_DELETED %s after %.3f s" % (device, deleted))
    # right away: the guest powers off once its own checks are done
    st = cmd("query-status")
    print("qmp: status after the unplug: %s" % st["status"])
    sys.exit(0 if st["status"] == "running" else 1)

main()
EOF

guest='modprobe snpu job_timeout_ms=60000 || exit 1
hot= keep=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x534e ] || continue
	b=${d##*/}
	case "$b" in 0000:00:*) keep=$b ;; *) hot=$b ;; esac
done
echo "hot SNPU $hot, kept SNPU $keep"
[ -n "$hot" ] && [ -n "$keep" ] || { echo "hotunplug: both SNPUs must be present"; exit 1; }
snpu-driver-hotunplug "$hot" "$keep"; rc=$?
dmesg | grep -iE "pciehp|acpiphp|slot|snpu 0000:01" | tail -n 8
exit $rc'

NPU=1 VM_TIMEOUT="${VM_TIMEOUT:-300}" CMD="$guest" \
	SNPU_QEMU_ARGS="-device pcie-root-port,id=snpu_rp,chassis=1,slot=1 -device snpu,id=snpu_hot,bus=snpu_rp -qmp unix:$sock,server=on,wait=off" \
	bash "$TOP/scripts/vm.sh" > "$log" 2>&1 &
vm=$!
tail -n +1 -f --pid="$vm" "$log" &
tailer=$!

while ! grep -q '^SNPU-HOTUNPLUG-READY' "$log" && kill -0 "$vm" 2>/dev/null; do
	sleep 0.2
done
if grep -q '^SNPU-HOTUNPLUG-READY' "$log"; then
	ok "the guest started its jobs and is waiting"
	if python3 "$work/qmp.py" "$sock" snpu_hot "$BOUND"; then
		ok "device_del completed (DEVICE_DELETED within $BOUND s), QEMU still running"
	else
		bad "device_del did not complete within $BOUND s, or QEMU stopped"
	fi
else
	bad "the guest never reported SNPU-HOTUNPLUG-READY"
fi
wait "$vm"
rc=$?
vm=""
wait "$tailer" 2>/dev/null
case "$rc" in
0) ok "guest checks passed, QEMU exited normally" ;;
124) bad "VM_TIMEOUT passed: the guest or QEMU hung" ;;
125) bad "QEMU or the guest died before the command finished" ;;
*) bad "guest checks failed (exit status $rc)" ;;
esac
echo "hotunplug: $passed passed, $failed failed"
[ "$failed" = 0 ]
