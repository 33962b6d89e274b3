#!/bin/sh
# 70-samples: the Fashion-MNIST sample scripts and the C samples on the SNPU
# (snpu.ko), as a user runs them in the guest:
#  - classify.sh on the ten sample images as PNG and as PGM (the same pixels
#    must give the same answers; at least 8 of 10 right), and on test:N;
#  - evaluate.sh on the first 500 test images, MLP and CNN in fp32 (the CNN
#    on every SNPU), the accuracy at least PyTorch's on the same images from
#    train.log minus 0.5 points; then both in int8 (calibrated on
#    calibration.npy): at least PyTorch's minus 1 point (the fp32 allowance
#    plus int8's; `make demo` shows int8 within 0.5 points of fp32 on all
#    10000 images, where one image is 0.01 points, not 0.2);
#  - classify.sh and the C classify in int8;
#  - the C samples classify and multi-device;
#  - bad arguments (missing file, not an image, wrong size, unknown model,
#    bad numbers) give one line on stderr and a non-zero exit.
# Ends with "N passed, N failed".
#
# Runs on the host too: FMNIST_DIR=samples/fashion-mnist ACCEL_DEVICE=sim
# SAMPLES_DEVICES=sim,sim PATH=build/host/bin:samples/fashion-mnist:$PATH sh tests/vm/70-samples.sh

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/samples.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
D=${FMNIST_DIR:-/usr/share/snpu/fashion-mnist}
export FMNIST_DIR="$D"

if [ -z "${ACCEL_DEVICE:-}" ]; then
	grep -q '^snpu ' /proc/modules || modprobe snpu || bad "modprobe snpu"
	i=0
	while [ ! -c /dev/accel/accel0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
# Every SNPU: the device nodes, or SAMPLES_DEVICES (host: "sim,sim").
all=${SAMPLES_DEVICES:-}
ndev=0
if [ -z "$all" ]; then
	for d in /dev/accel/accel*; do
		[ -e "$d" ] || continue
		all="$all${all:+,}$d"
		ndev=$((ndev + 1))
	done
else
	ndev=$(echo "$all" | tr ',' '\n' | grep -c .)
fi

# expect_error NAME CMD...: CMD fails with exactly one line on stderr.
expect_error() {
	name=$1
	shift
	if "$@" > "$T/out" 2> "$T/err"; then
		bad "$name: exit status 0"
	elif [ "$(wc -l < "$T/err")" -ne 1 ]; then
		bad "$name: $(wc -l < "$T/err") lines on stderr:"; cat "$T/err"
	else
		ok "$name: $(cat "$T/err")"
	fi
}

# ---- classify.sh on the sample images ---------------------------------------------------
for ext in png pgm; do
	if classify.sh --model cnn "$D"/images/*."$ext" > "$T/$ext" 2> "$T/err"; then
		right=0 total=0
		while IFS= read -r line; do
			# .../test-0000-ankle-boot.png: Ankle boot (97.1%)
			f=${line%%: *}; f=${f##*/}; f=${f#test-????-}; f=${f%.*}
			got=$(echo "${line#*: }" | sed 's/ ([0-9.]*%)$//' | tr 'A-Z/ ' 'a-z--')
			total=$((total + 1))
			[ "$f" = "$got" ] && right=$((right + 1))
		done < "$T/$ext"
		if [ "$total" -eq 10 ] && [ "$right" -ge 8 ]; then
			ok "classify.sh on 10 $ext images: $right right"
		else
			bad "classify.sh on $ext images: $right of $total right:"; cat "$T/$ext"
		fi
	else
		bad "classify.sh on $ext images failed:"; cat "$T/err"
	fi
done
sed 's/\.png:/:/' "$T/png" > "$T/png.cmp"
sed 's/\.pgm:/:/' "$T/pgm" > "$T/pgm.cmp"
if [ -s "$T/png.cmp" ] && cmp -s "$T/png.cmp" "$T/pgm.cmp"; then
	ok "classify.sh: PNG and PGM of the same pixels give the same answers"
else
	bad "classify.sh: PNG and PGM answers differ"
fi
if classify.sh --model mlp test:0 test:9999 > "$T/out" 2>&1 &&
   grep -q '^test:0: .* ([0-9.]*%), true: Ankle boot$' "$T/out" &&
   grep -q '^test:9999: .* ([0-9.]*%), true: ' "$T/out"; then
	ok "classify.sh test:N: $(tr '\n' ';' < "$T/out")"
else
	bad "classify.sh test:N:"; cat "$T/out"
fi
if classify.sh --device "$(echo "$all" | cut -d, -f1)" test:1 > "$T/out" 2>&1 &&
   grep -q '^test:1: .*true: Pullover$' "$T/out"; then
	ok "classify.sh --device: $(cat "$T/out")"
else
	bad "classify.sh --device:"; cat "$T/out"
fi

# ---- evaluate.sh on 500 images ------------------------------------------------------------
# evaluate MODEL PRECISION TOLERANCE DEVICE-ARGS...: top-1 >= PyTorch - TOLERANCE.
evaluate() {
	model=$1 prec=$2 tol=$3
	shift 3
	ref=$(awk -v m="$model" '$1 == "accuracy" && $2 == m && $3 == "fp32" && $4 == "test500" { print $5 }' "$D/train.log")
	if [ -z "$ref" ]; then
		bad "evaluate.sh $model: no 'accuracy $model fp32 test500' line in $D/train.log"
		return
	fi
	if ! evaluate.sh --model "$model" --precision "$prec" --limit 500 "$@" > "$T/eval" 2> "$T/err"; then
		bad "evaluate.sh --model $model --precision $prec $*:"; cat "$T/eval" "$T/err"
		return
	fi
	acc=$(sed -n 's/^top-1 accuracy: \([0-9.]*\)%.*/\1/p' "$T/eval")
	if [ -n "$acc" ] && awk -v a="$acc" -v r="$ref" -v t="$tol" 'BEGIN { exit !(a >= r - t) }' &&
	   grep -q '^throughput: [0-9.]* images/s' "$T/eval" &&
	   grep -q '^latency per batch of 64: p50 [0-9.]* ms, p99 [0-9.]* ms' "$T/eval" &&
	   grep -q "^PyTorch fp32 top-1 on the same 500 images (train.log): $ref%" "$T/eval" &&
	   [ "$(grep -c '^device .*: busy [0-9.]* ms' "$T/eval")" -eq "${ndevs:-1}" ]; then
		ok "evaluate.sh $model $prec $*: top-1 $acc% (PyTorch $ref%, floor $ref - $tol), $(grep '^throughput' "$T/eval")"
	else
		bad "evaluate.sh $model $prec $*: top-1 '$acc', PyTorch $ref - $tol:"; cat "$T/eval"
	fi
}
ndevs=1 evaluate mlp fp32 0.5
ndevs=1 evaluate mlp int8 1.0
# Every SNPU: --devices N in the guest, the SAMPLES_DEVICES list on the host.
if [ -n "${SAMPLES_DEVICES:-}" ]; then
	ndevs=$ndev evaluate cnn fp32 0.5 --device "$all"
else
	ndevs=$ndev evaluate cnn fp32 0.5 --devices "$ndev"
fi
ndevs=1 evaluate cnn int8 1.0
if classify.sh --model mlp --precision int8 test:0 test:1 > "$T/out" 2>&1 &&
   grep -q '^test:0: Ankle boot ([0-9.]*%), true: Ankle boot$' "$T/out" &&
   grep -q '^test:1: Pullover ([0-9.]*%), true: Pullover$' "$T/out"; then
	ok "classify.sh --precision int8: $(tr '\n' ';' < "$T/out")"
else
	bad "classify.sh --precision int8:"; cat "$T/out"
fi

# ---- the C samples --------------------------------------------------------------------------
if multi-device "$D/cnn.onnx" 64 "$all" > "$T/out" 2>&1 &&
   grep -q "on $ndev device" "$T/out" && grep -q 'group vs one device: max abs error' "$T/out"; then
	ok "multi-device on $ndev device(s): $(tr '\n' ';' < "$T/out")"
else
	bad "multi-device:"; cat "$T/out"
fi
if classify -l "$D/classes.txt" "$D/mlp.onnx" "$D/images/test-0002-trouser.png" > "$T/out" 2>&1 &&
   grep -q 'test-0002-trouser.png: Trouser ([0-9.]*%)$' "$T/out"; then
	ok "classify (C): $(cat "$T/out")"
else
	bad "classify (C):"; cat "$T/out"
fi
if classify -p int8 -c "$D/calibration.npy" -l "$D/classes.txt" "$D/mlp.onnx" \
	"$D/images/test-0002-trouser.png" > "$T/out" 2>&1 &&
   grep -q 'test-0002-trouser.png: Trouser ([0-9.]*%)$' "$T/out"; then
	ok "classify (C) -p int8 -c calibration.npy: $(cat "$T/out")"
else
	bad "classify (C) -p int8:"; cat "$T/out"
fi

# ---- bad arguments -----------------------------------------------------------------------------
printf 'P5\n32 32\n255\n' > "$T/big.pgm"
head -c 1024 /dev/zero >> "$T/big.pgm"
printf 'P5\n28 28\n255\n' > "$T/short.pgm"
head -c 100 /dev/zero >> "$T/short.pgm"
expect_error "classify.sh missing file" classify.sh "$T/no-such.png"
expect_error "classify.sh not an image" classify.sh "$D/classes.txt"
expect_error "classify.sh wrong size" classify.sh "$T/big.pgm"
expect_error "classify.sh truncated PGM" classify.sh "$T/short.pgm"
expect_error "classify.sh unknown model" classify.sh --model resnet test:0
expect_error "classify.sh unknown precision" classify.sh --precision int4 test:0
expect_error "classify (C) int8 without calibration" classify -p int8 "$D/mlp.onnx" "$D/images/test-0002-trouser.png"
expect_error "evaluate.sh unknown precision" evaluate.sh --precision int4
expect_error "classify.sh test:N out of range" classify.sh test:10000
expect_error "classify.sh no image" classify.sh --model cnn
expect_error "evaluate.sh unknown model" evaluate.sh --model resnet
expect_error "evaluate.sh bad --limit" evaluate.sh --limit 12x
expect_error "evaluate.sh too many devices" evaluate.sh --devices 17
expect_error "classify (C) not a model" classify "$D/classes.txt" "$D/images/test-0000-ankle-boot.png"
expect_error "multi-device missing model" multi-device "$T/no-such.onnx" 64 "$all"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
