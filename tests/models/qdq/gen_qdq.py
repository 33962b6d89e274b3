#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the pre-quantized models of the QDQ import tests (issue 13).

PyPI is not reachable here, so onnxruntime's Python quantizer cannot run.
This script writes, from a small PyTorch CNN exported to ONNX (opset 13), the
same int8 graphs onnxruntime's quantize_static() writes (read from
onnxruntime/python/tools/quantization/: qdq_quantizer.py, base_quantizer.py,
quant_utils.py, operators/{conv,gemm,matmul,activation,direct_q8}.py):

  model.onnx    QuantFormat.QDQ, per_channel=True, activation_type=QUInt8,
                weight_type=QInt8, CalibrationMethod.MinMax, no reduce_range:
                - every activation input/output of Conv, Gemm, MatMul, Add gets
                  QuantizeLinear "<t>_QuantizeLinear" -> "<t>_QuantizeLinear_Output"
                  -> DequantizeLinear "<t>_DequantizeLinear" ->
                  "<t>_DequantizeLinear_Output", scale "<t>_scale" (float32
                  scalar), zero point "<t>_zero_point" (uint8 scalar); a graph
                  output keeps its name on the DequantizeLinear, its producer
                  writes "<t>_QuantizeLinear_Input";
                - weights: int8 initializer "<w>_quantized", symmetric over
                  [-127, 127], per channel (Conv axis 0, Gemm transB=1 axis 0,
                  MatMul axis 1), scales "<w>_scale", int8 zero points
                  "<w>_zero_point", DequantizeLinear "<w>_DequantizeLinear"
                  (attribute axis) -> "<w>_DequantizeLinear_Output";
                - bias: int32 "<b>_quantized" = round(b / (x_scale * w_scale)),
                  scale "<b>_quantized_scale", int32 zero points
                  "<b>_quantized_zero_point", DequantizeLinear
                  "<b>_DequantizeLinear" (axis 0) whose output keeps the name
                  "<b>";
                - Relu after a quantized op is removed (QDQRemovableActivation):
                  its producer writes the Relu's output, whose range (>= 0) it
                  takes; MaxPool's output shares its input's scale and zero
                  point initializers (QDQDirect8BitOp); Flatten is not
                  quantized (not in the QDQ registry).
  qlinear.onnx  QuantFormat.QOperator with int8 activations (activation_type=
                QInt8): QuantizeLinear "<in>_QuantizeLinear" -> QLinearConv
                "<conv>_quant" (Relu folded the same way) -> MaxPool on int8 ->
                two QLinearConv -> com.microsoft QLinearAdd "<add>_quant" ->
                DequantizeLinear -> Flatten -> QuantizeLinear -> QLinearMatMul
                -> DequantizeLinear.

Scales and zero points follow quant_utils.compute_scale_zp: the range is widened
to contain 0, scale = float64(rmax - rmin) / (qmax - qmin) cast to float32,
zero point round(qmin - rmin / scale) (numpy round: half to even); weights
symmetric: absmax * 2 / 254, zero point 0, q = round(w / scale) clipped.
MinMax calibration: min of the minima and max of the maxima over the
calibration inputs (calib.npy, committed too).

Expected outputs come from onnxruntime itself (the npm package
onnxruntime-node, CPU execution provider, all graph optimizations, so its
QDQ fusions into QLinearConv/QLinearMatMul/QLinearAdd run): ort_run.js next to
this script. Usage:

    gen_qdq.py NODE_MODULES_DIR [OUTDIR]

NODE_MODULES_DIR holds onnxruntime-node (`npm install --ignore-scripts
onnxruntime-node`, as bench/setup.sh does into build/bench/node). Writes into
OUTDIR (default: this directory): model.onnx, qlinear.onnx, calib.npy,
input_b1.npy, input_bN.npy, and for each model ort_<model>_b1.npy,
ort_<model>_bN.npy (onnxruntime's outputs) and float_bN.npy (PyTorch's fp32
output of the unquantized network, for the int8 error figure).
"""

import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
N = 8            # batch of input_bN
N_CALIB = 64


class Net(nn.Module):
    """conv/relu/pool, a residual Add of two convs, gemm/relu and a MatMul."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2a = nn.Conv2d(4, 8, 3, padding=1)
        self.conv2b = nn.Conv2d(4, 8, 1)
        self.fc = nn.Linear(8 * 4 * 4, 16)
        self.w = nn.Parameter(torch.randn(16, 10) * 0.3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2a(x) + self.conv2b(x))
        x = F.relu(self.fc(torch.flatten(x, 1)))
        return torch.matmul(x, self.w)


class NetQL(nn.Module):
    """The QLinear variant: conv/relu/pool, two convs added, relu, flatten, matmul."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.conv2b = nn.Conv2d(4, 8, 1)
        self.w = nn.Parameter(torch.randn(8 * 4 * 4, 10) * 0.1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x) + self.conv2b(x))
        return torch.matmul(torch.flatten(x, 1), self.w)


def export(net, path):
    x = torch.randn(1, 1, 8, 8)
    torch.onnx.export(net, x, path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      do_constant_folding=True)
    return onnx.load(path)


# ---- a float evaluator of the exported graph (MinMax calibration) ----------

def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def run_float(model, x):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env["input"] = x
    for n in model.graph.node:
        a = [env[i] if i else None for i in n.input]
        t = lambda v: torch.from_numpy(np.ascontiguousarray(v))
        if n.op_type == "Conv":
            p = attr(n, "pads", [0, 0, 0, 0])
            y = F.conv2d(t(a[0]), t(a[1]), t(a[2]) if len(a) > 2 else None,
                         stride=attr(n, "strides", [1, 1]), padding=(p[0], p[1]),
                         groups=attr(n, "group", 1)).numpy()
        elif n.op_type == "Relu":
            y = np.maximum(a[0], 0)
        elif n.op_type == "MaxPool":
            y = F.max_pool2d(t(a[0]), attr(n, "kernel_shape"), attr(n, "strides")).numpy()
        elif n.op_type == "Add":
            y = a[0] + a[1]
        elif n.op_type == "Flatten":
            y = a[0].reshape(a[0].shape[0], -1)
        elif n.op_type == "Gemm":
            b = a[1].T if attr(n, "transB", 0) else a[1]
            y = a[0] @ b + (a[2] if len(a) > 2 else 0)
        elif n.op_type == "MatMul":
            y = a[0] @ a[1]
        else:
            raise RuntimeError("gen_qdq: no float evaluator for " + n.op_type)
        env[n.output[0]] = y.astype(np.float32)
    return env


def calibrate(model, data):
    """MinMax: tensor -> (min, max) over all calibration batches."""
    env = run_float(model, data)
    return {k: (np.float32(v.min()), np.float32(v.max())) for k, v in env.items()
            if isinstance(v, np.ndarray) and v.dtype == np.float32}


# ---- quant_utils.compute_scale_zp and friends --------------------------------

def act_params(rng, signed):
    qmin, qmax = (-128, 127) if signed else (0, 255)
    rmin = np.minimum(rng[0], np.float32(0))
    rmax = np.maximum(rng[1], np.float32(0))
    scale = np.array(np.float64(rmax - rmin) / (np.float64(qmax) - np.float64(qmin)))
    if scale < np.finfo(np.float32).tiny:
        return np.float32(1.0), 0
    zp = int(np.round(qmin - rmin / scale))
    return np.float32(scale), zp


def weight_params(w, axis):
    """Symmetric int8 per channel along axis: (q int8, scales float32)."""
    scales, q = [], np.zeros(w.shape, np.int8)
    for c in range(w.shape[axis]):
        d = w.take(c, axis).ravel()
        rmin = np.minimum(d.min(), np.float32(0))
        rmax = np.maximum(d.max(), np.float32(0))
        absmax = np.maximum(np.abs(rmin), np.abs(rmax))
        s = np.array(np.float64(absmax - (-absmax)) / np.float64(254))
        s = np.float32(1.0) if s < np.finfo(np.float32).tiny else np.float32(s)
        qc = np.clip((w.take(c, axis).astype(np.float32) / s).round(), -128, 127)
        idx = [slice(None)] * w.ndim
        idx[axis] = c
        q[tuple(idx)] = qc.astype(np.int8)
        scales.append(s)
    return q, np.array(scales, np.float32)


def bias_params(b, x_scale, w_scales):
    bias_scale = np.float32(x_scale) * w_scales * 1.0
    q = (b / bias_scale).round()
    q = np.clip(q, np.iinfo(np.int32).min, np.iinfo(np.int32).max).astype(np.int32)
    return q, bias_scale.astype(np.float32).reshape(-1)


# ---- the QDQ writer ------------------------------------------------------------

def to_qdq(model, ranges):
    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    nodes = list(g.node)
    new_inits, qdq_nodes = [], []
    outputs = {o.name for o in g.output}

    # QDQRemovableActivation: a Relu after a quantized op goes, its producer
    # writes the Relu's output (single consumer, not a graph input/output).
    quantized_ops = {"Conv", "Gemm", "MatMul", "Add"}
    for r in [n for n in nodes if n.op_type == "Relu"]:
        prod = [n for n in nodes if r.input[0] in n.output]
        users = [n for n in nodes if r.input[0] in n.input]
        if prod and prod[0].op_type in quantized_ops and len(users) == 1 and \
                r.input[0] not in outputs:
            prod[0].output[0] = r.output[0]
            nodes.remove(r)

    act = []       # activation tensors to quantize, in order, with their parameter names
    shared = {}    # MaxPool output -> its input (the same scale/zp initializers)
    weights = []   # (name, axis)
    biases = []    # (bias, input, weight)

    def want(t):
        if t not in act and t not in shared:
            act.append(t)

    for n in nodes:
        if n.op_type == "Conv":
            want(n.input[0])
            weights.append((n.input[1], 0))
            if len(n.input) > 2:
                biases.append((n.input[2], n.input[0], n.input[1]))
            want(n.output[0])
        elif n.op_type == "Gemm":
            want(n.input[0])
            weights.append((n.input[1], 0 if attr(n, "transB", 0) else 1))
            if len(n.input) > 2:
                biases.append((n.input[2], n.input[0], n.input[1]))
            want(n.output[0])
        elif n.op_type == "MatMul":
            for t in n.input:
                if t in inits:
                    weights.append((t, 1))
                else:
                    want(t)
            want(n.output[0])
        elif n.op_type == "Add":
            for t in list(n.input) + list(n.output):
                want(t)
        elif n.op_type == "MaxPool" and n.input[0] in act:
            shared[n.output[0]] = n.input[0]

    params = {}
    for t in act:
        s, z = act_params(ranges[t], False)
        params[t] = (s, z)
        new_inits += [numpy_helper.from_array(np.array(s, np.float32), t + "_scale"),
                      numpy_helper.from_array(np.array(z, np.uint8), t + "_zero_point")]

    def add_qdq(t, sname, zname):
        q_in, dq_out = t, t + "_DequantizeLinear_Output"
        if t in outputs:
            q_in, dq_out = t + "_QuantizeLinear_Input", t
            for n in nodes:
                for i, o in enumerate(n.output):
                    if o == t:
                        n.output[i] = q_in
        else:
            for n in nodes:
                for i, x in enumerate(n.input):
                    if x == t:
                        n.input[i] = dq_out
        qdq_nodes.append(helper.make_node("QuantizeLinear", [q_in, sname, zname],
                                          [t + "_QuantizeLinear_Output"], t + "_QuantizeLinear"))
        qdq_nodes.append(helper.make_node("DequantizeLinear",
                                          [t + "_QuantizeLinear_Output", sname, zname], [dq_out],
                                          t + "_DequantizeLinear"))

    for t in act:
        add_qdq(t, t + "_scale", t + "_zero_point")
    for t, src in shared.items():
        params[t] = params[src]
        add_qdq(t, src + "_scale", src + "_zero_point")

    wscale = {}
    for w, axis in weights:
        q, s = weight_params(inits[w], axis)
        wscale[w] = s
        new_inits += [numpy_helper.from_array(q, w + "_quantized"),
                      numpy_helper.from_array(s, w + "_scale"),
                      numpy_helper.from_array(np.zeros(s.shape, np.int8), w + "_zero_point")]
        out = w + "_DequantizeLinear_Output"
        for n in nodes:
            for i, x in enumerate(n.input):
                if x == w:
                    n.input[i] = out
        qdq_nodes.append(helper.make_node("DequantizeLinear",
                                          [w + "_quantized", w + "_scale", w + "_zero_point"],
                                          [out], w + "_DequantizeLinear", axis=axis))
    for b, x, w in biases:
        q, s = bias_params(inits[b], params[x][0], wscale[w])
        new_inits += [numpy_helper.from_array(q, b + "_quantized"),
                      numpy_helper.from_array(s, b + "_quantized_scale"),
                      numpy_helper.from_array(np.zeros(s.shape, np.int32),
                                              b + "_quantized_zero_point")]
        qdq_nodes.append(helper.make_node("DequantizeLinear",
                                          [b + "_quantized", b + "_quantized_scale",
                                           b + "_quantized_zero_point"], [b],
                                          b + "_DequantizeLinear", axis=0))
    used = {w for w, _ in weights} | {b for b, _, _ in biases}
    keep = [i for i in g.initializer if i.name not in used]
    return finish(model, nodes + qdq_nodes, keep + new_inits)


def finish(model, nodes, inits):
    """Topologically sorted graph, ORT's producer name and opsets."""
    known = {i.name for i in inits} | {i.name for i in model.graph.input} | {""}
    order, pending = [], list(nodes)
    while pending:
        for n in pending:
            if all(i in known for i in n.input):
                order.append(n)
                known.update(n.output)
                pending.remove(n)
                break
        else:
            raise RuntimeError("gen_qdq: graph has a cycle or a missing input")
    g = helper.make_graph(order, model.graph.name, list(model.graph.input),
                          list(model.graph.output), inits)
    m = helper.make_model(g, producer_name="onnx.quantize", producer_version="0.1.0",
                          opset_imports=[helper.make_opsetid("", OPSET),
                                         helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


# ---- the QOperator (QLinearConv / QLinearMatMul) writer ------------------------

def to_qlinear(model, ranges):
    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    nodes = list(g.node)
    for r in [n for n in nodes if n.op_type == "Relu"]:     # QLinearActivation: folded
        prod = [n for n in nodes if r.input[0] in n.output][0]
        prod.output[0] = r.output[0]
        nodes.remove(r)
    out_inits, out_nodes = [], []
    qname = {}      # float tensor -> (its int8 tensor, scale name, zp name)

    def act(t):
        if t not in qname:
            s, z = act_params(ranges[t], True)
            out_inits.extend([numpy_helper.from_array(np.array(s, np.float32), t + "_scale"),
                              numpy_helper.from_array(np.array(z, np.int8), t + "_zero_point")])
            qname[t] = (t + "_quantized", t + "_scale", t + "_zero_point", s)
        return qname[t]

    def quantize_input(t):
        if t not in qname:
            q = act(t)
            out_nodes.append(helper.make_node("QuantizeLinear", [t, q[1], q[2]], [q[0]],
                                              t + "_QuantizeLinear"))
        return qname[t]

    def weight(w, axis):
        q, s = weight_params(inits[w], axis)
        out_inits.extend([numpy_helper.from_array(q, w + "_quantized"),
                          numpy_helper.from_array(s, w + "_scale"),
                          numpy_helper.from_array(np.zeros(s.shape, np.int8), w + "_zero_point")])
        return w + "_quantized", w + "_scale", w + "_zero_point", s

    for n in nodes:
        if n.op_type == "Conv":
            x = quantize_input(n.input[0])
            w = weight(n.input[1], 0)
            y = act(n.output[0])
            ins = [x[0], x[1], x[2], w[0], w[1], w[2], y[1], y[2]]
            if len(n.input) > 2:
                qb, _ = bias_params(inits[n.input[2]], x[3], w[3])
                out_inits.append(numpy_helper.from_array(qb, n.input[2] + "_quantized"))
                ins.append(n.input[2] + "_quantized")
            out_nodes.append(helper.make_node("QLinearConv", ins, [y[0]], n.name + "_quant",
                                              **{a.name: helper.get_attribute_value(a)
                                                 for a in n.attribute}))
        elif n.op_type == "MatMul":
            x = quantize_input(n.input[0])
            w = weight(n.input[1], 1)
            y = act(n.output[0])
            out_nodes.append(helper.make_node("QLinearMatMul",
                                              [x[0], x[1], x[2], w[0], w[1], w[2], y[1], y[2]],
                                              [y[0]], n.name + "_quant"))
        elif n.op_type == "Add":        # QLinearBinaryOp: com.microsoft QLinearAdd
            a, b = quantize_input(n.input[0]), quantize_input(n.input[1])
            y = act(n.output[0])
            out_nodes.append(helper.make_node("QLinearAdd", [a[0], a[1], a[2], b[0], b[1], b[2],
                                                             y[1], y[2]], [y[0]],
                                              n.name + "_quant", domain="com.microsoft"))
        elif n.op_type == "MaxPool":    # Direct8BitOp: runs on int8, shares the parameters
            x = qname[n.input[0]]
            qname[n.output[0]] = (n.output[0] + "_quantized", x[1], x[2], x[3])
            out_nodes.append(helper.make_node("MaxPool", [x[0]], [n.output[0] + "_quantized"],
                                              n.name, **{a.name: helper.get_attribute_value(a)
                                                         for a in n.attribute}))
        else:                           # not quantized: dequantize its input
            for t in n.input:
                if t in qname:
                    q = qname[t]
                    out_nodes.append(helper.make_node("DequantizeLinear", [q[0], q[1], q[2]],
                                                      [t], t + "_DequantizeLinear"))
            out_nodes.append(n)
    for o in model.graph.output:
        q = qname[o.name]
        out_nodes.append(helper.make_node("DequantizeLinear", [q[0], q[1], q[2]], [o.name],
                                          o.name + "_DequantizeLinear"))
    return finish(model, out_nodes, out_inits)


def ort_run(node_modules, model_path, x):
    here = os.path.dirname(os.path.abspath(__file__))
    tmp_in, tmp_out = model_path + ".in", model_path + ".out"
    x.astype("<f4").tofile(tmp_in)
    subprocess.run(["node", os.path.join(here, "ort_run.js"), node_modules, model_path, tmp_in,
                    ",".join(map(str, x.shape)), tmp_out], check=True)
    y = np.fromfile(tmp_out, "<f4")
    os.unlink(tmp_in)
    os.unlink(tmp_out)
    return y.reshape(x.shape[0], -1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    node_modules = os.path.abspath(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    torch.manual_seed(13)
    np.random.seed(13)
    calib = np.random.rand(N_CALIB, 1, 8, 8).astype(np.float32)
    # test inputs: the calibration distribution, one slightly outside (saturation)
    xn = np.random.rand(N, 1, 8, 8).astype(np.float32)
    xn[N - 1] *= 1.25
    np.save(os.path.join(out, "calib.npy"), calib)
    np.save(os.path.join(out, "input_b1.npy"), xn[:1])
    np.save(os.path.join(out, "input_bN.npy"), xn)
    for name, net, conv in (("model", Net(), to_qdq), ("qlinear", NetQL(), to_qlinear)):
        net.eval()
        tmp = os.path.join(out, name + ".float.onnx")
        with torch.no_grad():
            fm = export(net, tmp)
            yf = net(torch.from_numpy(xn)).numpy()
        os.unlink(tmp)
        q = conv(fm, calibrate(fm, calib))
        path = os.path.join(out, name + ".onnx")
        onnx.save(q, path)
        np.save(os.path.join(out, "float_%s_bN.npy" % name), yf)
        for tag, x in (("b1", xn[:1]), ("bN", xn)):
            y = ort_run(node_modules, path, x)
            np.save(os.path.join(out, "ort_%s_%s.npy" % (name, tag)), y)
        print("%s: %d nodes (%s); ORT vs fp32 max abs %.4f of range %.4f" %
              (path, len(q.graph.node), " ".join(sorted({n.op_type for n in q.graph.node})),
               float(np.abs(y - yf).max()), float(yf.max() - yf.min())))


if __name__ == "__main__":
    main()
