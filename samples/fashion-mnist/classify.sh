#!/bin/sh
# SPDX-License-Identifier: MIT
# classify.sh: classify Fashion-MNIST images on the SNPU.
#
#   classify.sh [--model mlp|cnn] [--precision fp32|int8|mixed] [--device DEV|all]
#               [--cache DIR] IMAGE...
#
# IMAGE is a PNG or PGM file of 28 x 28 pixels (grey, white garment on
# black), or test:N for image N (0..9999) of the test set. Prints per image
# the predicted class, its confidence and, for test:N, the true label.
# DEV: sim, /dev/accel/accelN, or all (every SNPU). Default: cnn, fp32, the
# first SNPU. int8 and mixed calibrate on calibration.npy; --cache DIR keeps
# the compiled model there so the next run skips calibrating. Exit status 0
# when every image was classified.
fm_usage="usage: ${0##*/} [--model mlp|cnn] [--precision fp32|int8|mixed] [--device DEV|all] [--cache DIR] IMAGE..."
. "${0%/*}/fmnist-lib.sh"

model=cnn precision=fp32 device='' cache=''
while [ $# -gt 0 ]; do
	case "$1" in
	--model) need_arg "$@"; model=$2; shift 2 ;;
	--precision) need_arg "$@"; precision=$2; shift 2 ;;
	--device) need_arg "$@"; device=$2; shift 2 ;;
	--cache) need_arg "$@"; cache=$2; shift 2 ;;
	--help|-h) echo "$fm_usage"; exit 0 ;;
	--) shift; break ;;
	-*) usage_die "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage_die "no image given"
onnx=$(fm_model "$model") || exit $?
pargs=$(fm_precision_args "$precision") || exit $?
[ -z "$cache" ] || mkdir -p "$cache" || die "cannot create the cache directory $cache"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/classify.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT INT TERM

# test:N becomes a PGM cut out of the test set.
n=0
for img in "$@"; do
	case "$img" in
	test:*)
		i=${img#test:}
		fm_number "test image number" "$i"
		[ "$i" -lt $FM_N ] || die "test:$i: the test set has images 0 to $((FM_N - 1))"
		images=${images:-$(fm_test_images)} || exit 1
		f="$tmp/test-$i.pgm"
		{ printf 'P5\n%d %d\n255\n' $FM_W $FM_H
		  tail -c +$((i * FM_W * FM_H + 1)) "$images" | head -c $((FM_W * FM_H)); } > "$f" \
			|| die "cannot cut test image $i out of $images"
		set -- "$@" "$f" ;;
	*) set -- "$@" "$img" ;;
	esac
	n=$((n + 1))
done
shift $n

# shellcheck disable=SC2086 # pargs is a list of options
classify $pargs ${device:+-d "$device"} ${cache:+-C "$cache"} -l "$FMNIST_DIR/classes.txt" "$onnx" "$@" > "$tmp/out"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"$tmp"/test-*)
		i=${line#"$tmp"/test-}; i=${i%%.pgm:*}
		echo "test:$i:${line#*.pgm:}, true: $(fm_class "$(fm_label "$i")")" ;;
	*) echo "$line" ;;
	esac
done < "$tmp/out"
exit $rc
