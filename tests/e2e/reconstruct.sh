# dn-reconstruct with --model and with --dictionary/--lambda, both boundaries and precisions:
# the saved arrays load with NumPy, the features convolved with the dictionary give the saved
# reconstruction, metrics.json's objective is the one recomputed from them and history.csv ends
# there; runs are reproducible bit for bit; a failed run leaves the output directory as it was.
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
      expect_file "$OUT"/{features.npy,reconstruction.npy,signal.npy,reconstruction.png,history.csv,metrics.json,run.ini}
      check reconstruction "$OUT" "$MODEL/model/dictionary.npy" "$boundary"
      # auto (cd here) may meet the model's tolerance before 40 passes.
      grep -Eq '^objective [-+0-9.eE]+ iterations ([1-9]|[1-3][0-9]|40) seconds [0-9.]+$' "$WORK/stdout" ||
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
  for line in "lambda = 0.1" "iterations = 200" "tolerance = 0.0001" "solver = auto" \
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

# With the default planner (estimate) and thread count (all cores), two identical runs and a
# replay of run.ini give the same features bit for bit; run.ini records the thread count used.
SAME=$WORK/same
if expect_ok dn-reconstruct --model "$MODEL" --iterations 40 --out "$SAME" "$IMAGE" &&
  expect_ok dn-reconstruct --model "$MODEL" --iterations 40 --out "$SAME-2" "$IMAGE"; then
  cmp -s "$SAME/features.npy" "$SAME-2/features.npy" || fail "two identical runs differ"
  grep -qxF "planner = estimate" "$SAME/run.ini" || fail "run.ini lacks 'planner = estimate'"
  grep -Eqx 'threads = [1-9][0-9]*' "$SAME/run.ini" ||
    fail "run.ini does not record the thread count used: $(grep threads "$SAME/run.ini")"
  if expect_ok dn-reconstruct --config "$SAME/run.ini" --out "$SAME-replay"; then
    cmp -s "$SAME/features.npy" "$SAME-replay/features.npy" || fail "the replay gave other features"
  fi
fi

# A failed run leaves an existing output directory exactly as it was: here the run cannot put
# metrics.json in place of a directory of that name.
HALF=$WORK/half
cp -r "$SAME" "$HALF" && rm "$HALF/metrics.json" && mkdir "$HALF/metrics.json"
before=$(snapshot "$HALF")
expect_error 1 dn-reconstruct --model "$MODEL" --iterations 5 "${FAST[@]}" --out "$HALF" "$IMAGE"
grep -q "metrics.json is a directory" "$WORK/stderr" || fail "unclear message: $(cat "$WORK/stderr")"
[ "$(snapshot "$HALF")" = "$before" ] || fail "a failed dn-reconstruct changed $HALF"

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
