# dn-learn on tiny inputs: every output is written and consistent, the objective decreases,
# run.ini replays the run exactly, the input forms and options work, and a failed run leaves the
# output directory as it was.
source "$(dirname "$0")/common.bash"
umask 022

TINY=(--filters 4 --filter-size 5 "${FAST[@]}")

# A directory of PNGs, default settings otherwise (valid boundary, highpass, single).
OUT=$WORK/learn
if expect_ok dn-learn "${TINY[@]}" --iterations 15 --out "$OUT" "$DATA/e2e_images"; then
  expect_file "$OUT"/{dictionary.npy,history.csv,filters.png,run.ini} \
    "$OUT"/model/{manifest.ini,dictionary.npy}
  check learn "$OUT" 4 1 5 5 single 15
  grep -Eq '^objective [-+0-9.eE]+$' "$WORK/stdout" || fail "no objective line: $(cat "$WORK/stdout")"
  final=$(sed -n 's/^objective //p' "$WORK/stdout")
  last=$(tail -n 1 "$OUT/history.csv" | cut -d, -f4)
  "$PYTHON" -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 1e-9 * abs(b))" \
    "$final" "$last" || fail "printed objective $final differs from history.csv's $last"
  for line in "seed = 1" "filters = 4" "filter-size = 5x5" "lambda = 0.1" "precision = single" \
    "planner = estimate" "zero-mean = false" "colour = false" "input = $DATA/e2e_images"; do
    grep -qxF "$line" "$OUT/run.ini" || fail "run.ini lacks '$line'"
  done
  # model/ is as readable as a directory made by mkdir (mkdtemp alone gives 0700).
  mode=$(stat -c %a "$OUT/model")
  [ "$mode" = 755 ] || fail "model/ has mode $mode under umask 022, not 755"

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

# run.ini records the thread count used, not 0 ("all cores"), so that a replay elsewhere uses it.
if expect_ok dn-learn --filters 2 --filter-size 3 --iterations 2 --planner estimate \
  --out "$WORK/threads" "$DATA/e2e_images"; then
  grep -Eqx 'threads = [1-9][0-9]*' "$WORK/threads/run.ini" ||
    fail "run.ini does not record the thread count used: $(grep threads "$WORK/threads/run.ini")"
fi

# On/off options: --key=false (also no, off, 0) overrides a config file's true, a bare --key means
# true (also before an input), and run.ini records true or false and replays them.
printf 'zero-mean = true\ncolour = true\nverbose = true\n' >"$WORK/on.ini"
SMALL=(--filters 2 --filter-size 3 --iterations 2 "${FAST[@]}")
if expect_ok dn-learn --config "$WORK/on.ini" --zero-mean=false --colour=no --verbose=off \
  "${SMALL[@]}" --out "$WORK/off" "$DATA/e2e_images"; then
  for line in "zero-mean = false" "colour = false" "verbose = false"; do
    grep -qxF "$line" "$WORK/off/run.ini" || fail "run.ini lacks '$line'"
  done
  grep -qxF "zero_mean = false" "$WORK/off/model/manifest.ini" || fail "--zero-mean=false ignored"
  check learn "$WORK/off" 2 1 3 3 single 2
  if expect_ok dn-learn --config "$WORK/off/run.ini" --out "$WORK/off_replay"; then
    cmp -s "$WORK/off/dictionary.npy" "$WORK/off_replay/dictionary.npy" ||
      fail "run.ini with on/off options did not replay the same dictionary"
  fi
  if expect_ok dn-learn --config "$WORK/off/run.ini" --zero-mean --colour "$DATA/e2e_images/a.png" \
    --out "$WORK/on"; then
    for line in "zero-mean = true" "colour = true" "input = $DATA/e2e_images/a.png"; do
      grep -qxF "$line" "$WORK/on/run.ini" || fail "run.ini lacks '$line'"
    done
    check learn "$WORK/on" 2 3 3 3 single 2
  fi
fi

# A failed run leaves an existing output directory exactly as it was: here the run cannot put
# filters.png in place of a directory of that name.
HALF=$WORK/half
cp -r "$OUT" "$HALF" && rm "$HALF/filters.png" && mkdir "$HALF/filters.png"
before=$(snapshot "$HALF")
expect_error 1 dn-learn "${TINY[@]}" --iterations 2 --force --out "$HALF" "$DATA/e2e_images"
grep -q "filters.png is a directory" "$WORK/stderr" || fail "unclear message: $(cat "$WORK/stderr")"
[ "$(snapshot "$HALF")" = "$before" ] || fail "a failed dn-learn changed $HALF"

# An --out that holds files is refused unless --force (or --resume) is given, and left as it was.
AGAIN=$WORK/again
cp -r "$OUT" "$AGAIN" && touch "$AGAIN/model/stale.txt" "$AGAIN/notes.txt"
before=$(snapshot "$AGAIN")
expect_error 2 dn-learn "${TINY[@]}" --iterations 3 --out "$AGAIN" "$DATA/e2e_images"
grep -q "already holds files; give --force" "$WORK/stderr" || fail "unclear message: $(cat "$WORK/stderr")"
[ "$(snapshot "$AGAIN")" = "$before" ] || fail "a refused dn-learn changed $AGAIN"
# With --force a successful run replaces its outputs (model/ as a whole) and its checkpoints,
# and keeps other files.
if expect_ok dn-learn "${TINY[@]}" --iterations 3 --force --out "$AGAIN" "$DATA/e2e_images"; then
  check learn "$AGAIN" 4 1 5 5 single 3
  [ -e "$AGAIN/model/stale.txt" ] && fail "model/ was not replaced as a whole"
  [ -e "$AGAIN/notes.txt" ] || fail "a run removed a file that is not its output"
  entries=$(LC_ALL=C ls -A "$AGAIN" | tr '\n' ' ')
  [ "$entries" = "checkpoints dictionary.npy filters.png history.csv model notes.txt run.ini " ] ||
    fail "unexpected entries in $AGAIN: $entries"
  entries=$(LC_ALL=C ls -A "$AGAIN/checkpoints" | tr '\n' ' ')
  [ "$entries" = "iteration-000003 " ] || fail "unexpected checkpoints in $AGAIN: $entries"
fi

# The checkpoint cadence: at the start, every N-th iteration or after S seconds, and at the end;
# only the newest is kept.
cadence() {  # cadence EXPECTED OPTIONS...: the iterations of the checkpoints written, in order
  local expected=$1
  shift
  if expect_ok dn-learn "${TINY[@]}" --iterations 5 --verbose "$@" --out "$WORK/cadence" --force \
    "$DATA/e2e_images"; then
    written=$(sed -n 's|.*wrote checkpoint .*/iteration-0*\([0-9][0-9]*\) ([0-9.]* s)$|\1|p' "$WORK/stderr" | tr '\n' ' ')
    [ "$written" = "$expected" ] || fail "$* wrote checkpoints at '$written', expected '$expected'"
    [ "$(ls "$WORK/cadence/checkpoints")" = "iteration-000005" ] || fail "$*: old checkpoints kept"
  fi
}
cadence "0 2 4 5 " --checkpoint-every 2 --checkpoint-seconds 0
cadence "0 5 " --checkpoint-every 0 --checkpoint-seconds 0
cadence "0 1 2 3 4 5 " --checkpoint-every 0 --checkpoint-seconds 1e-9 --checkpoint-share 0
cadence "0 5 " --checkpoint-every 0 --checkpoint-seconds 3600

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
