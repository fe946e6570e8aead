# Bad inputs: one clear line on stderr, exit 2 for usage errors and 1 for the rest, never a
# signal or a hang, and no output directory left behind.
source "$(dirname "$0")/common.bash"

IMAGES=$DATA/e2e_images
IMAGE=$IMAGES/a.png
OUT=$WORK/out
BAD=$WORK/bad
mkdir -p "$BAD/empty"
"$PYTHON" - "$BAD" "$DATA/e2e_stack.npy" <<'PY' || fail "cannot make the bad inputs"
import sys
import numpy as np
bad, stack = sys.argv[1], sys.argv[2]
open(f"{bad}/corrupt.png", "wb").write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
open(f"{bad}/text.png", "w").write("not an image\n")
open(f"{bad}/truncated.npy", "wb").write(open(stack, "rb").read()[:300])
a = np.load(stack)
a[0, 3, 4] = np.nan
np.save(f"{bad}/nan.npy", a)
np.save(f"{bad}/int.npy", np.arange(400, dtype=np.int64).reshape(20, 20))
np.save(f"{bad}/rank1.npy", np.zeros(20))
np.save(f"{bad}/rank5.npy", np.zeros((1, 1, 1, 4, 4)))
np.save(f"{bad}/tiny.npy", np.random.default_rng(1).random((4, 4)))
np.save(f"{bad}/colour_dict.npy", np.random.default_rng(2).random((2, 3, 3, 3)))
np.save(f"{bad}/zeros.npy", np.zeros((2, 5, 5)))
np.save(f"{bad}/huge.npy", np.random.default_rng(3).random((20, 20)) * 1e300)  # beyond float
PY
printf 'filters = 4\nbogus = 1\n' >"$BAD/unknown.ini"
MODEL_INIT=$BAD/init.npy  # two constant 5x5 filters
"$PYTHON" -c "import numpy as np, sys; np.save(sys.argv[1], np.ones((2, 5, 5)))" "$MODEL_INIT"
printf 'filters = many\n' >"$BAD/badvalue.ini"

LEARN=(dn-learn --filters 2 --filter-size 3 --iterations 2 "${FAST[@]}")

echo "== dn-learn: files and data (exit 1)"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/missing.png"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/corrupt.png"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/text.png"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/truncated.npy"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/nan.npy"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/int.npy"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/rank1.npy"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/rank5.npy"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$BAD/empty"
expect_error 1 "${LEARN[@]}" --out "$OUT" "$IMAGES" "$BAD/corrupt.png"
expect_error 1 "${LEARN[@]}" --init "$BAD/missing.npy" --out "$OUT" "$IMAGES"
expect_error 1 "${LEARN[@]}" --init "$BAD/rank1.npy" --out "$OUT" "$IMAGES"
expect_error 1 "${LEARN[@]}" --init "$BAD/colour_dict.npy" --out "$OUT" "$IMAGES"
expect_error 1 "${LEARN[@]}" --config "$BAD/missing.ini" --out "$OUT" "$IMAGES"
expect_error 1 "${LEARN[@]}" --out "$IMAGE" "$IMAGES"  # --out is an existing file
expect_error 1 dn-learn --filters 10000000000000 --iterations 1 "${FAST[@]}" --out "$OUT/sub" "$IMAGES"
grep -q "out of memory" "$WORK/stderr" || fail "no 'out of memory' message"
# expect_message FRAGMENT: the last error names the problem.
expect_message() {
  grep -qF -- "$1" "$WORK/stderr" || fail "the message lacks '$1': $(cat "$WORK/stderr")"
}
expect_error 1 "${LEARN[@]}" --preprocess none --out "$OUT" "$BAD/huge.npy"
expect_message "beyond single precision's range (3.4e+38); use --precision double"
expect_error 1 dn-learn --init "$BAD/zeros.npy" --iterations 2 "${FAST[@]}" --out "$OUT" "$IMAGES"
expect_message "--init $BAD/zeros.npy: every filter is zero"
expect_error 1 dn-learn --init "$MODEL_INIT" --zero-mean --iterations 2 "${FAST[@]}" --out "$OUT" "$IMAGES"
expect_message "--init $MODEL_INIT: every filter is zero after projection"
expect_error 1 "${LEARN[@]}" --init "$BAD/colour_dict.npy" --colour --out "$OUT" "$BAD/tiny.npy"
grep -q "use --colour" "$WORK/stderr" && fail "suggests --colour although it was given"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"

echo "== dn-learn: usage (exit 2)"
expect_error 2 dn-learn --filter-size 30 "${FAST[@]}" --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --lambda -0.5 --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --lambda=-0.5 --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --lambda abc --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --lambda nan --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --filters 0 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --filters -3 --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --bogus --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --filt 3 --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --solver newton --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" "$IMAGES"
expect_error 2 "${LEARN[@]}" --out "$OUT"
expect_error 2 "${LEARN[@]}" --boundary diagonal --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --preprocess whiten --out "$OUT" "$IMAGES"
expect_error 2 "${LEARN[@]}" --precision half --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --planner patient --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --filter-size 0 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --filter-size 7y9 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --iterations 0 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --coding-iterations 0 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --dictionary-method admm --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --threads -1 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --threads 100000 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --seed -1 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --highpass-lambda 0 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --lcn-sigma -1 --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --config "$BAD/unknown.ini" --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --config "$BAD/badvalue.ini" --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --init "$MODEL_INIT" --filters 3 "${FAST[@]}" --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --init "$MODEL_INIT" --filter-size 4 "${FAST[@]}" --out "$OUT" "$IMAGES"
expect_error 2 dn-learn --filters 2 --filter-size 3 --iterations 2 "${FAST[@]}" --out "$OUT" "$IMAGES" --filters 3
expect_error 2 dn-learn --zero-mean --filter-size 1 --out "$OUT" "$IMAGES"
expect_message "--zero-mean needs filters larger than 1x1"
expect_error 2 dn-learn --zero-mean=maybe --out "$OUT" "$IMAGES"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"

MODEL=$WORK/model
expect_ok dn-learn --filters 2 --filter-size 5 --iterations 2 "${FAST[@]}" --out "$MODEL" "$IMAGES"
cp -r "$MODEL/model" "$BAD/v7" && sed -i 's/^format_version = 3$/format_version = 7/' "$BAD/v7/manifest.ini"
cp -r "$MODEL/model" "$BAD/nodict" && rm "$BAD/nodict/dictionary.npy"
cp -r "$MODEL/model" "$BAD/badlambda" && sed -i 's/^lambda = .*/lambda = -1/' "$BAD/badlambda/manifest.ini"
cp -r "$MODEL/model" "$BAD/zeromodel" && cp "$BAD/zeros.npy" "$BAD/zeromodel/dictionary.npy"

RECON=(dn-reconstruct --iterations 5 "${FAST[@]}")
echo "== dn-reconstruct: files and data (exit 1)"
expect_error 1 "${RECON[@]}" --model "$BAD/missing_model" --out "$OUT" "$IMAGE"
expect_error 1 "${RECON[@]}" --model "$BAD/empty" --out "$OUT" "$IMAGE"
expect_error 1 "${RECON[@]}" --model "$BAD/v7" --out "$OUT" "$IMAGE"
grep -q "model format version 7 is not supported (this build reads 1 to 3)" "$WORK/stderr" ||
  fail "unclear message for format version 7"
expect_error 1 "${RECON[@]}" --model "$BAD/nodict" --out "$OUT" "$IMAGE"
expect_error 1 "${RECON[@]}" --model "$BAD/badlambda" --out "$OUT" "$IMAGE"
expect_error 1 "${RECON[@]}" --model "$BAD/zeromodel" --out "$OUT" "$IMAGE"
expect_message "dictionary.npy: every filter is zero"
expect_error 1 "${RECON[@]}" --dictionary "$BAD/zeros.npy" --lambda 0.1 --out "$OUT" "$IMAGE"
expect_message "--dictionary $BAD/zeros.npy: every filter is zero"
expect_error 1 "${RECON[@]}" --model "$MODEL" --preprocess none --out "$OUT" "$BAD/huge.npy"
expect_message "beyond single precision's range (3.4e+38); use --precision double"
expect_error 1 "${RECON[@]}" --dictionary "$BAD/colour_dict.npy" --lambda 0.1 --colour --out "$OUT" "$BAD/tiny.npy"
grep -q "use --colour" "$WORK/stderr" && fail "suggests --colour although it was given"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/missing.png"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/corrupt.png"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/truncated.npy"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/nan.npy"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/int.npy"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$DATA/e2e_stack.npy"
expect_error 1 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$BAD/tiny.npy"
expect_error 1 "${RECON[@]}" --dictionary "$BAD/colour_dict.npy" --lambda 0.1 --out "$OUT" "$IMAGE"
expect_message "(use --colour?)"
expect_error 1 "${RECON[@]}" --dictionary "$BAD/missing.npy" --lambda 0.1 --out "$OUT" "$IMAGE"
expect_error 1 "${RECON[@]}" --dictionary "$BAD/truncated.npy" --lambda 0.1 --out "$OUT" "$IMAGE"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"

echo "== dn-reconstruct: usage (exit 2)"
expect_error 2 "${RECON[@]}" --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --dictionary "$MODEL/dictionary.npy" --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --dictionary "$MODEL/dictionary.npy" --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --out "$OUT"
expect_error 2 "${RECON[@]}" --model "$MODEL" --out "$OUT" "$IMAGE" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --lambda -1 --out "$OUT" "$IMAGE"
expect_error 2 dn-reconstruct --model "$MODEL" --iterations 0 --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --tolerance -1 --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --solver newton --out "$OUT" "$IMAGE"
expect_error 2 "${RECON[@]}" --model "$MODEL" --bogus --out "$OUT" "$IMAGE"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"

echo "== dn-inspect"
expect_error 1 dn-inspect --model "$BAD/missing_model" --out "$WORK/f.png"
expect_error 1 dn-inspect --model "$MODEL" --out "$WORK/f.png" --image "$BAD/corrupt.png" --maps "$WORK/m.png"
expect_error 1 dn-inspect --model "$MODEL" --out "$WORK/f.png" --image "$IMAGE" --maps "$BAD/missing/m.png"
expect_error 1 dn-inspect --model "$MODEL" --out "$BAD/missing/f.png"
expect_error 1 dn-inspect --model "$MODEL" --out "$WORK/f.png" --image "$BAD/huge.npy" --maps "$WORK/m.png"
expect_message "beyond single precision's range"
expect_error 2 dn-inspect --model "$MODEL" --out "$WORK/f.png" --image "$IMAGE" --maps "$WORK/f.png"
[ -e "$WORK/f.png" ] || [ -e "$WORK/m.png" ] && fail "a failed dn-inspect wrote an image"
expect_error 2 dn-inspect --model "$MODEL" --out "$WORK/f.png" --image "$IMAGE"
expect_error 2 dn-inspect --model "$MODEL" --out "$WORK/f.png" --maps "$WORK/m.png"
expect_error 2 dn-inspect --model "$MODEL"
expect_error 2 dn-inspect --out "$WORK/f.png"
expect_error 2 dn-inspect --model "$MODEL" --out "$WORK/f.png" --bogus
expect_error 2 dn-inspect --model "$MODEL" --out "$WORK/f.png" --iterations 0 --image "$IMAGE" --maps "$WORK/m.png"

finish
