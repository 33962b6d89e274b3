#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the small whole models the model-compiler tests run (issue 10).

Each model is a PyTorch module with fixed-seed random weights (BatchNorm
statistics included), exported to ONNX with torch.onnx.export (opset 13,
dynamic batch axis "N" unless noted), together with two inputs (batch 1 and
batch N) and PyTorch's fp32 outputs for them:

    tests/models/<name>/model.onnx
    tests/models/<name>/input_b1.npy   output_b1.npy
    tests/models/<name>/input_bN.npy   output_bN.npy   (N in MANIFEST)
    tests/models/MANIFEST              one block per model: inputs, outputs, ops

Run with the system interpreter (Debian's python3-torch and python3-onnx):
`make models` regenerates everything. Nothing at build or test time runs
Python: the outputs are committed.

Usage: gen_models.py [OUTDIR]   (default: the directory of this script)
"""

import io
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch.onnx import symbolic_helper

OPSET = 13

# Every op of issue 10's list that torch exports; the manifest says which
# model covers which, and main() fails when one of these is not covered.
REQUIRED_OPS = [
    "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu",
    "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softmax", "MaxPool",
    "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean",
    "BatchNormalization", "Pad", "Concat", "Flatten", "Reshape", "Transpose",
    "Squeeze", "Unsqueeze", "Dropout", "Constant", "Shape", "Gather",
]


# torch 1.13 drops Dropout from an eval-mode export, lowers adaptive max
# pooling to 1x1 into a MaxPool with a full-size kernel, and exports F.pad as
# a ConstantOfShape/Slice/Cast chain that computes the pads at run time.
# These symbolics keep the ONNX op the user's code means, so the models
# cover Dropout, GlobalMaxPool and a plain constant Pad.
def _sym_dropout(g, x, p, train):
    ratio = symbolic_helper._maybe_get_const(p, "f")
    return g.op("Dropout", x, g.op("Constant", value_t=torch.tensor(ratio, dtype=torch.float)))


def _sym_adaptive_max_pool2d(g, x, output_size):
    if symbolic_helper._maybe_get_const(output_size, "is") != [1, 1]:
        raise RuntimeError("gen_models: adaptive_max_pool2d only to 1x1")
    return g.op("GlobalMaxPool", x), None


def _sym_constant_pad_nd(g, x, pad, value):
    pad = symbolic_helper._maybe_get_const(pad, "is")
    rank = symbolic_helper._get_tensor_rank(x)
    # torch: (last_begin, last_end, prev_begin, prev_end, ...);
    # ONNX: all begins (axis 0..r-1), then all ends.
    begins, ends = [0] * rank, [0] * rank
    for i in range(len(pad) // 2):
        begins[rank - 1 - i], ends[rank - 1 - i] = pad[2 * i], pad[2 * i + 1]
    pads = g.op("Constant", value_t=torch.tensor(begins + ends, dtype=torch.int64))
    val = g.op("Constant", value_t=torch.tensor(symbolic_helper._maybe_get_const(value, "f"),
                                                 dtype=torch.float))
    return g.op("Pad", x, pads, val, mode_s="constant")


def _sym_pad(g, x, pad, mode, value):
    if symbolic_helper._maybe_get_const(mode, "s") != "constant":
        raise RuntimeError("gen_models: only constant padding")
    return _sym_constant_pad_nd(g, x, pad, value)


for _opset in (13, 14):
    torch.onnx.register_custom_op_symbolic("aten::dropout", _sym_dropout, _opset)
    torch.onnx.register_custom_op_symbolic("aten::adaptive_max_pool2d",
                                           _sym_adaptive_max_pool2d, _opset)
    torch.onnx.register_custom_op_symbolic("aten::constant_pad_nd", _sym_constant_pad_nd, _opset)
    torch.onnx.register_custom_op_symbolic("aten::pad", _sym_pad, _opset)


def randomize_bn(bn, gen):
    """Non-trivial eval-mode statistics, so folding BN is really tested."""
    c = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c, generator=gen) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=gen) * 0.1)
        bn.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
        bn.running_var.copy_(torch.rand(c, generator=gen) + 0.5)


class Mlp(nn.Module):
    """x.view(N, -1) (the Shape->Gather->Unsqueeze->Concat->Reshape chain),
    Gemm, Relu, Dropout, LeakyRelu, Softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 48)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(48, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.drop(F.relu(self.fc1(x)))
        x = F.leaky_relu(self.fc2(x), 0.1)
        return F.softmax(self.fc3(x), dim=1)


class LeNet(nn.Module):
    """Conv with pads, MaxPool, Tanh, Clip (ReLU6), AveragePool with
    ceil_mode and count_include_pad=False, Flatten, Gemm, Sigmoid."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.pool2 = nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.tanh(self.conv1(x)), 2)       # 16 -> 8
        x = self.pool2(F.relu6(self.conv2(x)))                # 8 -> 6 -> 4
        x = torch.flatten(x, 1)
        x = torch.sigmoid(self.fc1(x))
        return self.fc2(x)


class ResBlock(nn.Module):
    """Conv+BN(+ReLU) twice with a residual Add, a strided dilated conv,
    BatchNormalization after a ReLU (torch cannot fold that one into a conv,
    so the graph keeps a BatchNormalization node), GlobalAveragePool,
    GlobalMaxPool, Concat, Flatten, Gemm."""

    def __init__(self, gen):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.skip = nn.Conv2d(3, 8, 1)
        self.conv3 = nn.Conv2d(8, 12, 3, stride=2, padding=2, dilation=2)
        self.bn3 = nn.BatchNorm2d(12)
        self.fc = nn.Linear(24, 5)
        for bn in (self.bn1, self.bn2, self.bn3):
            randomize_bn(bn, gen)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        y = F.relu(y + self.skip(x))
        y = self.bn3(F.relu(self.conv3(y)))
        a = F.adaptive_avg_pool2d(y, 1)
        m = F.adaptive_max_pool2d(y, 1)
        return self.fc(torch.flatten(torch.cat([a, m], dim=1), 1))


class DwSeparable(nn.Module):
    """Input normalisation (Sub, Div by per-channel constants), Pad
    (constant), depthwise Conv (groups=C) with stride, BN, HardSwish,
    pointwise Conv, a squeeze-excite gate (ReduceMean, HardSigmoid, Mul with
    broadcast), AveragePool with count_include_pad, Gemm."""

    def __init__(self, gen):
        super().__init__()
        c = 8
        self.register_buffer("mean", torch.rand(1, c, 1, 1, generator=gen))
        self.register_buffer("std", torch.rand(1, c, 1, 1, generator=gen) + 0.5)
        self.dw = nn.Conv2d(c, c, 3, stride=2, groups=c, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.pw = nn.Conv2d(c, 16, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.se1 = nn.Conv2d(16, 4, 1)
        self.se2 = nn.Conv2d(4, 16, 1)
        self.drop = nn.Dropout(0.1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
        self.fc = nn.Linear(16 * 3 * 3, 6)
        randomize_bn(self.bn1, gen)
        randomize_bn(self.bn2, gen)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.pad(x, (1, 1, 1, 1), mode="constant", value=0.0)   # 9 -> 11
        x = self.drop(F.hardswish(self.bn1(self.dw(x))))          # 11 -> 5
        x = F.relu(self.bn2(self.pw(x)))
        s = x.mean(dim=(2, 3), keepdim=True)
        s = F.hardsigmoid(self.se2(F.relu(self.se1(s))))
        x = self.pool(x * s)                                      # 5 -> 3
        return self.fc(torch.flatten(x, 1))


class ConcatTranspose(nn.Module):
    """Two conv branches joined by Concat, Transpose (permute), Reshape,
    batched MatMul (3-D x 3-D and broadcast against a 2-D weight),
    Unsqueeze/Squeeze, Softmax over a non-last axis, scalar Constants."""

    def __init__(self, gen):
        super().__init__()
        self.a = nn.Conv2d(4, 6, 3, padding=1)
        self.b = nn.Conv2d(4, 2, 1)
        self.w = nn.Parameter(torch.randn(8, 5, generator=gen) * 0.3)

    def forward(self, x):
        n = x.size(0)
        y = torch.cat([self.a(x), self.b(x)], dim=1)          # N,8,6,8
        y = y.permute(0, 2, 3, 1).reshape(n, 48, 8)           # N,HW,C
        g = torch.matmul(y.transpose(1, 2), y) * 0.01         # N,8,8 batched
        z = torch.matmul(y, self.w)                           # N,48,5 broadcast
        z = torch.matmul(g.unsqueeze(1), z.reshape(n, 6, 8, 5))  # N,6,8,5
        z = F.softmax(z, dim=1)
        return z.mean(dim=2, keepdim=True).squeeze(2) - 0.5    # N,6,5


# name, constructor, input shape without batch, N, dynamic batch, opset
# (HardSwish exists from opset 14 on; torch lowers it for 13).
MODELS = [
    ("mlp", lambda g: Mlp(), (1, 8, 8), 64, True, OPSET),
    ("lenet", lambda g: LeNet(), (1, 16, 16), 16, True, OPSET),
    ("lenet_static", lambda g: LeNet(), (1, 16, 16), 1, False, OPSET),
    ("resblock", ResBlock, (3, 10, 10), 16, True, OPSET),
    ("dwsep", DwSeparable, (8, 9, 9), 16, True, 14),
    ("concat_transpose", ConcatTranspose, (4, 6, 8), 16, True, OPSET),
]


def export(model, x, dynamic, opset):
    buf = io.BytesIO()
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "N"}, "output": {0: "N"}}
    # PRESERVE keeps the BatchNormalization nodes (TrainingMode.EVAL would
    # fold them into the convs); the module is in eval mode, so the graph
    # computes the inference outputs.
    torch.onnx.export(model, x, buf, opset_version=opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE, **kw)
    return buf.getvalue()


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__))
    torch.set_num_threads(1)
    covered = {}
    manifest = ["# Whole models for the model-compiler tests, written by gen_models.py",
                "# (torch %s, onnx %s). Shapes are NCHW, dtype float32."
                % (torch.__version__, onnx.__version__), ""]
    for seed, (name, ctor, shape, n, dynamic, opset) in enumerate(MODELS):
        torch.manual_seed(1000 + seed)
        gen = torch.Generator().manual_seed(2000 + seed)
        model = ctor(gen).eval()
        rng = np.random.RandomState(3000 + seed)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        x1 = rng.uniform(-1.0, 1.0, size=(1,) + shape).astype(np.float32)
        data = export(model, torch.from_numpy(x1), dynamic, opset)
        m = onnx.load_from_string(data)
        onnx.checker.check_model(m)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(data)
        files = [("b1", x1)]
        if n > 1:
            files.append(("bN", rng.uniform(-1.0, 1.0, size=(n,) + shape).astype(np.float32)))
        lines = ["model %s/model.onnx" % name,
                 "  opset %d, batch %s, %d bytes" % (opset, "dynamic (N)" if dynamic else "1",
                                                     len(data))]
        for tag, x in files:
            with torch.no_grad():
                y = model(torch.from_numpy(x)).numpy().astype(np.float32)
            np.save(os.path.join(d, "input_%s.npy" % tag), x)
            np.save(os.path.join(d, "output_%s.npy" % tag), y)
            lines.append("  input  %s/input_%s.npy  %s" % (name, tag, "x".join(map(str, x.shape))))
            lines.append("  output %s/output_%s.npy %s" % (name, tag, "x".join(map(str, y.shape))))
        ops = sorted({node.op_type for node in m.graph.node})
        for op in ops:
            covered.setdefault(op, []).append(name)
        lines.append("  ops " + " ".join(ops))
        manifest += lines + [""]
    missing = [op for op in REQUIRED_OPS if op not in covered]
    manifest.append("# ops covered: " + " ".join(sorted(covered)))
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    if missing:
        sys.exit("gen_models: no model exports " + " ".join(missing))
    print("gen_models: %d models, ops: %s" % (len(MODELS), " ".join(sorted(covered))))


if __name__ == "__main__":
    main()
