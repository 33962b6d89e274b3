# SPDX-License-Identifier: MIT
# Shared by classify.sh and evaluate.sh (sourced; busybox sh, POSIX sh).
#
# FMNIST_DIR  the sample's data (models, calibration set, test set, classes,
#             train.log): $FMNIST_DIR, else the scripts' own directory when it
#             holds them (the source tree), else /usr/share/snpu/fashion-mnist
#             (the guest).
# FMNIST_CACHE  where the test set is unpacked (default ${TMPDIR:-/tmp}/fmnist).

fm_prog=${0##*/}
die() { echo "$fm_prog: $*" >&2; exit 1; }
# fm_usage: set by the script before sourcing this file.
# shellcheck disable=SC2154
usage_die() { echo "$fm_prog: $* ($fm_usage)" >&2; exit 2; }

if [ -z "${FMNIST_DIR:-}" ]; then
	FMNIST_DIR=${0%/*}
	[ -f "$FMNIST_DIR/classes.txt" ] || FMNIST_DIR=/usr/share/snpu/fashion-mnist
fi
[ -f "$FMNIST_DIR/classes.txt" ] || die "no Fashion-MNIST data in $FMNIST_DIR (set FMNIST_DIR)"
FMNIST_CACHE=${FMNIST_CACHE:-${TMPDIR:-/tmp}/fmnist}
FM_W=28 FM_H=28 FM_N=10000

# The option's value, or a usage error when it is missing.
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || usage_die "$1 needs a value"; }

# fm_model NAME: the ONNX file of mlp or cnn.
fm_model() {
	case "$1" in
	mlp|cnn) echo "$FMNIST_DIR/$1.onnx" ;;
	*) usage_die "unknown model '$1' (mlp, cnn)" ;;
	esac
}

# fm_precision_args P: the precision options of classify/fmnist-evaluate.
fm_precision_args() {
	case "$1" in
	fp32|fp16) echo "-p $1" ;;
	int8|mixed) echo "-p $1 -c $FMNIST_DIR/calibration.npy" ;;
	*) usage_die "unknown precision '$1' (fp32, int8, mixed, fp16)" ;;
	esac
}

# fm_number WHAT VALUE: VALUE must be a non-negative decimal number.
fm_number() {
	case "$2" in
	''|*[!0-9]*) usage_die "$1 must be a number, got '$2'" ;;
	esac
}

# fm_test_images: the test set, unpacked once into the cache; prints its path.
fm_test_images() {
	f="$FMNIST_CACHE/test-images.u8"
	if [ ! -f "$f" ] || [ "$(wc -c < "$f")" -ne $((FM_N * FM_W * FM_H)) ]; then
		mkdir -p "$FMNIST_CACHE" || die "cannot create $FMNIST_CACHE"
		gunzip -c "$FMNIST_DIR/test-images.u8.gz" > "$f.tmp" && mv "$f.tmp" "$f" \
			|| die "cannot unpack $FMNIST_DIR/test-images.u8.gz into $FMNIST_CACHE"
	fi
	echo "$f"
}

# fm_label N: the true label (number) of test image N.
fm_label() {
	od -An -tu1 -j "$1" -N1 "$FMNIST_DIR/test-labels.u8" | tr -d ' '
}

# fm_class K: the name of class K.
fm_class() {
	sed -n "$(($1 + 1))p" "$FMNIST_DIR/classes.txt"
}

# fm_pytorch_accuracy MODEL SET: PyTorch's fp32 top-1 (percent) on SET
# ("test10000", "test500") from train.log.
fm_pytorch_accuracy() {
	awk -v m="$1" -v s="$2" '$1 == "accuracy" && $2 == m && $3 == "fp32" && $4 == s { print $5 }' \
		"$FMNIST_DIR/train.log"
}
