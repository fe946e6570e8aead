# dn-bench on a tiny problem: every benchmark runs and writes well-formed tables (results.json,
# the CSV files and run.ini agree with each other and with the options); bad options are usage
# errors. No timing is asserted.
source "$(dirname "$0")/common.bash"

"$PYTHON" - "$DATA/e2e_stack.npy" "$WORK" <<'PY' || fail "cannot make the inputs"
import sys
import numpy as np
stack = np.load(sys.argv[1])
np.save(sys.argv[2] + "/image.npy", stack[0])
np.save(sys.argv[2] + "/held.npy", stack[-1])
rng = np.random.default_rng(5)
d = rng.standard_normal((4, 5, 5))
np.save(sys.argv[2] + "/dictionary.npy", d / np.sqrt((d ** 2).sum(axis=(1, 2), keepdims=True)))
PY

OUT=$WORK/bench
if expect_ok dn-bench --out "$OUT" --repeats 2 "${FAST[@]}" \
  --coding-image "$WORK/image.npy" --coding-dictionary "$WORK/dictionary.npy" \
  --coding-lambda 0.1 --coding-precisions single,double --coding-iterations 300 \
  --coding-solvers auto,cd,fista,admm \
  --coding-reference-iterations 500 --fft-iterations 5 \
  --learning-images "$DATA/e2e_stack.npy" --learning-filters 3 --learning-filter-size 4 \
  --learning-iterations 6 --learning-target 1e9 \
  --scaling-image "$DATA/e2e_images/a.png" --scaling-sizes 16,24 --scaling-filters 2,3 \
  --scaling-iterations 2; then
  expect_file "$OUT"/{results.json,run.ini,coding.csv,coding_history.csv,fft.csv,synthesis.csv,learning.csv,learning_history.csv,scaling.csv}
  check bench "$OUT" 4 2 4 6
  grep -q "^Sparse coding: 20x20 image, 4 filters of 5x5" "$WORK/stdout" ||
    fail "no coding table header on stdout: $(cat "$WORK/stdout")"
  grep -q "as dn-learn --filters 3 --filter-size 4x4 .* --solver auto --coding-iterations 1 " \
    "$WORK/stdout" || fail "no equivalent dn-learn command on stdout"
  # run.ini replays the run (one benchmark is enough).
  expect_ok dn-bench --config "$OUT/run.ini" --run fft --out "$WORK/replay" &&
    expect_file "$WORK/replay"/{results.json,fft.csv,run.ini}
fi

# Batch against online on held-out images: one history per learner with the test objective.
OUT=$WORK/learners
if expect_ok dn-bench --out "$OUT" --run learning --repeats 1 "${FAST[@]}" \
  --learning-images "$DATA/e2e_stack.npy" --learning-filters 3 --learning-filter-size 4 \
  --learning-iterations 3 --learning-learner both --learning-batch-size 2 \
  --learning-test "$WORK/held.npy" --learning-test-iterations 10; then
  for learner in batch online; do
    expect_file "$OUT/learning_${learner}_history.csv"
    [ "$(head -1 "$OUT/learning_${learner}_history.csv")" = "iteration,seconds,objective,test_objective" ] ||
      fail "learning_${learner}_history.csv has the header $(head -1 "$OUT/learning_${learner}_history.csv")"
    [ "$(wc -l <"$OUT/learning_${learner}_history.csv")" -eq 4 ] ||
      fail "learning_${learner}_history.csv does not have 3 iterations"
    awk -F, 'NR > 1 && $4 == "" { exit 1 }' "$OUT/learning_${learner}_history.csv" ||
      fail "learning_${learner}_history.csv lacks a test objective"
  done
  grep -q "lowest test objective" "$WORK/stdout" || fail "no learner comparison on stdout"
fi
# The default writes no per-learner histories (checked above by the file list of --run fft);
# both without held-out images is refused.
expect_error 2 dn-bench --out "$WORK/bad" "${FAST[@]}" --run learning \
  --learning-images "$DATA/e2e_stack.npy" --learning-learner both

# Only some benchmarks: the others' files are not written, their inputs not needed.
OUT=$WORK/fft_only
if expect_ok dn-bench --out "$OUT" --run fft --repeats 1 "${FAST[@]}" \
  --coding-image "$WORK/image.npy" --coding-dictionary "$WORK/dictionary.npy" \
  --coding-solvers fista --fft-iterations 3; then
  [ "$(ls "$OUT" | LC_ALL=C sort | tr '\n' ' ')" = "fft.csv results.json run.ini " ] ||
    fail "--run fft wrote $(ls "$OUT" | tr '\n' ' ')"
fi

# An FFTW wisdom cache: written by a run, read by the next; any other file is refused.
WISDOM=$WORK/wisdom.txt
FFT_ONLY=(--run fft --repeats 1 --threads 2 --planner measure --coding-solvers fista
  --fft-iterations 2 --coding-image "$WORK/image.npy" --coding-dictionary "$WORK/dictionary.npy")
if expect_ok dn-bench --out "$WORK/wisdom1" "${FFT_ONLY[@]}" --fftw-wisdom "$WISDOM"; then
  [ "$(head -1 "$WISDOM")" = "# deconvnet FFTW wisdom 1 (double, then single precision)" ] ||
    fail "the wisdom file does not start with its header"
  grep -qx "# single precision" "$WISDOM" || fail "the wisdom file has no single-precision part"
  expect_ok dn-bench --out "$WORK/wisdom2" "${FFT_ONLY[@]}" --fftw-wisdom "$WISDOM"
fi
echo "not wisdom" >"$WORK/junk.txt"
expect_error 1 dn-bench --out "$WORK/bad" "${FFT_ONLY[@]}" --fftw-wisdom "$WORK/junk.txt"

COMMON=(--out "$WORK/bad" "${FAST[@]}" --coding-image "$WORK/image.npy" --coding-dictionary "$WORK/dictionary.npy")
expect_error 2 dn-bench "${COMMON[@]}" --run coding,speed
expect_error 2 dn-bench "${COMMON[@]}" --run coding --coding-solvers newton
expect_error 2 dn-bench "${COMMON[@]}" --run coding --coding-precisions half
expect_error 2 dn-bench "${COMMON[@]}" --run coding --coding-reference -3
expect_error 2 dn-bench "${COMMON[@]}" --run synthesis --synthesis-densities 0.1,0
expect_error 2 dn-bench "${COMMON[@]}" --run synthesis --synthesis-densities 0.1,x
expect_error 2 dn-bench "${COMMON[@]}" --run learning
expect_error 2 dn-bench "${COMMON[@]}" --run scaling --scaling-image "$DATA/e2e_images/a.png" --scaling-sizes 16,0
expect_error 2 dn-bench --out "$WORK/bad" "${FAST[@]}" --run coding
expect_error 2 dn-bench "${COMMON[@]}" --run coding --repeats 0
expect_error 1 dn-bench --out "$WORK/bad" "${FAST[@]}" --run coding --coding-image "$WORK/missing.npy" --coding-dictionary "$WORK/dictionary.npy"
[ -e "$WORK/bad" ] && fail "failed runs left $WORK/bad behind"

finish
