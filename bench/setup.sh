#!/bin/bash
# The baselines `make bench` measures against, installed by the benchmark
# itself (idempotent): Debian packages (PyTorch with OpenBLAS, matplotlib,
# perf, Node.js) and ONNX Runtime's CPU library from the npm package
# onnxruntime-node (`npm install --ignore-scripts`: its install script
# downloads extras; the Linux CPU library is already in the package).
# A baseline that cannot be installed is reported by run.py as not measured;
# this script fails only when apt-get itself fails.
set -euo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
NODE_DIR="$BUILD/bench/node"
# libopenblas0-pthread: without it Debian's torch and numpy use the
# reference BLAS (~10x slower sgemm), an unfair baseline.
PKGS=(python3-torch python3-onnx libopenblas0-pthread libdnnl2 python3-matplotlib linux-perf)

need=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench setup: installing ${need[*]}"
	if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
	"${SUDO[@]}" apt-get install -y --no-install-recommends "${need[@]}"
fi

# Node.js 20 and npm: the machine's (the DESIGN's platform facts); Debian's
# npm package conflicts with NodeSource's nodejs, so only check for them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "bench setup: warning: node/npm not found: the ONNX Runtime rows will say 'not measured'" >&2
elif [ ! -f "$NODE_DIR/node_modules/onnxruntime-node/package.json" ]; then
	mkdir -p "$NODE_DIR"
	echo "bench setup: npm install --ignore-scripts onnxruntime-node (into $NODE_DIR)"
	if ! (cd "$NODE_DIR" && timeout 600 npm install --ignore-scripts --no-audit --no-fund \
		onnxruntime-node >"$NODE_DIR/npm.log" 2>&1); then
		echo "bench setup: warning: npm install onnxruntime-node failed (registry unreachable?);" \
			"see $NODE_DIR/npm.log. The ONNX Runtime rows will say 'not measured'." >&2
	fi
fi
