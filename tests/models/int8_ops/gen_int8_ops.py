#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Tiny one-op models for the int8 per-op tests (tests/host/test_model_int8_ops.c).

Run with the system python3-onnx: /usr/bin/python3 gen_int8_ops.py DIR.
Each model has one float input x of shape [1, 2, 5, 5] (or [1, 50] for the
gemm) and one output y; weights are fixed pseudo-random values (seeded), so
the files are reproducible.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(name, nodes, inits, in_shape, out_shape):
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main(out):
    rng = np.random.default_rng(13)
    w = rng.uniform(-1, 1, (3, 2, 3, 3)).astype(np.float32)
    b = rng.uniform(-1, 1, (3,)).astype(np.float32)
    gw = rng.uniform(-1, 1, (50, 4)).astype(np.float32)
    gb = rng.uniform(-1, 1, (4,)).astype(np.float32)
    c = rng.uniform(-2, 2, (1, 2, 5, 5)).astype(np.float32)
    models = {
        "conv": model("conv", [helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1])],
                      {"w": w, "b": b}, [1, 2, 5, 5], [1, 3, 5, 5]),
        "conv_relu": model("conv_relu", [
            helper.make_node("Conv", ["x", "w", "b"], ["t"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["t"], ["y"])], {"w": w, "b": b}, [1, 2, 5, 5], [1, 3, 5, 5]),
        "gemm": model("gemm", [
            helper.make_node("Flatten", ["x"], ["f"]),
            helper.make_node("Gemm", ["f", "gw", "gb"], ["y"])],
            {"gw": gw, "gb": gb}, [1, 2, 5, 5], [1, 4]),
        "add": model("add", [helper.make_node("Add", ["x", "c"], ["y"])], {"c": c},
                     [1, 2, 5, 5], [1, 2, 5, 5]),
        "mul": model("mul", [helper.make_node("Mul", ["x", "c"], ["y"])], {"c": c},
                     [1, 2, 5, 5], [1, 2, 5, 5]),
        "maxpool": model("maxpool", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])],
                         {}, [1, 2, 5, 5], [1, 2, 4, 4]),
        "avgpool": model("avgpool", [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3],
                                                      pads=[1, 1, 1, 1], count_include_pad=1)],
                         {}, [1, 2, 5, 5], [1, 2, 5, 5]),
        "leaky": model("leaky", [helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.1)], {},
                       [1, 2, 5, 5], [1, 2, 5, 5]),
    }
    for k, m in models.items():
        onnx.save(m, f"{out}/{k}.onnx")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
