#!/bin/sh
# 51-models-prec: the committed models in int8 and fp16 through the driver
# (snpu.ko): the device's outputs equal the CPU reference's bit for bit
# (tests/host/test_model_precvm.c, the same source the host runs on "sim").
grep -q '^snpu ' /proc/modules || modprobe snpu || { echo "FAIL modprobe snpu"; echo "0 passed, 1 failed"; exit 1; }
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec test_model_precvm
