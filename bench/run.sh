#!/bin/bash
# make bench: install the baselines (setup.sh), then measure (run.py).
set -euo pipefail
TOP="$(cd "$(dirname "$0")/.." && pwd)"
bash "$TOP/bench/setup.sh"
exec /usr/bin/python3 "$TOP/bench/run.py" "$@"
