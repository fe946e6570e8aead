# SIGINT and SIGTERM stop dn-learn after the current iteration with a checkpoint of it, one line
# on stderr naming the signal and the exact command that resumes, and exit status 130 / 143; the
# printed command then continues the run.
source "$(dirname "$0")/common.bash"

# A long run (stopped long before its end) that writes checkpoints only at its start and when
# stopped.
ARGS=(--filters 4 --filter-size 5 --iterations 100000 --checkpoint-every 0 --checkpoint-seconds 0
  "${FAST[@]}")

# stop_run SIGNAL STATUS: starts a run, signals it once it is learning, checks the result.
stop_run() {
  local signal=$1 expected=$2 out=$WORK/run_$1
  "$BIN/dn-learn" "${ARGS[@]}" --out "$out" "$DATA/e2e_images" >"$WORK/stdout" 2>"$WORK/stderr.raw" &
  local pid=$!
  # The checkpoint of the start exists once the handlers are installed.
  for _ in $(seq 1 2000); do
    [ -d "$out/checkpoints/iteration-000000" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
  done
  sleep 0.5  # some iterations (the message and the checkpoint name the one reached)
  kill -"$signal" $pid
  wait $pid
  local status=$?
  grep -v '^==[0-9]*==WARNING: AddressSanitizer' "$WORK/stderr.raw" |
    grep -v 'iteration [0-9]*/100000' >"$WORK/stderr"
  echo "$signal: exit $status: $(cat "$WORK/stderr")"
  [ $status -eq "$expected" ] || fail "$signal: exit status $status, expected $expected"
  [ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "$signal: not one line on stderr: $(cat "$WORK/stderr")"
  grep -q "^dn-learn: stopped by SIG$signal after iteration [0-9][0-9]* of 100000; checkpoint " \
    "$WORK/stderr" || fail "$signal: unexpected message"
  [ -e "$out/model" ] && fail "$signal: a stopped run wrote model/"
  local done
  done=$(sed -n 's/.* after iteration \([0-9]*\) of.*/\1/p' "$WORK/stderr")
  [ -d "$out/checkpoints/$(printf 'iteration-%06d' "$done")" ] ||
    fail "$signal: no checkpoint of iteration $done: $(ls "$out/checkpoints")"
  [ "$(ls "$out/checkpoints" | wc -l)" -eq 1 ] || fail "$signal: more than one checkpoint kept"

  # The printed command resumes; two more iterations end the run.
  local command
  command=$(sed -n 's/.*; resume with: //p' "$WORK/stderr")
  [ "$command" = "$BIN/dn-learn --resume $out" ] || fail "$signal: unexpected command '$command'"
  if eval "$command --iterations $((done + 2))" >"$WORK/stdout" 2>"$WORK/stderr"; then
    check learn "$out" 4 1 5 5 single $((done + 2))
  else
    fail "$signal: the printed resume command failed: $(cat "$WORK/stderr")"
  fi
}

stop_run INT 130
stop_run TERM 143
finish
