# dn-learn on tiny inputs: every output is written and consistent, the objective decreases,
# run.ini replays the run exactly, and the input forms and options work.
source "$(dirname "$0")/common.bash"

TINY=(--filters 4 --filter-size 5 "${FAST[@]}")

# A directory of PNGs, default settings otherwise (valid boundary, highpass, single).
OUT=$WORK/learn
if expect_ok dn-learn "${TINY[@]}" --iterations 15 --out "$OUT" "$DATA/e2e_images"; then
  expect_file "$OUT"/{dictionary.npy,history.csv,filters.png,run.ini} \
    "$OUT"/model/{manifest.ini,dictionary.npy}
  check learn "$OUT" 4 1 5 5 single 15
  grep -Eq '^objective [-+0-9.eE]+$' "$WORK/stdout" || fail "no objective line: $(cat "$WORK/stdout")"
  final=$(sed -n 's/^objective //p' "$WORK/stdout")
  last=$(tail -n 1 "$OUT/history.csv" | cut -d, -f3)
  "$PYTHON" -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 1e-9 * abs(b))" \
    "$final" "$last" || fail "printed objective $final differs from history.csv's $last"
  for line in "seed = 1" "filters = 4" "filter-size = 5x5" "lambda = 0.1" "precision = single" \
    "input = $DATA/e2e_images"; do
    grep -qxF "$line" "$OUT/run.ini" || fail "run.ini lacks '$line'"
  done

  # --config run.ini replays the run: the same dictionary, bit for bit.
  if expect_ok dn-learn --config "$OUT/run.ini" --out "$WORK/replay"; then
    cmp -s "$OUT/dictionary.npy" "$WORK/replay/dictionary.npy" ||
      fail "--config run.ini did not replay the same dictionary"
  fi
  # The command line wins over the config file.
  if expect_ok dn-learn --config "$OUT/run.ini" --iterations 3 --out "$WORK/override"; then
    check learn "$WORK/override" 4 1 5 5 single 3
  fi
fi

# A .npy stack in double precision, circular boundary, started from the first dictionary: the
# filter count and size come from --init.
OUT2=$WORK/learn_init
if expect_ok dn-learn --init "$OUT/dictionary.npy" --precision double --boundary circular \
  --iterations 5 --preprocess none "${FAST[@]}" --out "$OUT2" "$DATA/e2e_stack.npy"; then
  check learn "$OUT2" 4 1 5 5 double 5
  grep -qxF "filter-size = 5x5" "$OUT2/run.ini" || fail "run.ini lacks the filter size of --init"
fi

# Colour PNGs, non-square filters, ISTA, projected gradient, zero-mean filters, LCN.
OUT3=$WORK/learn_colour
if expect_ok dn-learn --colour --filters 3 --filter-size 4x3 --iterations 4 --solver ista \
  --dictionary-method pgd --zero-mean --preprocess lcn "${FAST[@]}" --out "$OUT3" \
  "$DATA/e2e_images/a.png" "$DATA/e2e_images/b.png"; then
  check learn "$OUT3" 3 3 4 3 single 4
  "$PYTHON" -c "
import numpy as np, sys
d = np.load(sys.argv[1]).astype(np.float64)
sys.exit(int(np.abs(d.sum(axis=(2, 3))).max() > 1e-5))" "$OUT3/dictionary.npy" ||
    fail "--zero-mean filters do not have zero mean"
fi

# Images of different sizes are centre-cropped to the smallest, with a warning.
if expect_ok dn-learn "${TINY[@]}" --iterations 2 --out "$WORK/learn_mixed" \
  "$DATA/e2e_images" "$DATA/e2e_stack.npy"; then
  grep -q "warning: .*centre-cropped to 20x20" "$WORK/stderr" || fail "no cropping warning"
  check learn "$WORK/learn_mixed" 4 1 5 5 single 2
fi

finish
