# dn-reconstruct with --model and with --dictionary/--lambda, both boundaries and precisions:
# the saved arrays load with NumPy, the features convolved with the dictionary give the saved
# reconstruction, and metrics.json's objective is the one recomputed from them.
source "$(dirname "$0")/common.bash"

IMAGE=$DATA/e2e_images/a.png
"$PYTHON" -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[0])" \
  "$DATA/e2e_stack.npy" "$WORK/one.npy" || fail "cannot make a one-image .npy"

MODEL=$WORK/learn
expect_ok dn-learn --filters 4 --filter-size 5 --iterations 10 "${FAST[@]}" --out "$MODEL" \
  "$DATA/e2e_images" || { finish; exit 1; }

for boundary in valid circular; do
  for precision in single double; do
    # With a model: its dictionary, lambda, preprocessing; boundary and precision overridden.
    OUT=$WORK/model_${boundary}_$precision
    if expect_ok dn-reconstruct --model "$MODEL" --boundary "$boundary" --precision "$precision" \
      --iterations 40 "${FAST[@]}" --out "$OUT" "$IMAGE"; then
      expect_file "$OUT"/{features.npy,reconstruction.npy,signal.npy,reconstruction.png,metrics.json,run.ini}
      check reconstruction "$OUT" "$MODEL/model/dictionary.npy" "$boundary"
      grep -Eq '^objective [-+0-9.eE]+ iterations 40 seconds [0-9.]+$' "$WORK/stdout" ||
        fail "unexpected summary line: $(cat "$WORK/stdout")"
    fi
    # With a dictionary and lambda: a .npy input, no preprocessing, a tolerance.
    OUT=$WORK/dict_${boundary}_$precision
    if expect_ok dn-reconstruct --dictionary "$MODEL/dictionary.npy" --lambda 0.05 \
      --boundary "$boundary" --precision "$precision" --preprocess none --solver ista \
      --iterations 30 --tolerance 1e-3 "${FAST[@]}" --out "$OUT" "$WORK/one.npy"; then
      check reconstruction "$OUT" "$MODEL/dictionary.npy" "$boundary"
      grep -q '"lambda": 0.05,' "$OUT/metrics.json" || fail "metrics.json lambda is not 0.05"
    fi
  done
done

# Defaults come from the model (given here as its model/ subdirectory).
OUT=$WORK/defaults
if expect_ok dn-reconstruct --model "$MODEL/model" "${FAST[@]}" --out "$OUT" "$IMAGE"; then
  check reconstruction "$OUT" "$MODEL/model/dictionary.npy" valid
  for line in "lambda = 0.1" "iterations = 200" "tolerance = 0.0001" "solver = fista" \
    "preprocess = highpass" "precision = single"; do
    grep -qxF "$line" "$OUT/run.ini" || fail "run.ini lacks the model's '$line'"
  done
  # run.ini replays the run.
  objective=$(cut -d' ' -f1-2 "$WORK/stdout")
  if expect_ok dn-reconstruct --config "$OUT/run.ini" --out "$WORK/replay"; then
    cmp -s "$OUT/features.npy" "$WORK/replay/features.npy" || fail "replay gave other features"
    [ "$(cut -d' ' -f1-2 "$WORK/stdout")" = "$objective" ] || fail "replay gave another objective"
  fi
fi

# A colour model: (C, H, W) reconstructions, colour read from the model.
COLOUR=$WORK/learn_colour
if expect_ok dn-learn --colour --filters 3 --filter-size 4 --iterations 3 "${FAST[@]}" \
  --out "$COLOUR" "$DATA/e2e_images"; then
  for boundary in valid circular; do
    OUT=$WORK/colour_$boundary
    if expect_ok dn-reconstruct --model "$COLOUR" --boundary "$boundary" --iterations 20 \
      "${FAST[@]}" --out "$OUT" "$IMAGE"; then
      check reconstruction "$OUT" "$COLOUR/model/dictionary.npy" "$boundary"
      "$PYTHON" -c "import numpy as np, sys; sys.exit(int(np.load(sys.argv[1]).shape != (3, 24, 24)))" \
        "$OUT/reconstruction.npy" || fail "colour reconstruction is not (3, 24, 24)"
    fi
  done
fi

finish
