# SPDX-License-Identifier: MIT
"""PNG plots of `make bench` (bench/run.py) from its raw measurements."""
import os
import re

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt	# noqa: E402


def _v(raw, key):
	d = raw.get(key)
	return d.get("value") if d else None


def throughput(raw, out):
	"""images/s per batch size: SNPU (sim, VM, predicted) against ORT and PyTorch."""
	series = [("ONNX Runtime (host)", "host.ort.{m}.b{b}"), ("PyTorch (host)", "host.torch.{m}.b{b}"),
		  ("SNPU sim fp32", "sim.model.{m}.fp32.b{b}"), ("SNPU VM fp32", "vm.model.{m}.fp32.b{b}"),
		  ("SNPU VM int8", "vm.model.{m}.int8.b{b}"),
		  ("CPU reference (VM)", "vm.model.{m}.fp32.cpu.b{b}"),
		  ("predicted 32x32", "sim.model.{m}.fp32.b{b}.predicted"),
		  ("predicted 64x64", "mac64.model.{m}.fp32.b{b}.predicted")]
	fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
	for ax, m in zip(axes, ("cnn", "mlp")):
		batches = (1, 64)
		w = 0.8 / len(series)
		vals = [v for k, d in raw.items() if k.startswith(("host.", "sim.", "vm.", "mac64."))
			and f".{m}." in k and isinstance(d, dict) and d.get("unit") == "images/s"
			for v in [d.get("value")] if v]
		floor = min(vals) / 2 if vals else 1
		for i, (label, pat) in enumerate(series):
			if ".cpu." in pat:	# measured at a smaller batch: shown in the batch-64 slot
				ks = [k for k in raw if re.match(rf"vm\.model\.{m}\.fp32\.cpu\.b\d+$", k)]
				ys = [None, _v(raw, ks[0]) if ks else None]
			else:
				ys = [_v(raw, pat.format(m=m, b=b)) for b in batches]
			xs = [j + i * w for j in range(len(batches))]
			ax.bar(xs, [y or 0 for y in ys], w, label=label if m == "cnn" else None)
			for x, y in zip(xs, ys):
				if y is None:
					ax.text(x, floor * 1.1, "n/m", rotation=90, ha="center", va="bottom",
						fontsize=6)
		ax.set_xticks([j + 0.4 - w / 2 for j in range(len(batches))])
		ax.set_xticklabels([f"batch {b}" for b in batches])
		ax.set_yscale("log")
		ax.set_ylim(bottom=floor)
		ax.set_ylabel("images/s")
		ax.set_title(f"Fashion-MNIST {m.upper()}")
	fig.legend(loc="lower center", ncol=4, fontsize=8)
	fig.suptitle("Throughput per batch size (n/m: not measured)")
	fig.tight_layout(rect=(0, 0.12, 1, 1))
	p = os.path.join(out, "throughput.png")
	fig.savefig(p, dpi=100)
	plt.close(fig)
	return p


def bandwidth(raw, out):
	"""MB/s against transfer size: libaccel transfers, the DMA engine, memcpy."""
	series = [("VM accel_buffer_write", "vm.upload"), ("VM accel_buffer_read", "vm.download"),
		  ("VM memcpy", "vm.memcpy"), ("VM memcpy into mapped DEVICE buffer", "vm.mapwrite"), ("VM DMA h2d (device-timed)", "vm.dma.h2d"),
		  ("VM DMA d2h (device-timed)", "vm.dma.d2h"),
		  ("sim accel_buffer_write", "sim.upload"), ("sim accel_buffer_read", "sim.download"),
		  ("sim DMA h2d (device-timed)", "sim.dma.h2d"), ("host memcpy", "sim.memcpy")]
	sizes = [4096 << (2 * i) for i in range(9)]
	fig, ax = plt.subplots(figsize=(9, 5))
	for label, pre in series:
		pts = [(n, _v(raw, f"{pre}.{n}")) for n in sizes]
		pts = [(n, y) for n, y in pts if y]
		if pts:
			ax.plot([n for n, _ in pts], [y for _, y in pts], marker="o",
				linestyle="--" if "memcpy" in label else "-", label=label)
	ax.set_xscale("log", base=2)
	ax.set_yscale("log")
	ax.set_xlabel("transfer size (bytes)")
	ax.set_ylabel("MB/s")
	ax.set_title("Upload/download and DMA bandwidth against memcpy")
	ax.legend(fontsize=7)
	ax.grid(True, which="both", alpha=0.3)
	fig.tight_layout()
	p = os.path.join(out, "bandwidth.png")
	fig.savefig(p, dpi=100)
	plt.close(fig)
	return p


def layers(raw, out):
	"""Per-layer time of the CNN's conv layers (batch 64) and GEMM 1024^3."""
	rows = [("conv1 fp32", "conv.cnn1.fp32.b64", "cnn1.fp32.b64"),
		("conv2 fp32", "conv.cnn2.fp32.b64", "cnn2.fp32.b64"),
		("conv1 int8", "conv.cnn1.int8.b64", None), ("conv2 int8", "conv.cnn2.int8.b64", None),
		("gemm 1024^3 fp32", "gemm.fp32.1024", "fp32.1024")]
	labels = ["SNPU sim (device time)", "SNPU VM (device time)", "timing model 32x32",
		  "oneDNN sgemm (im2col GEMM)", "OpenBLAS sgemm (im2col GEMM)"]
	data = {l: [] for l in labels}
	for _, dev, base in rows:
		s, v = raw.get(f"sim.{dev}") or {}, raw.get(f"vm.{dev}") or {}
		data[labels[0]].append(s.get("device_ms"))
		data[labels[1]].append(v.get("device_ms"))
		data[labels[2]].append(s["pred_cycles"] / 1e6 if s.get("pred_cycles") else None)
		for i, eng in ((3, "onednn"), (4, "openblas")):
			g = _v(raw, f"sim.blas.{eng}.{base}") if base else None
			ops = (s.get("value") or 0) * (s.get("device_ms") or 0) / 1e3	# G(FL)OP
			data[labels[i]].append(ops / g * 1e3 if g and ops else None)
	fig, ax = plt.subplots(figsize=(10, 5.2))
	w = 0.8 / len(labels)
	for i, l in enumerate(labels):
		ax.bar([j + i * w for j in range(len(rows))], [y or 0 for y in data[l]], w, label=l)
	ax.set_xticks([j + 0.4 - w / 2 for j in range(len(rows))])
	ax.set_xticklabels([r[0] for r in rows])
	ax.set_yscale("log")
	ax.set_ylabel("ms per layer (batch 64)")
	ax.set_title("Per-layer time: device commands against host GEMM libraries")
	fig.legend(loc="lower center", ncol=3, fontsize=8)
	fig.tight_layout(rect=(0, 0.1, 1, 1))
	p = os.path.join(out, "layers.png")
	fig.savefig(p, dpi=100)
	plt.close(fig)
	return p


def roundtrip(raw, out):
	"""Latency of an empty job against the I/O round trip a user already has."""
	items = [("sim NOP job", "sim.roundtrip"), ("VM NOP job (drm)", "vm.roundtrip"),
		 ("VM 4 KiB O_DIRECT read\n(virtio-blk, null-co)", "vm.blkread.4096")]
	fig, ax = plt.subplots(figsize=(7, 4))
	ys = [_v(raw, k) or 0 for _, k in items]
	p10 = [(raw.get(k) or {}).get("p10", 0) for _, k in items]
	p90 = [(raw.get(k) or {}).get("p90", 0) for _, k in items]
	ax.bar(range(len(items)), ys, yerr=[[max(y - a, 0) for y, a in zip(ys, p10)],
					     [max(b - y, 0) for y, b in zip(ys, p90)]], capsize=4)
	ax.set_xticks(range(len(items)))
	ax.set_xticklabels([i[0] for i in items], fontsize=8)
	ax.set_yscale("log")
	for i, y in enumerate(ys):
		if y:
			ax.text(i, y, f" {y:.0f} us", ha="left", va="bottom", fontsize=8)
	ax.set_ylabel("us (median, p10-p90), log scale")
	ax.set_title("Round trip of an empty job")
	fig.tight_layout()
	p = os.path.join(out, "roundtrip.png")
	fig.savefig(p, dpi=100)
	plt.close(fig)
	return p


def make_all(raw, out):
	return [f(raw, out) for f in (throughput, bandwidth, layers, roundtrip)]
