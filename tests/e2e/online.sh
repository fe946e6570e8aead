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
np.save(f"{sys.argv[1]}/held_out.npy", rng.random((2, 22, 18)))
np.save(f"{sys.argv[1]}/colour.npy", rng.random((3, 22, 18)))
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

# Held-out monitoring: test_objective every 4 iterations and after the last, empty elsewhere.
if expect_ok dn-learn "${ONLINE[@]}" --test "$WORK/held_out.npy" --test-every 4 \
  --test-iterations 10 --out "$WORK/test" "${INPUTS[@]}"; then
  "$PYTHON" - "$WORK/test/history.csv" <<'EOF' || fail "test_objective column"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
given = [r["iteration"] for r in rows if r["test_objective"] != ""]
assert given == ["4", "6"], given
assert all(math.isfinite(float(r["test_objective"])) and float(r["test_objective"]) > 0
           for r in rows if r["test_objective"] != "")
EOF
  grep -qxF "test = $WORK/held_out.npy" "$WORK/test/run.ini" || fail "run.ini lacks the test set"
  grep -q "test [0-9]" "$WORK/stderr" || fail "the progress lines lack the test objective"
  # plot_history.py draws the held-out panel from the column's non-empty cells.
  if "$PYTHON" -c "import matplotlib" 2>/dev/null; then
    "$PYTHON" "$HERE/../../scripts/plot_history.py" "$WORK/test/history.csv" \
      "$WORK/list/history.csv" "$WORK/test.png" >/dev/null 2>"$WORK/plot.err" ||
      fail "plot_history.py failed: $(cat "$WORK/plot.err")"
    "$PYTHON" - "$WORK/test.png" <<'EOF' || fail "plot_history.py: no held-out panel"
import sys
import matplotlib.image
height, width = matplotlib.image.imread(sys.argv[1]).shape[:2]
assert width == 2000, width  # four panels of 5 inches at 100 dpi (three: 1500)
EOF
  else
    fail "matplotlib is missing (scripts/install-deps installs python3-matplotlib)"
  fi
fi

# Bad settings: one line, exit 2, --out untouched.
mkdir -p "$WORK/untouched"
before=$(snapshot "$WORK/untouched")
# (BASE: the online settings without --learner and --batch-size, which the first cases vary.)
BASE=(--filters 4 --filter-size 5 --iterations 6 "${FAST[@]}")
expect_error 2 dn-learn "${BASE[@]}" --learner online --batch-size 5 --out "$WORK/untouched" \
  "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --crop 25x25 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --crop 4x4 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --forgetting 0 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --eta-a -1 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --update adam --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${BASE[@]}" --learner online --batch-size x --out "$WORK/untouched" \
  "${INPUTS[@]}"
expect_error 2 dn-learn "${BASE[@]}" --learner stochastic --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --layers 2 --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 2 dn-learn "${ONLINE[@]}" --test "$WORK/colour.npy" --colour --out "$WORK/untouched" \
  "$WORK/wide.npy"
expect_error 2 dn-learn "${ONLINE[@]}" --test "$WORK/held_out.npy" --test-every 0 \
  --out "$WORK/untouched" "${INPUTS[@]}"
expect_error 1 dn-learn "${ONLINE[@]}" --test "$WORK/missing.npy" --out "$WORK/untouched" \
  "${INPUTS[@]}"
[ "$(snapshot "$WORK/untouched")" = "$before" ] || fail "a refused run wrote into --out"
mkdir -p "$WORK/empty"
expect_error 1 dn-learn "${ONLINE[@]}" --out "$WORK/untouched" "$WORK/empty"
finish
