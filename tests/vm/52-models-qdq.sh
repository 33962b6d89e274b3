#!/bin/sh
# 52-models-qdq: the pre-quantized models (tests/models/qdq, QDQ and QLinear)
# through the driver (snpu.ko): int8 with the model's own scales, the
# device's output equal to the CPU int8 reference's bit for bit and within
# one output step of onnxruntime's (tests/host/test_model_qdq.c, the same
# source the host runs on "sim"; the models are guest data in
# /usr/share/snpu/models/qdq).
grep -q '^snpu ' /proc/modules || modprobe snpu || { echo "FAIL modprobe snpu"; echo "0 passed, 1 failed"; exit 1; }
i=0
while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec test_model_qdq
