# dn-learn killed with SIGKILL at random moments and resumed each time ends with exactly the
# dictionary of an uninterrupted run, with the batch and with the online learner; a killed run
# never leaves a model behind. The delays come from a printed seed: DN_KILL_SEED=<seed> replays
# a run.
source "$(dirname "$0")/common.bash"

SEED=${DN_KILL_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
echo "kill seed $SEED (replay with DN_KILL_SEED=$SEED)"
RANDOM=$SEED
KILLS=6
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# kill_and_resume LABEL ARGS...: the test for one set of dn-learn options.
kill_and_resume() {
  LABEL=$1
  shift
  ARGS=("$@")
  REF=$WORK/reference_$LABEL
  RUN=$WORK/run_$LABEL
  # The uninterrupted run, timed.
  start=$(now_ms)
  expect_ok dn-learn "${ARGS[@]}" --out "$REF" "$DATA/e2e_images" || return
  span=$(( $(now_ms) - start ))
  echo "$LABEL: uninterrupted run: $span ms"

  # start_run: a fresh run when there is no checkpoint yet, else a resume; its pid in PID.
  start_run() {
    if [ -n "$(latest)" ]; then
      "$BIN/dn-learn" --resume "$RUN" >"$WORK/stdout" 2>"$WORK/stderr" &
    else
      "$BIN/dn-learn" "${ARGS[@]}" --force --out "$RUN" "$DATA/e2e_images" \
        >"$WORK/stdout" 2>"$WORK/stderr" &
    fi
    PID=$!
  }
  # latest: the iteration of the newest complete checkpoint, or nothing.
  latest() {
    local name
    name=$(ls "$RUN/checkpoints" 2>/dev/null | grep '^iteration-' | tail -n 1)
    [ -n "$name" ] && echo $(( 10#${name#iteration-} ))
  }
  # sleep_ms N
  sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }
  # kill_run REASON: kills the run with SIGKILL; it must not have ended by itself.
  kill_run() {
    kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    local status=$?
    if [ $status -ne 137 ]; then
      fail "the run ended with $status before kill $((kills + 1)) ($1): $(cat "$WORK/stderr")"
      finish
      exit 1
    fi
    kills=$((kills + 1))
    local newest
    newest=$(latest)
    echo "kill $kills $1: the newest complete checkpoint is ${newest:-none}"
    [ -e "$RUN/model" ] && fail "kill $kills left $RUN/model"
  }

  # Kill 1 at a random moment of the first run's start (reading, planning, the first checkpoint).
  kills=0
  start_run
  delay=$(( RANDOM % 80 ))
  sleep_ms $delay
  kill_run "${delay} ms after the start"

  # The others at random moments after random iterations in increasing order, each past the
  # previous one: the moment falls anywhere in an iteration, its checkpoint's writing included.
  target=0
  iteration_ms=$(( span / 40 + 1 ))
  while [ $kills -lt $KILLS ]; do
    target=$(( target + 1 + RANDOM % 6 ))
    start_run
    for _ in $(seq 1 2000); do  # at most about 20 s
      current=$(latest)
      [ "${current:-0}" -ge $target ] && break
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.01
    done
    delay=$(( RANDOM % (2 * iteration_ms) ))
    sleep_ms $delay
    kill_run "${delay} ms after checkpoint $target"
  done

  # The last resume runs to the end.
  if expect_ok dn-learn --resume "$RUN"; then
    if cmp -s "$REF/dictionary.npy" "$RUN/dictionary.npy"; then
      echo "ok ($LABEL): after $kills kills the dictionary equals the uninterrupted run's bit for bit"
    else
      fail "$LABEL: the resumed run's dictionary differs from the uninterrupted run's"
    fi
    check learn "$RUN" 4 1 5 5 single 40
    ls -A "$RUN" | grep -q '^\.dn-staging' && fail "staging directories of killed runs remain"
    [ "$(ls "$RUN/checkpoints")" = "iteration-000040" ] ||
      fail "unexpected checkpoints: $(ls -A "$RUN/checkpoints" | tr '\n' ' ')"
  fi
}

# Six kills at iterations 1-6 apart stay below 40.
kill_and_resume batch --filters 4 --filter-size 5 --iterations 40 --checkpoint-every 1 "${FAST[@]}"
kill_and_resume online --learner online --batch-size 1 --filters 4 --filter-size 5 \
  --iterations 40 --checkpoint-every 1 "${FAST[@]}"
finish
