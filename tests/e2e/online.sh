# dn-learn --learner online: images of several sizes each learned from at its own size (image
# files, .npy arrays, a .txt list), random crops, both update rules, small checkpoints, run.ini
# replaying the run bit for bit, and bad settings refused with one line, exit 2, nothing written.
source "$(dirname "$0")/common.bash"

# Four images of three sizes: the two PNGs (24x24), a 30x26 and a 20x34 array.
"$PYTHON" - "$WORK" <<'EOF'
import sys
import numpy as np
rng = np.random.default_rng(11)
np.save(f"{sys.argv[1]}/wide.npy", rng.random((20, 34)))
np.save(f"{sys.argv[1]}/tall.npy", rng.random((30, 26)))
EOF
printf '# training set\n%s\n%s\n\n%s\n' "$DATA/e2e_images/a.png" "$DATA/e2e_images/b.png" \
  "$WORK/wide.npy" >"$WORK/list.txt"
INPUTS=("$DATA/e2e_images" "$WORK/wide.npy" "$WORK/tall.npy")
ONLINE=(--learner online --batch-size 2 --filters 4 --filter-size 5 --iterations 6 "${FAST[@]}")

for update in surrogate sgd; do
  OUT=$WORK/online_$update
  if expect_ok dn-learn "${ONLINE[@]}" --update "$update" --out "$OUT" "${INPUTS[@]}"; then
    expect_file "$OUT"/{dictionary.npy,history.csv,filters.png,run.ini} "$OUT"/model/manifest.ini
    check learn "$OUT" 4 1 5 5 single 6
    grep -q "centre-cropped" "$WORK/stderr" && fail "online learning cropped the images"
    for line in "learner = online" "batch-size = 2" "update = $update"; do
      grep -qxF "$line" "$OUT/run.ini" || fail "run.ini lacks '$line'"
    done
    # A checkpoint holds the dictionary and the statistics: kilobytes here, no maps.
    size=$(du -sk "$OUT/checkpoints" | cut -f1)
    [ "$size" -lt 200 ] || fail "online checkpoints take $size KB"
    if expect_ok dn-learn --config "$OUT/run.ini" --out "$WORK/replay_$update"; then
      cmp -s "$OUT/dictionary.npy" "$WORK/replay_$update/dictionary.npy" ||
        fail "--config run.ini did not replay the online run ($update)"
    fi
  fi
done

# Crops, and a .txt list of inputs.
if expect_ok dn-learn "${ONLINE[@]}" --crop 16x12 --out "$WORK/crop" "${INPUTS[@]}"; then
  check learn "$WORK/crop" 4 1 5 5 single 6
fi
if expect_ok dn-learn "${ONLINE[@]}" --out "$WORK/list" "$WORK/list.txt"; then
  check learn "$WORK/list" 4 1 5 5 single 6
fi

# Bad settings: one line, exit 2, --out untouched.
mkdir -p "$WORK/untouched"
before=$(snapshot "$WORK/untouched")
expect_error 2 dn-learn "${ONLINE[@]}" --batch-size 5 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --crop 25x25 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --crop 4x4 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --forgetting 0 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --eta-a -1 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --update adam --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --batch-size x --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --learner stochastic --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --layers 2 --out "$WORK/untouched" "${INPUTS[@]}"
[ "$(snapshot "$WORK/untouched")" = "$before" ] || fail "a refused run wrote into --out"
mkdir -p "$WORK/empty"
expect_error 1 dn-learn "${ONLINE[@]}" --out "$WORK/untouched" "$WORK/empty"
finish
