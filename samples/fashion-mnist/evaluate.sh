#!/bin/sh
# SPDX-License-Identifier: MIT
# evaluate.sh: top-1 accuracy of a Fashion-MNIST model on the SNPU over the
# test set, streamed batch by batch.
#
#   evaluate.sh [--model mlp|cnn] [--precision fp32|int8|mixed]
#               [--devices N | --device DEV|SPEC] [--limit N] [--batch N]
#               [--cache DIR]
#
# Prints the top-1 accuracy, the confusion matrix, images/s, latency per batch
# (p50/p99), each device's busy time from its counters, and PyTorch's fp32
# accuracy on the same images from train.log beside it; a progress line
# while it runs. --devices N: the first N SNPUs, data parallel; --device:
# sim, /dev/accel/accelN, a comma-separated list, or all. --limit N: the
# first N test images (default all 10000). Default: cnn, fp32, the first SNPU,
# batch 64. int8 and mixed calibrate on calibration.npy; --cache DIR keeps
# the compiled model there so the next run skips calibrating.
fm_usage="usage: ${0##*/} [--model mlp|cnn] [--precision fp32|int8|mixed] [--devices N | --device DEV|SPEC] [--limit N] [--batch N] [--cache DIR]"
. "${0%/*}/fmnist-lib.sh"

model=cnn precision=fp32 device='' limit=$FM_N batch=64 cache=''
while [ $# -gt 0 ]; do
	case "$1" in
	--model) need_arg "$@"; model=$2; shift 2 ;;
	--precision) need_arg "$@"; precision=$2; shift 2 ;;
	--device) need_arg "$@"; device=$2; shift 2 ;;
	--devices)
		need_arg "$@"; fm_number "--devices" "$2"
		[ "$2" -ge 1 ] || usage_die "--devices must be at least 1"
		device=
		i=0
		for d in /dev/accel/accel*; do
			[ -e "$d" ] || break
			[ $i -lt "$2" ] || break
			device="$device${device:+,}$d"
			i=$((i + 1))
		done
		[ $i -eq "$2" ] || die "--devices $2: only $i SNPU device node(s) in /dev/accel (is snpu.ko loaded?)"
		shift 2 ;;
	--limit) need_arg "$@"; fm_number "--limit" "$2"; limit=$2; shift 2 ;;
	--batch) need_arg "$@"; fm_number "--batch" "$2"; batch=$2; shift 2 ;;
	--cache) need_arg "$@"; cache=$2; shift 2 ;;
	--help|-h) echo "$fm_usage"; exit 0 ;;
	*) usage_die "unknown argument '$1'" ;;
	esac
done
[ $# -eq 0 ] || usage_die "unexpected argument '$1'"
[ "$limit" -ge 1 ] && [ "$limit" -le $FM_N ] || usage_die "--limit must be 1 to $FM_N"
onnx=$(fm_model "$model") || exit $?
pargs=$(fm_precision_args "$precision") || exit $?
[ -z "$cache" ] || mkdir -p "$cache" || die "cannot create the cache directory $cache"
images=$(fm_test_images) || exit 1

set -- -b "$batch" -n "$limit" -L "$FMNIST_DIR/classes.txt"
[ -z "$device" ] || set -- -d "$device" "$@"
[ -z "$cache" ] || set -- -C "$cache" "$@"
echo "evaluate: $model ($precision) on ${device:-the first SNPU}, the first $limit test images"
# shellcheck disable=SC2086 # pargs is a list of options
fmnist-evaluate $pargs "$@" "$onnx" "$images" "$FMNIST_DIR/test-labels.u8" || exit $?
ref=$(fm_pytorch_accuracy "$model" "test$limit")
if [ -n "$ref" ]; then
	echo "PyTorch fp32 top-1 on the same $limit images (train.log): $ref%"
else
	echo "PyTorch fp32 top-1 (train.log): $(fm_pytorch_accuracy "$model" "test$FM_N")% on all $FM_N test images"
fi
