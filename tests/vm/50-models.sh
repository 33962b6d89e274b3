#!/bin/sh
# 50-models: the committed PyTorch models through the driver (snpu.ko) on
# every SNPU the VM has (NPU=2: both, and data parallel across them), and
# accel-run --device all. The Check suite (tests/host/test_model_vm.c, the
# same source the host runs on "sim") prints the counts.
grep -q '^snpu ' /proc/modules || modprobe snpu || { echo "FAIL modprobe snpu"; echo "0 passed, 1 failed"; exit 1; }
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec test_model_vm
