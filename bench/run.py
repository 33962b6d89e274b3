#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: the SNPU stack against what a user would run instead.

Runs, in one go and on this machine:
  host   snpu-bench on the in-process "sim" device, memcpy, oneDNN/OpenBLAS
         GEMMs (same threads), te_bench (the tensor engine's kernels),
         PyTorch fp32 and ONNX Runtime (CPU provider) on the Fashion-MNIST
         CNN and MLP
  guest  snpu-bench on /dev/accel/accel0 in the VM (TCG or KVM), with a
         virtio-blk disk on QEMU's null-co backend as the round-trip
         baseline; again with a 64x64 MAC array for the timing model
and writes build/bench/results.json (every figure as a ratio against its
baseline measured in this run, with its goal), build/bench/raw.json (every
measurement and the conditions), PNG plots, and a table on stdout.
docs/performance.md explains each figure.

Environment: BENCH_BUDGET (seconds per measurement, default 1.0),
BENCH_SKIP_VM=1 (host only), BENCH_THREADS (default 2; ONNX Runtime and
PyTorch run with 1 and BENCH_THREADS threads and the faster is their
baseline: on a shared 2-core machine two OpenMP threads can lose a time
slice at every barrier), plus the VM's
(QEMU_BIN, INITRAMFS, VM_ACCEL...).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
OUT = os.path.join(BUILD, "bench")
HOSTBIN = os.path.join(BUILD, "host", "bin")
SNPU_BENCH = os.path.join(HOSTBIN, "snpu-bench")
TE_BENCH = os.path.join(BUILD, "host", "bench", "te_bench")
LIBACCEL = os.path.join(BUILD, "host", "lib", "libaccel.so")	# the link to the current SONAME
PY = "/usr/bin/python3"	# Debian's: python3-torch lives there, not in a pyenv
BUDGET = float(os.environ.get("BENCH_BUDGET", "1.0"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
BATCHES = (1, 64)
MiB = 1 << 20
CPU_REF_BATCH = {"cnn": 16, "mlp": 64}	# images/s of the CPU reference hardly depend on it
NO_MODEL_API = "not measured: model compiler not available"

raw = {}		# "ctx.name" -> result dict
missing = {}		# "ctx.name" -> reason
log_lines = []
t_start = time.time()


def say(msg):
	print(f"bench [{time.time() - t_start:6.1f} s] {msg}", flush=True)


def parse(ctx, text):
	"""Collect BENCH lines of one run under the context prefix ctx."""
	info = {}
	for line in text.splitlines():
		m = re.search(r"(BENCH(?:-DEVICE|-INFO)?) (\{.*\})\s*$", line)
		if not m:
			continue
		try:
			d = json.loads(m.group(2))
		except json.JSONDecodeError:
			log_lines.append(f"{ctx}: unparsable line: {line}")
			continue
		if m.group(1) != "BENCH":
			info.update(d)
			continue
		key = f"{ctx}.{d['name']}"
		raw[key] = d
		if d.get("value") is None:
			missing[key] = d.get("missing", "not measured")
	if info:
		raw[f"{ctx}.info"] = info
	return info


def run(ctx, cmd, env=None, timeout=900, inp=None):
	say(f"{ctx}: {' '.join(cmd) if len(' '.join(cmd)) < 160 else cmd[0] + ' ...'}")
	e = dict(os.environ)
	e.update(env or {})
	t0 = time.time()
	try:
		p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout,
				   input=inp)
	except subprocess.TimeoutExpired as ex:
		log_lines.append(f"{ctx}: timed out after {timeout} s")
		say(f"{ctx}: TIMEOUT after {timeout} s")
		return ((ex.stdout or b"").decode(errors="replace") if isinstance(ex.stdout, bytes)
			else (ex.stdout or "")), 124
	dt = time.time() - t0
	with open(os.path.join(OUT, f"{ctx}.log"), "w") as f:
		f.write(p.stdout)
		f.write(p.stderr)
	if p.returncode:
		say(f"{ctx}: exit {p.returncode} ({dt:.0f} s); see {OUT}/{ctx}.log")
		for l in p.stderr.strip().splitlines()[-5:]:
			say(f"  {l}")
	else:
		say(f"{ctx}: done in {dt:.0f} s")
	raw.setdefault("_durations", {})[ctx] = round(dt, 1)
	return p.stdout, p.returncode


def model_api_available():
	"""Does this libaccel export the model compiler (issue "Models on the SNPU")?"""
	try:
		out = subprocess.run(["nm", "-D", "--defined-only", LIBACCEL], capture_output=True,
				     text=True, check=True).stdout
	except (OSError, subprocess.CalledProcessError):
		return False
	return re.search(r"\baccel_model_load_file\b", out) is not None


def find_models():
	"""The trained sample models, or exported stand-ins of the same shapes."""
	d = os.path.join(TOP, "samples", "fashion-mnist")
	got = {m: os.path.join(d, f"{m}.onnx") for m in ("cnn", "mlp")}
	if all(os.path.isfile(p) for p in got.values()):
		calib = [os.path.join(d, c) for c in ("calib.npy", "calibration.npy")
			 if os.path.isfile(os.path.join(d, c))]
		return got, "samples/fashion-mnist (trained)", (calib[0] if calib else None)
	d = os.path.join(OUT, "models")
	return ({m: os.path.join(d, f"{m}.onnx") for m in ("cnn", "mlp")},
		"bench/baselines/torch_bench.py (same architectures, random weights)", None)


def model_parts(models, guest_paths=None, cpu=False, precisions=("fp32",)):
	"""snpu-bench model parts, the goal rows first (a run cut short by its
	time limit loses the least): the CNN at batch 64 in int8 (always: without
	int8 support it reports the loader's reason) and fp32 and the CPU
	reference it is compared with, then the other rows."""
	parts, rest = [], []
	for m, path in models.items():
		p = guest_paths[m] if guest_paths else path
		for prec in precisions:
			for b in BATCHES:
				part = f"model={p}:{m}.{prec}.b{b}:{b}"
				(parts if m == "cnn" and b == 64 else rest).append(part)
		if m == "cnn" and "int8" not in precisions:
			parts.append(f"model={p}:cnn.int8.b64:64")
		if cpu:	# the CPU reference is slow (seconds per CNN batch, more under TCG)
			cb = CPU_REF_BATCH[m]
			(parts if m == "cnn" else rest).append(f"model={p}:{m}.fp32.cpu.b{cb}:{cb}")
	parts.sort(key=lambda x: ".int8." not in x)	# int8 first: the ONNX Runtime goal row
	return parts + rest


def vm(ctx, guest_cmd, extra_env, files):
	"""Run guest_cmd in the VM; files: {fw_cfg name: host path} copied to /tmp."""
	qargs = []
	pre = "modprobe qemu_fw_cfg 2>/dev/null; "
	for name, path in files.items():
		qargs += ["-fw_cfg", f"name=opt/snpu/{name},file={path}"]
		pre += f"cp /sys/firmware/qemu_fw_cfg/by_name/opt/snpu/{name}/raw /tmp/{name} && "
	cmd = (pre + "{ grep -q '^snpu ' /proc/modules || modprobe snpu; } && i=0; "
	       "while [ ! -c /dev/accel/accel0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
	       + guest_cmd)
	env = {"CMD": cmd, "VM_TIMEOUT": "900", "SNPU_QEMU_ARGS": " ".join(qargs)}
	env.update(extra_env)
	out, rc = run(ctx, ["bash", os.path.join(TOP, "scripts", "vm.sh")], env=env, timeout=960)
	return out, rc


def te_bench_parse(text):
	"""te_bench's table: the engine's own kernels against oneDNN, same threads."""
	res = {}
	cols = None
	for line in text.splitlines():
		if line.startswith("shape (M x N x K)"):
			cols = line[len("shape (M x N x K)"):].split()
			continue
		m = re.match(r"^(sgemm 1024\^3|conv [^:]+?|fc [^:]+?)\s{2,}(.*)$", line)
		if cols and m:
			vals = m.group(2).split()
			row = dict(zip(cols, vals))
			te = [float(row[c]) for c in ("te-avx512", "te-avx2", "te-portable")
			      if c in row and re.match(r"^[0-9.]+$", row[c])]
			dn = row.get("oneDNN", "n/a").rstrip("!")
			if te and re.match(r"^[0-9.]+$", dn):
				res[m.group(1)] = (te[0], float(dn))
			continue
		m = re.match(r"^int8 u8s8s32 .*: snpu-te \(.*\) ([0-9.]+) GOP/s, oneDNN ([0-9.]+) GOP/s", line)
		if m:
			res["int8 u8s8s32"] = (float(m.group(1)), float(m.group(2)))
		m = re.match(r"^CONV2D command (fp32|int8) .*: [0-9.]+ ms, ([0-9.]+) G", line)
		if m:
			res[f"CONV2D command {m.group(1)}"] = float(m.group(2))
	return res


# ---- measurements -----------------------------------------------------------------
def measure():
	os.makedirs(OUT, exist_ok=True)
	api = model_api_available()
	models, model_src, calib = find_models()
	raw["_conditions"] = conditions(api, model_src)
	nm = os.path.join(OUT, "node", "node_modules")

	# Baselines first: they also export the stand-in models.
	export = [] if "trained" in model_src else ["--export"]
	os.makedirs(os.path.join(OUT, "models"), exist_ok=True)
	out, _ = run("torch", [PY, os.path.join(TOP, "bench", "baselines", "torch_bench.py"),
			       "--models", os.path.join(OUT, "models"), *export,
			       "--threads", f"1,{THREADS}", "--budget", str(BUDGET)])
	parse("host", out)
	if os.path.isdir(os.path.join(nm, "onnxruntime-node")):
		out, _ = run("ort", ["node", os.path.join(TOP, "bench", "baselines", "ort_bench.js"), nm,
				     f"1,{THREADS}", ",".join(map(str, BATCHES)), str(BUDGET)] +
			     [f"{m}={p}" for m, p in models.items()])
		parse("host", out)
	else:
		for m in models:
			for b in BATCHES:
				missing[f"host.ort.{m}.b{b}"] = "onnxruntime-node is not installed (bench/setup.sh)"

	# Host: the sim device, memcpy, the GEMM libraries.
	parts = ["roundtrip", "breakdown", "transfer", "dma", "memcpy", "gemm"]
	env = {}
	if api:
		env["SNPU_BENCH_CACHE"] = os.path.join(OUT, "cache-host")
		shutil.rmtree(env["SNPU_BENCH_CACHE"], ignore_errors=True)
		os.makedirs(env["SNPU_BENCH_CACHE"])	# libaccel writes into an existing one only
		if calib:
			env["SNPU_BENCH_CALIB"] = calib
		parts += model_parts(models, cpu=True,
				     precisions=("fp32", "int8") if calib else ("fp32",))
	out, _ = run("host-sim", [SNPU_BENCH, "--device", "sim", "--threads", str(THREADS),
				  "--budget", str(BUDGET)] + parts, env=env)
	parse("sim", out)
	# oneDNN and OpenBLAS with 1 and THREADS threads, the faster is the baseline
	# (as for ONNX Runtime and PyTorch: OpenMP barriers on a shared machine).
	for t in sorted({1, THREADS}):
		out, _ = run(f"host-blas-t{t}", [SNPU_BENCH, "--threads", str(t), "--budget", str(BUDGET),
						 "blas"])
		parse(f"blas{t}", out)
	for k in [k for k in raw if k.startswith(("blas1.", f"blas{THREADS}."))]:
		name = "sim." + k.split(".", 1)[1]
		d = raw[k]
		if d.get("value") is not None and (name not in raw or
						   d["value"] > (raw[name].get("value") or 0)):
			raw[name] = dict(d, best_of_threads=sorted({1, THREADS}))
			missing.pop(name, None)
		elif name not in raw:
			raw[name] = d
			if d.get("value") is None:
				missing[name] = d.get("missing", "not measured")
	if os.access(TE_BENCH, os.X_OK):
		out, _ = run("te_bench", [TE_BENCH, str(THREADS)])
		raw["_te_bench"] = te_bench_parse(out)

	if os.environ.get("BENCH_SKIP_VM") == "1":
		log_lines.append("VM runs skipped (BENCH_SKIP_VM=1)")
		return api, model_src
	# Guest: the drm backend through snpu.ko, the virtio-blk baseline.
	files, gparts = {}, []
	if api:
		files = {f"{m}.onnx": p for m, p in models.items()}
		if calib:
			files["calib.npy"] = calib
		# fp32 rows and the int8 CNN at batch 64 (the goal row): calibrating
		# int8 under TCG takes minutes per row
		gparts = model_parts(models, {m: f"/tmp/{m}.onnx" for m in models}, cpu=True)
	# The guest loads the int8 CNN the host compiled (the cache key is the
	# model, the options, the calibration data and the device's
	# configuration, the same for "sim" and the QEMU device): its calibration
	# under TCG took 382 s and used up the VM's time. Only that row's entry
	# (2 MB): fw_cfg moves files into the guest slowly. The cold/cached
	# figure is the host's.
	genv = "mkdir -p /tmp/cache; "
	hcache = os.path.join(OUT, "cache-host", "cnn.int8.b64")
	if api and os.path.isdir(hcache) and os.listdir(hcache):
		tar = os.path.join(OUT, "cache-vm.tar")
		subprocess.run(["tar", "-cf", tar, "-C", os.path.dirname(hcache), "cnn.int8.b64"],
			       check=True)
		files["cache.tar"] = tar
		genv += "tar -xf /tmp/cache.tar -C /tmp/cache; "
	genv += "SNPU_BENCH_CACHE=/tmp/cache " + ("SNPU_BENCH_CALIB=/tmp/calib.npy " if calib else "")
	blk = ("modprobe virtio_pci 2>/dev/null; modprobe virtio_blk 2>/dev/null; i=0; "
	       "while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; ")
	out, _ = vm("vm", f"{blk}{genv}snpu-bench --device /dev/accel/accel0 --threads {THREADS} "
		    f"--budget {BUDGET} roundtrip breakdown blkread=/dev/vda transfer dma memcpy gemm "
		    + " ".join(gparts), {"NPU": "1", "VM_DISK": "null"}, files)
	parse("vm", out)
	# The timing model with a 64x64 MAC array: predictions only.
	g64 = [p for p in gparts if ".fp32.b" in p and ".cpu." not in p]
	out, _ = vm("vm-mac64", f"snpu-bench --device /dev/accel/accel0 --budget 0.2 gemm "
		    + " ".join(g64), {"NPU": "1", "SNPU_DEVICE_OPTS": "mac-rows=64,mac-cols=64"},
		    {k: v for k, v in files.items() if k.endswith(".onnx")})
	parse("mac64", out)
	return api, model_src


def conditions(api, model_src):
	def sh(cmd):
		try:
			return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
		except OSError:
			return ""
	cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
	return {
		"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
		"git": sh(f"git -C {TOP} rev-parse --short HEAD"),
		"cpu": cpu, "nproc": os.cpu_count(), "threads": THREADS, "budget_s": BUDGET,
		"loadavg_start": sh("cat /proc/loadavg"),
		"vm_accel": sh(f"cat {BUILD}/guest/accel 2>/dev/null") or "probed at first boot",
		"model_api": api, "models": model_src,
	}


# ---- figures: value, baseline, ratio, goal ----------------------------------------------
def val(key):
	d = raw.get(key)
	return d.get("value") if d else None


def figures(api):
	F = []

	def fig(name, key, unit, base_name, base_key, goal=None, higher=True, note="",
		value=None, base_value=None):
		v = value if value is not None else val(key)
		b = base_value if base_value is not None else (val(base_key) if base_key else None)
		ratio = (v / b) if (v is not None and b) else None
		met = None
		if goal:
			op, x = goal.split()
			met = bool(ratio is not None and (ratio >= float(x) if op == ">=" else ratio <= float(x)))
		why = missing.get(key) or (missing.get(base_key) if base_key else None)
		if v is None and not why:
			why = "not measured (see the run's logs in build/bench/)"
		F.append({"name": name, "value": v, "unit": unit, "baseline": base_name,
			  "baseline_value": b, "ratio": ratio, "goal": goal or "", "met": met,
			  "note": why if (v is None or b is None) and why else note})

	# Round trip of an empty job.
	fig("vm: empty job round trip (NOP, drm)", "vm.roundtrip", "us",
	    "vm: 4 KiB O_DIRECT read, virtio-blk null-co", "vm.blkread.4096", "<= 1.0", False)
	rt, blk = raw.get("vm.roundtrip") or {}, raw.get("vm.blkread.4096") or {}
	if rt.get("p10") and blk.get("p10"):	# the quiet-moment view: less sensitive to load
		fig("vm: empty job round trip, p10", None, "us", "vm: virtio-blk 4 KiB read, p10", None,
		    value=rt["p10"], base_value=blk["p10"], note="10th percentiles of the same runs")
	fig("sim: empty job round trip (NOP, in-process)", "sim.roundtrip", "us",
	    "target 10 us", None, "<= 1.0", False, base_value=10.0)
	# The steps of a small upload, as shares of the whole accel_buffer_write.
	for ctx in ("vm", "sim"):
		for step in ("create_host_4k", "map_host_4k", "free_host_4k", "cmdbuf_create_free",
			     "run_nop", "run_copy_4k", "touch_new_4k", "run_copy_new_4k",
			     "free_used_4k", "touch_new_1m", "touch_warm_1m"):
			if f"{ctx}.breakdown.{step}" in raw:
				fig(f"{ctx}: step {step}", f"{ctx}.breakdown.{step}", "us",
				    f"{ctx}: accel_buffer_write 4 KiB (all steps)",
				    f"{ctx}.breakdown.buffer_write_4k",
				    note="a step of the old per-call DMA upload, against today's 4 KiB write")
	# Uploads/downloads against memcpy, DMA against the host's memcpy.
	sizes = [4096 << (2 * i) for i in range(9)]	# 4 KiB .. 64 MiB
	for ctx in ("vm", "sim"):
		for d in ("upload", "download"):
			for n in sizes:
				if f"{ctx}.{d}.{n}" in raw:
					fig(f"{ctx}: accel_buffer_{'write' if d == 'upload' else 'read'} {size(n)}",
					    f"{ctx}.{d}.{n}", "MB/s", f"{ctx}: memcpy {size(n)}", f"{ctx}.memcpy.{n}",
					    ">= 0.8" if n >= MiB else None)
	for ctx in ("vm", "sim"):	# the CPU through the mapping: what a small upload could be
		for n in sizes:
			if f"{ctx}.mapwrite.{n}" in raw and n <= MiB:
				fig(f"{ctx}: memcpy into the mapped DEVICE buffer {size(n)}",
				    f"{ctx}.mapwrite.{n}", "MB/s", f"{ctx}: accel_buffer_write {size(n)}",
				    f"{ctx}.upload.{n}", note="the path accel_buffer_write takes up to 64 MiB")
	for ctx in ("vm", "sim"):
		for d in ("h2d", "d2h"):
			for n in sizes:
				if f"{ctx}.dma.{d}.{n}" in raw:
					fig(f"{ctx}: device DMA {d} {size(n)} (device-timed)", f"{ctx}.dma.{d}.{n}",
					    "MB/s", f"host: memcpy {size(n)}", f"sim.memcpy.{n}",
					    ">= 0.5" if n >= MiB else None)
	# Compute: whole device commands (sim) against oneDNN/OpenBLAS, same threads.
	for dev, base in (("gemm.fp32.1024", "fp32.1024"), ("conv.cnn1.fp32.b64", "cnn1.fp32.b64"),
			  ("conv.cnn2.fp32.b64", "cnn2.fp32.b64")):
		fig(f"sim: device {dev} (device-timed)", f"sim.{dev}", "GFLOP/s",
		    f"host: oneDNN sgemm {base}, best of 1/{THREADS} threads", f"sim.blas.onednn.{base}",
		    ">= 0.8")
		fig(f"sim: device {dev} (device-timed)", f"sim.{dev}", "GFLOP/s",
		    f"host: OpenBLAS sgemm {base}, best of 1/{THREADS} threads",
		    f"sim.blas.openblas.{base}")
		fig(f"vm: device {dev} (device-timed, QEMU)", f"vm.{dev}", "GFLOP/s",
		    f"host: oneDNN sgemm {base}, best of 1/{THREADS} threads", f"sim.blas.onednn.{base}")
	fig("sim: device gemm.int8.1024 (device-timed)", "sim.gemm.int8.1024", "GOP/s",
	    f"host: oneDNN u8s8s32 1024^3, best of 1/{THREADS} threads", "sim.blas.onednn.int8.1024",
	    ">= 0.8")
	for c in ("cnn1", "cnn2"):
		fig(f"sim: device conv.{c}.int8.b64", f"sim.conv.{c}.int8.b64", "GOP/s",
		    f"sim: device conv.{c}.fp32.b64", f"sim.conv.{c}.fp32.b64", note="int8 vs fp32 on the device")
	for k in ("gemm.fp32.1024", "gemm.int8.1024", "conv.cnn1.fp32.b64", "conv.cnn2.fp32.b64"):
		for ctx in ("sim", "mac64"):
			d = raw.get(f"{ctx}.{k}")
			if d and d.get("pred_gops"):
				arr = "64x64" if ctx == "mac64" else "32x32"
				fig(f"timing model: {k}, {arr} MACs @ 1 GHz (predicted)", None, "G(FL)OP/s",
				    f"sim: device {k} (emulated)", f"sim.{k}", value=d["pred_gops"])
	# The tensor engine's kernels (te_bench) against oneDNN.
	te = raw.get("_te_bench", {})
	for shape, pair in te.items():
		if isinstance(pair, tuple) or isinstance(pair, list):
			fig(f"te_bench: snpu-te {shape}", None, "GFLOP/s" if "int8" not in shape else "GOP/s",
			    f"oneDNN {shape}, {THREADS} threads", None, ">= 0.8",
			    value=pair[0], base_value=pair[1])
	for dt, sh in (("fp32", "conv 3x3 64->64 @56x56"),):
		if f"CONV2D command {dt}" in te and sh in te:
			fig(f"te_bench: whole CONV2D command {dt} 3x3 64->64 @56x56", None, "GFLOP/s",
			    f"snpu-te bare GEMM of the same shape", None, ">= 0.67",
			    value=te[f"CONV2D command {dt}"], base_value=te[sh][0],
			    note="goal: within 1.5x of the bare GEMM")
	# End to end.
	for m in ("cnn", "mlp"):
		for b in BATCHES:
			cnn64 = m == "cnn" and b == 64
			for prec in ("int8", "fp32"):
				k = f"vm.model.{m}.{prec}.b{b}"
				if prec == "int8" and k not in raw and not cnn64:
					continue
				g_ort = (">= 1.0" if prec == "int8" else ">= 0.5") if cnn64 else None
				fig(f"vm: SNPU {m} {prec} batch {b}", k, "images/s",
				    f"host: ONNX Runtime {m} fp32 batch {b}", f"host.ort.{m}.b{b}", g_ort)
				fig(f"vm: SNPU {m} {prec} batch {b}", k, "images/s",
				    f"host: PyTorch {m} fp32 batch {b}", f"host.torch.{m}.b{b}",
				    ">= 1.0" if cnn64 else None)
				if cnn64:
					cb = CPU_REF_BATCH[m]
					fig(f"vm: SNPU {m} {prec} batch {b}", k, "images/s",
					    f"vm: libaccel CPU reference {m} fp32 batch {cb}",
					    f"vm.model.{m}.fp32.cpu.b{cb}", ">= 20")
			fig(f"sim: SNPU {m} fp32 batch {b}", f"sim.model.{m}.fp32.b{b}", "images/s",
			    f"host: ONNX Runtime {m} fp32 batch {b}", f"host.ort.{m}.b{b}")
			for ctx, arr in (("sim", "32x32"), ("mac64", "64x64")):
				fig(f"timing model: {m} fp32 batch {b}, {arr} MACs (predicted)",
				    f"{ctx}.model.{m}.fp32.b{b}.predicted", "images/s",
				    f"host: ONNX Runtime {m} fp32 batch {b}", f"host.ort.{m}.b{b}")
			fig(f"host: PyTorch {m} fp32 batch {b}", f"host.torch.{m}.b{b}", "images/s",
			    f"host: ONNX Runtime {m} fp32 batch {b}", f"host.ort.{m}.b{b}")
		d = raw.get(f"sim.model.{m}.fp32.b64")
		if d and d.get("arena_lower_bound"):
			fig(f"compiler: memory plan peak, {m}", None, "bytes", "max-live-set lower bound",
			    None, "<= 1.1", False, value=d["arena_bytes"], base_value=d["arena_lower_bound"])
		else:
			fig(f"compiler: memory plan peak, {m}", f"sim.model.{m}.fp32.b64", "bytes",
			    "max-live-set lower bound", None, "<= 1.1", False)
	# ratio = cold / cached: the cache's speed-up. Both loads include what the
	# cache does not skip (weights upload, device binding, one warm-up run).
	for m, prec in [(m, p) for m in ("cnn", "mlp") for p in ("int8", "fp32")]:
		k = f"sim.model.{m}.{prec}.b64.compile"
		if prec == "int8" and k not in raw:
			continue
		d = raw.get(k) or {}
		fig(f"compiler: cold load of {m} {prec} (sim, batch 64)", k, "ms",
		    "the same load from the compiled-model cache", None, ">= 10",
		    base_value=d.get("cached_ms"), note="ratio = cold / cached")
	for f in F:
		if f["value"] is None and not api and ("model" in f["name"].lower() or "SNPU" in f["name"]
						      or "memory plan" in f["name"]):
			f["note"] = NO_MODEL_API
	return F


def size(n):
	return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"


def fmt(x):
	if x is None:
		return "-"
	if abs(x) >= 1000:
		return f"{x:,.0f}"
	if abs(x) >= 10:
		return f"{x:.1f}"
	return f"{x:.3g}"


def table(F):
	w = max(len(f["name"]) for f in F)
	wb = max(len(f["baseline"]) for f in F)
	print()
	print(f"{'figure':<{w}}  {'value':>10} {'unit':<9} {'baseline':<{wb}}  {'baseline':>10}  "
	      f"{'ratio':>7}  {'goal':<7} met")
	for f in F:
		met = "" if f["met"] is None else ("yes" if f["met"] else "NO")
		if f["goal"] and (f["value"] is None or f["baseline_value"] is None):
			met = "n/m"
		line = (f"{f['name']:<{w}}  {fmt(f['value']):>10} {f['unit']:<9} {f['baseline']:<{wb}}  "
			f"{fmt(f['baseline_value']):>10}  {fmt(f['ratio']):>7}  {f['goal']:<7} {met}")
		if f["value"] is None or f["baseline_value"] is None:
			line += f"  ({f['note']})"
		print(line)
	goals = [f for f in F if f["goal"]]
	print(f"\n{sum(1 for f in goals if f['met'])} of {len(goals)} goals met; "
	      f"{sum(1 for f in goals if f['value'] is None or f['baseline_value'] is None)} not measured")


def markdown(F):
	"""results.md: the same table for docs/performance.md."""
	c = raw["_conditions"]
	out = [f"Measured {c['date']} ({c['git']}), {c['cpu']}, {c['nproc']} cores, load average "
	       f"{c['loadavg_start'].split()[0]} at the start and {c['loadavg_end'].split()[0]} at the "
	       f"end, guest under {c['vm_accel']}, models: {c['models']}; `make bench` took "
	       f"{c['duration_s']} s.", "",
	       "| figure | value | baseline | baseline value | ratio | goal | met |",
	       "|---|---:|---|---:|---:|---|---|"]
	for f in F:
		met = "" if f["met"] is None else ("yes" if f["met"] else "**no**")
		if f["goal"] and (f["value"] is None or f["baseline_value"] is None):
			met = "not measured"
		v = f"{fmt(f['value'])} {f['unit']}" if f["value"] is not None else f"– ({f['note']})"
		out.append(f"| {f['name']} | {v} | {f['baseline']} | {fmt(f['baseline_value'])} | "
			   f"{fmt(f['ratio'])} | {f['goal']} | {met} |")
	return "\n".join(out) + "\n"


def main():
	api, _ = measure()
	F = figures(api)
	raw["_conditions"]["loadavg_end"] = open("/proc/loadavg").read().strip()
	raw["_conditions"]["duration_s"] = round(time.time() - t_start)
	raw["_log"] = log_lines
	with open(os.path.join(OUT, "results.json"), "w") as f:
		json.dump(F, f, indent=1)
	with open(os.path.join(OUT, "raw.json"), "w") as f:
		json.dump(raw, f, indent=1, default=list)
	try:
		import plots
		for p in plots.make_all(raw, OUT):
			say(f"plot: {p}")
	except Exception as e:	# plots are a convenience: never lose the results for them
		say(f"plots failed: {e}")
	with open(os.path.join(OUT, "results.md"), "w") as f:
		f.write(markdown(F))
	table(F)
	say(f"wrote {OUT}/results.json and {OUT}/raw.json")
	c = raw["_conditions"]
	print(f"conditions: {c['date']}, {c['cpu']}, {c['nproc']} cores, load {c['loadavg_start']} -> "
	      f"{c['loadavg_end']}, VM {c['vm_accel']}, models: {c['models']}")
	return 0


if __name__ == "__main__":
	sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
	sys.exit(main())
