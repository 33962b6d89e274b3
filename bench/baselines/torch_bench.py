#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch fp32 baseline of `make bench`, and the models when samples/ has none.

  torch_bench.py --models DIR [--export] [--threads N] [--batches 1,64] [--budget SEC]

The Fashion-MNIST CNN (conv 1->32 3x3 pad 1, relu, maxpool 2, conv 32->64
3x3 pad 1, relu, maxpool 2, fc 3136->128, relu, fc 128->10) and MLP
(784-256-128-10, relu), the shapes issue "Sample classifiers" trains. With
--export, writes DIR/cnn.onnx and DIR/mlp.onnx (seeded random weights, a
symbolic batch dimension) for ONNX Runtime and the SNPU to run when the
trained models of samples/fashion-mnist/ are not there; speed does not
depend on the weights' values.

Prints one "BENCH {json}" line per figure (images/s) and thread count, the
best of the thread counts as torch.MODEL.bBATCH (on a shared 2-core machine
two OpenMP threads can lose a whole time slice at every barrier; a user
would pick the faster setting), and one line saying
which BLAS library torch loaded: without OpenBLAS (libopenblas0-pthread),
Debian's torch uses the reference BLAS and would be an unfair baseline.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {"cnn": (cnn, (1, 28, 28)), "mlp": (mlp, (784,))}


def emit(name, value, unit, **extra):
    d = {"name": name, "value": value, "unit": unit}
    d.update(extra)
    print("BENCH " + json.dumps(d), flush=True)


def blas_loaded():
    with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower()}
    return sorted(libs)


def timed(fn, budget, min_reps=5):
    fn()
    fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_reps or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        if len(samples) >= 100000:
            break
    return statistics.median(samples), len(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", required=True)
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--threads", default="2",
                    help="comma-separated thread counts; the best one is the baseline")
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--budget", type=float, default=2.0)
    a = ap.parse_args()
    torch.manual_seed(0)
    threads = [int(t) for t in a.threads.split(",")]
    batches = [int(b) for b in a.batches.split(",")]
    for name, (make, shape) in MODELS.items():
        model = make().eval()
        if a.export:
            x = torch.randn(1, *shape)
            torch.onnx.export(model, x, f"{a.models}/{name}.onnx", opset_version=13,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        for b in batches:
            x = torch.randn(b, *shape)
            best = None
            for th in threads:
                torch.set_num_threads(th)
                with torch.inference_mode():
                    t, n = timed(lambda: model(x), a.budget)
                emit(f"torch.{name}.b{b}.t{th}", b / t, "images/s", latency_ms=t * 1e3, n=n,
                     threads=th, torch=torch.__version__)
                if best is None or t < best[0]:
                    best = (t, n, th)
            t, n, th = best
            emit(f"torch.{name}.b{b}", b / t, "images/s", latency_ms=t * 1e3, n=n,
                 threads=th, best_of_threads=threads, torch=torch.__version__)
    libs = blas_loaded()
    print("BENCH-INFO " + json.dumps({"torch_blas": libs,
                                      "openblas": any("openblas" in l for l in libs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
