#!/bin/bash
# make demo: boot the VM with two SNPUs, load the driver, classify real
# images on them and measure accuracy and speed next to PyTorch's, unload.
# Everything shown is read from the devices.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd='set -e
echo "--- modprobe snpu (two SNPUs)"
modprobe snpu
ls /dev/accel/
accel-info
echo "--- a GEMM on each device through libaccel (samples/hello)"
hello /dev/accel/accel0
hello /dev/accel/accel1
echo "--- classify.sh: Fashion-MNIST test images, CNN on accel0"
classify.sh --model cnn test:0 test:1 test:2 test:4 test:6 test:8 test:13 test:18 test:19 test:23
D=/usr/share/snpu/fashion-mnist
classify.sh --model mlp $D/images/test-0009-sneaker.png $D/images/test-0002-trouser.pgm
# The compiled models (int8: calibrated on calibration.npy) are kept in the
# host directory build/demo-cache, shared at /mnt/share: a warm demo loads
# them instead of calibrating again.
C=/tmp/snpu-cache
[ ! -d /mnt/share ] || C=/mnt/share
rows=""
# run MODEL PRECISION DEVICES: evaluate.sh on the whole test set; any
# failure (an unsupported precision too) ends the demo with its message.
run() {
	echo "--- evaluate.sh --model $1 --precision $2 --devices $3 --cache $C (10000 test images)"
	if ! evaluate.sh --model "$1" --precision "$2" --devices "$3" --cache "$C" > /tmp/eval 2> /tmp/eval.err; then
		cat /tmp/eval /tmp/eval.err
		exit 1
	fi
	cat /tmp/eval
	acc=$(sed -n "s/^top-1 accuracy: \([0-9.]*\)%.*/\1/p" /tmp/eval)
	ref=$(sed -n "s/^PyTorch fp32 top-1 .*: \([0-9.]*\)%.*/\1/p" /tmp/eval)
	ips=$(sed -n "s/^throughput: \([0-9.]*\) images.*/\1/p" /tmp/eval)
	rows="$rows$1 $2 $3 $acc $ref $ips
"
}
run cnn int8 2
run cnn fp32 2
run mlp fp32 1
run mlp int8 1
echo "--- summary (accuracy on the 10000 test images; PyTorch fp32 from train.log)"
printf "%-6s %-9s %-8s %-10s %-10s %s\n" model precision devices "top-1 %" "PyTorch %" "images/s"
printf "%s" "$rows" | while read -r m p d a r i; do
	printf "%-6s %-9s %-8s %-10s %-10s %s\n" "$m" "$p" "$d" "$a" "$r" "$i"
done
echo "--- rmmod snpu"
rmmod snpu
echo "demo: ok"'
mkdir -p build/demo-cache
exec make --no-print-directory vm NPU=2 SHARE=build/demo-cache CMD="$cmd"
