# Checkpoints of a multi-layer network: dn-learn of two layers (3-D pooling after layer 1,
# layer 2 in pixel mode; layer-mode layers are covered by tests/test_network.cpp) killed with SIGKILL at random moments and
# resumed each time ends with exactly the dictionaries of an uninterrupted run; SIGINT stops it
# with exit status 130 and the resume command, which finishes it, again bit for bit; per-layer
# iteration counts can extend the layer in training and are refused below what is done. The
# delays come from a printed seed: DN_KILL_SEED=<seed> replays a run.
source "$(dirname "$0")/common.bash"

SEED=${DN_KILL_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
echo "kill seed $SEED (replay with DN_KILL_SEED=$SEED)"
RANDOM=$SEED
KILLS=5
ITER=8  # per layer
LAYERS=2
ARGS=(--layers $LAYERS --filters 4 --filter-size 3 --iterations $ITER --lambda 0.05
  --layer1.pooling 2x2x2 --layer2.inference pixel --layer2.filters 3 "${FAST[@]}")
DICTS=(dictionary.npy layer2_dictionary.npy)
REF=$WORK/reference
RUN=$WORK/run
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# same_dictionaries DIR WHAT: DIR's dictionaries must be the reference's, bit for bit.
same_dictionaries() {
  local name
  for name in "${DICTS[@]}"; do
    cmp -s "$REF/$name" "$1/$name" || { fail "$2: $name differs from the uninterrupted run's"; return 1; }
  done
  echo "ok: $2: every layer's dictionary equals the uninterrupted run's bit for bit"
}

start=$(now_ms)
expect_ok dn-learn "${ARGS[@]}" --checkpoint-every 1 --out "$REF" "$DATA/e2e_images" ||
  { finish; exit 1; }
span=$(( $(now_ms) - start ))
echo "uninterrupted run: $span ms"
check network "$REF" $LAYERS $ITER
[ "$(ls "$REF/checkpoints")" = "layer-$LAYERS-iteration-00000$ITER" ] ||
  fail "unexpected checkpoints: $(ls -A "$REF/checkpoints" | tr '\n' ' ')"

# start_run: a fresh run when there is no checkpoint yet, else a resume; its pid in PID.
start_run() {
  if [ -n "$(latest)" ]; then
    "$BIN/dn-learn" --resume "$RUN" >"$WORK/stdout" 2>"$WORK/stderr" &
  else
    "$BIN/dn-learn" "${ARGS[@]}" --checkpoint-every 1 --force --out "$RUN" "$DATA/e2e_images" \
      >"$WORK/stdout" 2>"$WORK/stderr" &
  fi
  PID=$!
}
# latest: the newest complete checkpoint as a count of iterations over all layers, or nothing.
latest() {
  local name layer iteration
  name=$(ls "$RUN/checkpoints" 2>/dev/null | grep '^layer-[0-9]*-iteration-[0-9]*$' |
    sort -t- -k2,2n -k4,4n | tail -n 1)
  [ -z "$name" ] && return
  layer=$(echo "$name" | cut -d- -f2)
  iteration=$(echo "$name" | cut -d- -f4)
  echo $(( (layer - 1) * ITER + 10#$iteration ))
}
sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }
# kill_run REASON: kills the run with SIGKILL. Returns 2 when the run had ended by itself
# (training takes milliseconds per iteration here, so load can make a run finish within the
# delay); any other ending fails.
kill_run() {
  kill -KILL "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  local status=$?
  [ $status -eq 0 ] && return 2
  if [ $status -ne 137 ]; then
    fail "the run ended with $status before kill $((kills + 1)) ($1): $(cat "$WORK/stderr")"
    finish
    exit 1
  fi
  kills=$((kills + 1))
  echo "kill $kills $1: the newest checkpoint is $(ls "$RUN/checkpoints" 2>/dev/null | tr '\n' ' ')"
  # Outputs are written after the last checkpoint, each to a staging name and then renamed: a
  # kill may leave model/ only when training had ended, and then complete.
  if [ -e "$RUN/model" ]; then
    if [ "$(latest)" != $((LAYERS * ITER)) ]; then
      fail "kill $kills left $RUN/model before training ended"
    elif ! diff -r "$REF/model" "$RUN/model" >/dev/null; then
      fail "kill $kills left a model/ that differs from the uninterrupted run's"
    else
      echo "kill $kills came after training had ended; model/ is complete"
    fi
  fi
}

# kill_after TARGET BOUND: starts the run (a resume once there is a checkpoint), waits for the
# checkpoint of iteration TARGET over all layers, then kills it after a random delay below BOUND
# ms. A run that finishes within the delay is put back as it was and tried again with half the
# bound, at most six times.
kill_after() {
  local target=$1 bound=$2 attempt current delay
  rm -rf "$WORK/before"
  [ -e "$RUN" ] && cp -a "$RUN" "$WORK/before"
  for attempt in 1 2 3 4 5 6; do
    start_run
    for _ in $(seq 1 2000); do  # at most about 20 s
      current=$(latest)
      [ "${current:-0}" -ge "$target" ] && break
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.01
    done
    delay=$(( RANDOM % bound ))
    sleep_ms $delay
    kill_run "${delay} ms after iteration $target of all layers" && return
    echo "the run finished within $delay ms, before kill $((kills + 1)); again with a shorter delay"
    rm -rf "$RUN"
    [ -e "$WORK/before" ] && cp -a "$WORK/before" "$RUN"
    bound=$(( bound / 2 + 1 ))
  done
  fail "six runs in a row finished before kill $((kills + 1))"
  finish
  exit 1
}

# Kill 1 anywhere in the start; the others at random moments after checkpoints further and
# further on: three in layer 1 (at most 2 iterations apart), the last in layer 2.
kills=0
kill_after 0 80
target=0
iteration_ms=$(( span / (LAYERS * ITER) + 1 ))
while [ $kills -lt $KILLS ]; do
  if [ $kills -lt $((KILLS - 1)) ]; then
    target=$(( target + 1 + RANDOM % 2 ))
  else
    target=$(( ITER + 1 + RANDOM % 3 ))  # 2 iterations or more before the end
  fi
  kill_after $target $(( 2 * iteration_ms ))
done
if expect_ok dn-learn --resume "$RUN"; then
  same_dictionaries "$RUN" "after $kills kills"
  check network "$RUN" $LAYERS $ITER
  cmp -s <(cut -d, -f1,2,4- "$REF/history.csv") <(cut -d, -f1,2,4- "$RUN/history.csv") ||
    fail "history.csv (all but seconds) differs from the uninterrupted run's"
  ls -A "$RUN" | grep -q '^\.dn-staging' && fail "staging directories of killed runs remain"
fi

echo "== SIGINT"
INT=$WORK/int
"$BIN/dn-learn" "${ARGS[@]}" --checkpoint-every 0 --checkpoint-seconds 0 --out "$INT" \
  "$DATA/e2e_images" >"$WORK/stdout" 2>"$WORK/stderr.raw" &
PID=$!
for _ in $(seq 1 2000); do
  [ -d "$INT/checkpoints/layer-2-iteration-000000" ] && break
  kill -0 $PID 2>/dev/null || break
  sleep 0.01
done
kill -INT $PID
wait $PID
status=$?
grep -v 'iteration [0-9]*/[0-9]*' "$WORK/stderr.raw" >"$WORK/stderr"
echo "INT: exit $status: $(cat "$WORK/stderr")"
[ $status -eq 130 ] || fail "SIGINT: exit status $status, expected 130"
grep -Eq "^dn-learn: stopped by SIGINT after layer 2 iteration [0-9]+ of $ITER; checkpoint .*; resume with: " \
  "$WORK/stderr" || fail "SIGINT: unexpected message"
[ "$(ls "$INT/checkpoints" | wc -l)" -eq 1 ] || fail "SIGINT: not one checkpoint kept"
[ -e "$INT/model" ] && fail "SIGINT: a stopped run wrote model/"
command=$(sed -n 's/.*; resume with: //p' "$WORK/stderr")
if eval "$command" >"$WORK/stdout" 2>"$WORK/stderr"; then
  same_dictionaries "$INT" "after SIGINT and resume"
else
  fail "SIGINT: the printed resume command failed: $(cat "$WORK/stderr")"
fi

echo "== per-layer iterations on resuming"
expect_error 2 dn-learn --resume "$RUN" --layer2.iterations $((ITER - 1))
expect_error 2 dn-learn --resume "$RUN" --layer1.iterations $((ITER + 1))
expect_error 2 dn-learn --resume "$RUN" --iterations $((ITER + 1))
if expect_ok dn-learn --resume "$RUN" --layer2.iterations $((ITER + 2)); then
  rows=$(grep -c '^2,' "$RUN/history.csv")
  [ "$rows" -eq $((ITER + 2)) ] || fail "extended layer 2 has $rows rows, not $((ITER + 2))"
  cmp -s "$REF/dictionary.npy" "$RUN/dictionary.npy" || fail "extending layer 2 changed layer 1"
  cmp -s "$REF/layer2_dictionary.npy" "$RUN/layer2_dictionary.npy" &&
    fail "extending layer 2 left it as it was"
fi
finish
