# Data-parallel dn-learn under mpirun (issue 12, docs/scaling.md), ranks on localhost:
#  - the dictionary is byte-identical for 1, 2, 3 and 4 ranks and without mpirun, and history.csv
#    the same but for its seconds column: the batch learner on one layer (circular and valid,
#    with masks), the online learner (surrogate and sgd updates), images of several sizes (each
#    rank reads and crops its share), and a two-layer network with pooling;
#  - a rank killed with SIGKILL ends the job within 30 s, non-zero; --resume with another rank
#    count finishes with the dictionary of an uninterrupted run;
#  - what does not run on several ranks yet is refused: exit 2, one line from dn-learn.
# Usage: bash data_parallel.sh BIN_DIR DATA_DIR MPIEXEC
source "$(dirname "$0")/../e2e/common.bash"
MPIEXEC=${3:?usage: $0 BIN_DIR DATA_DIR MPIEXEC}
# As root (CI, containers) Open MPI needs consent; more ranks than cores need --oversubscribe;
# --bind-to none leaves each rank's OpenMP threads free to use every core.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# hwloc's OpenGL plugin probes for an X display, which costs 5 s per rank's start where none
# answers (measured in a fresh Debian root); the topology needs no display.
export HWLOC_COMPONENTS=-gl
MPIRUN=("$MPIEXEC" --oversubscribe --bind-to none)

# Eight 40x40 crops of the bundled images (two per image), and a mask for each (30% missing).
mkdir -p "$WORK/images" "$WORK/masks" "$WORK/mixed"
"$PYTHON" - "$DATA/../../data" "$WORK" <<'PY' || { fail "cannot make the inputs"; finish; }
import sys, glob, numpy as np, matplotlib.image as image
files = sorted(glob.glob(sys.argv[1] + "/*.png"))[:4]
rng = np.random.default_rng(12)
n = 0
for f in files:
    grey = image.imread(f)[..., :3].mean(axis=2).astype(np.float64)
    for r, c in [(0, 0), (50, 60)]:
        image.imsave("%s/images/i%d.png" % (sys.argv[2], n), grey[r:r + 40, c:c + 40], cmap="gray",
                     vmin=0, vmax=1)
        np.save("%s/masks/i%d.npy" % (sys.argv[2], n), (rng.random((40, 40)) >= 0.3).astype(float))
        n += 1
    # Images of several sizes: each rank crops its share to the smallest of all the headers.
    for k, (h, w) in enumerate([(40, 44), (46, 40), (43, 45)]):
        image.imsave("%s/mixed/%s%d.png" % (sys.argv[2], f[-8:-4], k), grey[k:k + h, 9:9 + w],
                     cmap="gray", vmin=0, vmax=1)
PY
IMAGES=("$WORK"/images/i*.png)
# One thread per rank, as in the run without mpirun: the coding's sums depend on the thread count.
COMMON=(--filters 6 --filter-size 5 --threads 1 --planner estimate)

# mpiexec R OUT ARGS...: dn-learn on R ranks; RC and $WORK/stderr as run() sets them.
mpi_learn() {
  local ranks=$1 out=$2
  shift 2
  timeout 120 "${MPIRUN[@]}" -np "$ranks" "$BIN/dn-learn" "$@" --out "$out" >"$WORK/stdout" 2>"$WORK/stderr"
  RC=$?
  [ "$RC" -eq 124 ] && fail "mpirun -np $ranks dn-learn $* hung"
  return 0
}
# same_run A B: the same dictionary (and layer 2's), and the same history but its seconds.
same_run() {
  local a=$1 b=$2 f
  for f in dictionary.npy layer2.npy; do
    [ -f "$a/$f" ] || continue
    cmp -s "$a/$f" "$b/$f" || fail "$b/$f differs from $a/$f"
  done
  cmp -s <(cut -d, -f1,2,4- "$a/history.csv") <(cut -d, -f1,2,4- "$b/history.csv") ||
    fail "$b/history.csv differs from $a/history.csv (seconds aside)"
}

ONLINE=(--learner online --batch-size 4 --iterations 6)
for setting in "circular" "valid" "valid-masked" "online-surrogate" "online-sgd"; do
  case $setting in
    online-*) ARGS=("${COMMON[@]}" "${ONLINE[@]}" --update "${setting#online-}") ;;
    *) ARGS=("${COMMON[@]}" --iterations 8 --boundary "${setting%-masked}") ;;
  esac
  [ "$setting" = valid-masked ] && ARGS+=(--mask "$WORK/masks")
  SOLO=$WORK/solo-$setting
  expect_ok dn-learn "${ARGS[@]}" --out "$SOLO" "${IMAGES[@]}" || continue
  for ranks in 1 2 3 4; do
    OUT=$WORK/$setting-$ranks
    mpi_learn "$ranks" "$OUT" "${ARGS[@]}" "${IMAGES[@]}"
    if [ "$RC" -ne 0 ]; then fail "$setting on $ranks ranks exited with $RC: $(head -3 "$WORK/stderr")"; continue; fi
    same_run "$SOLO" "$OUT"
    echo "ok: $setting, $ranks ranks: the dictionary of the run without mpirun"
  done
done

# Images of several sizes, centre-cropped: each rank reads and crops only its share.
MIXED=("${COMMON[@]}" --iterations 4)
if expect_ok dn-learn "${MIXED[@]}" --out "$WORK/mixed-solo" "$WORK/mixed"; then
  mpi_learn 4 "$WORK/mixed-4" "${MIXED[@]}" "$WORK/mixed"
  [ "$RC" -eq 0 ] && same_run "$WORK/mixed-solo" "$WORK/mixed-4" && echo "ok: 12 images of 3 sizes, 4 ranks" ||
    fail "images of several sizes on 4 ranks: exit $RC: $(head -3 "$WORK/stderr")"
fi

# A two-layer network (layer mode, 2x2 pooling) on 3 ranks.
NET=(--layers 2 --filters 4 --filter-size 5 --iterations 5 --layer1.pooling 2x2 --threads 1 --planner estimate)
if expect_ok dn-learn "${NET[@]}" --out "$WORK/net-solo" "${IMAGES[@]}"; then
  mpi_learn 3 "$WORK/net-3" "${NET[@]}" "${IMAGES[@]}"
  [ "$RC" -eq 0 ] && same_run "$WORK/net-solo" "$WORK/net-3" && echo "ok: two layers, 3 ranks" ||
    fail "the network on 3 ranks: exit $RC: $(head -3 "$WORK/stderr")"
fi

# kill -9 of one rank: the job ends within 30 s, non-zero; --resume on 2 ranks finishes it as
# an uninterrupted run does.
LONG=("${COMMON[@]}" --iterations 400 --checkpoint-every 10)
expect_ok dn-learn "${LONG[@]}" --out "$WORK/long-solo" "${IMAGES[@]}"
KILLED=$WORK/killed
timeout 120 "${MPIRUN[@]}" -np 3 "$BIN/dn-learn" "${LONG[@]}" --out "$KILLED" "${IMAGES[@]}" \
  >"$WORK/killed.out" 2>&1 &
JOB=$!
for _ in $(seq 1 600); do
  [ -d "$KILLED/checkpoints/iteration-000020" ] && break
  sleep 0.05
done
VICTIM=$(pgrep -f -n "dn-learn.*--out $KILLED")
if [ -z "$VICTIM" ] || [ -f "$KILLED/dictionary.npy" ]; then
  fail "the run to kill was not found running (it may have finished first)"
else
  START=$(date +%s)
  kill -9 "$VICTIM"
  wait "$JOB"
  CODE=$?
  ELAPSED=$(($(date +%s) - START))
  echo "killed one rank: the job exited with $CODE after ${ELAPSED} s"
  [ "$CODE" -ne 0 ] || fail "the job exited 0 after a rank was killed"
  [ "$ELAPSED" -le 30 ] || fail "the job took ${ELAPSED} s to end after a rank was killed"
  [ -f "$KILLED/dictionary.npy" ] && fail "the killed run wrote its outputs"
  timeout 120 "${MPIRUN[@]}" -np 2 "$BIN/dn-learn" --resume "$KILLED" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "--resume on 2 ranks failed: $(head -3 "$WORK/stderr")"
  cmp -s "$WORK/long-solo/dictionary.npy" "$KILLED/dictionary.npy" &&
    echo "ok: resumed on 2 ranks: the dictionary of the uninterrupted run" ||
    fail "the run resumed on 2 ranks ends with another dictionary"
fi

# Refused on several ranks: exit 2, and the one line from dn-learn (mpirun adds its own notice).
refused() {
  local ranks=$1
  shift
  mpi_learn "$ranks" "$WORK/refused" "$@"
  local lines
  lines=$(grep -c "^dn-learn" "$WORK/stderr")
  if [ "$RC" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q "^dn-learn: error: " "$WORK/stderr"; then
    fail "$ranks ranks, $*: exit $RC, expected 2 and one dn-learn line: $(head -5 "$WORK/stderr")"
  else
    echo "ok (2): $(grep "^dn-learn" "$WORK/stderr")"
  fi
  [ -e "$WORK/refused/dictionary.npy" ] && fail "a refused run wrote outputs"
}
refused 3 "${COMMON[@]}" --iterations 2 --learner online --batch-size 2 "${IMAGES[@]}"
refused 3 "${COMMON[@]}" --iterations 2 "${IMAGES[0]}" "${IMAGES[1]}"
refused 2 "${COMMON[@]}" --iterations 2 --stride 2 "${IMAGES[@]}"
finish
