#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check a Chrome trace-event JSON file written by accel_model_write_trace().

usage: check_trace.py TRACE.json LAYERS DEVICES
Checks what chrome://tracing's and Perfetto's JSON importers need: a top-level
object with a traceEvents list; every event has name, ph, pid, tid; complete
events ("X") have numeric ts and dur >= 0; metadata ("M") names every process
and thread used; one "layer" slice per device layer on each device; slices on
one track do not overlap and come in time order; every layer slice carries its
op, precision and predicted cycles. Prints "N passed, N failed".
"""
import json
import sys


def main(path, layers, devices):
    failed = []

    def check(ok, what):
        if not ok:
            failed.append(what)

    with open(path) as f:
        doc = json.load(f)
    ev = doc.get("traceEvents")
    check(isinstance(ev, list) and ev, "traceEvents is a non-empty list")
    named = set()
    tracks = {}
    for e in ev:
        for k in ("name", "ph", "pid", "tid"):
            check(k in e, f"event has {k}: {e}")
        if e.get("ph") == "M":
            named.add((e["name"], e["pid"], e["tid"] if e["name"] == "thread_name" else None))
            continue
        check(e.get("ph") == "X", f"complete event: {e}")
        check(isinstance(e.get("ts"), (int, float)) and e["ts"] >= 0, f"ts >= 0: {e}")
        check(isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0, f"dur >= 0: {e}")
        tracks.setdefault((e["pid"], e["tid"]), []).append(e)
    for pid, tid in tracks:
        check(("process_name", pid, None) in named, f"process {pid} named")
        check(("thread_name", pid, tid) in named, f"thread {pid}/{tid} named")
    for d in range(devices):
        sl = tracks.get((1 + d, 0), [])
        lay = [e for e in sl if e.get("cat") == "layer"]
        check(len(lay) == layers, f"device {d}: {len(lay)} layer slices, want {layers}")
        for e in lay:
            a = e.get("args", {})
            check("op" in a and a.get("precision") in ("fp32", "fp16", "int8")
                  and isinstance(a.get("pred_cycles"), int), f"layer args: {e}")
        for x, y in zip(sl, sl[1:]):
            check(x["ts"] + x["dur"] <= y["ts"] + 1e-3, f"in order, no overlap: {x} {y}")
    host = [e for (p, t), es in tracks.items() if p == 0 for e in es]
    check(any(e["name"] == "import" for e in host), "host compile stages present")
    check(any(e["name"].startswith("run") for e in host), "host run stage present")
    for f in failed[:20]:
        print("FAIL:", f)
    print(f"{1 if not failed else 0} passed, {1 if failed else 0} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
