# Damaged checkpoints and models: --resume and dn-reconstruct print one clear line on stderr and
# exit 1, and leave the damaged directory as it was. A checkpoint whose state makes the run
# diverge stops it with exit 1 and keeps that last good checkpoint; changed inputs are refused.
source "$(dirname "$0")/common.bash"

IMAGES=$WORK/images
mkdir -p "$IMAGES" && cp "$DATA"/e2e_images/*.png "$IMAGES"/
BASE=$WORK/base
# FISTA: the damage below is done to its entries (image/0/x, image/0/y).
ARGS=(--filters 4 --filter-size 5 --iterations 3 --solver fista "${FAST[@]}")
expect_ok dn-learn "${ARGS[@]}" --out "$BASE" "$IMAGES" || { finish; exit 1; }
CHECKPOINT=checkpoints/iteration-000003
[ -f "$BASE/$CHECKPOINT/manifest.ini" ] || { fail "no final checkpoint"; finish; exit 1; }

# variant NAME: a copy of the finished run to damage; prints its path.
variant() {
  cp -r "$BASE" "$WORK/$1"
  echo "$WORK/$1"
}
# expect_resume_error DIR FRAGMENT: --resume DIR fails with one line containing FRAGMENT and
# leaves DIR as it was.
expect_resume_error() {
  local dir=$1 fragment=$2 before
  before=$(snapshot "$dir")
  expect_error 1 dn-learn --resume "$dir" --iterations 5
  grep -qF -- "$fragment" "$WORK/stderr" || fail "the message lacks '$fragment': $(cat "$WORK/stderr")"
  [ "$(snapshot "$dir")" = "$before" ] || fail "a failed --resume changed $dir"
}
# resign DIR ARRAY: recomputes the manifest's checksum of state/ARRAY.npy after an edit.
resign() {
  "$PYTHON" - "$1/$CHECKPOINT" "$2" <<'PY'
import sys
root, name = sys.argv[1], sys.argv[2]
data = open(f"{root}/state/{name}.npy", "rb").read()
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
lines = open(f"{root}/manifest.ini").read().split("\n")
for i, line in enumerate(lines):
    if line.startswith(name + " = "):
        words = line.split(" ")
        lines[i] = " ".join(words[:-1] + [f"fnv1a64:{h:016x}"])
open(f"{root}/manifest.ini", "w").write("\n".join(lines))
PY
}

echo "== damaged checkpoints"
dir=$(variant truncated)
f=$dir/$CHECKPOINT/state/image/0/x.npy
head -c $(( $(stat -c %s "$f") - 11 )) "$f" >"$f.cut" && mv "$f.cut" "$f"
expect_resume_error "$dir" "truncated data"

dir=$(variant missing_array)
rm "$dir/$CHECKPOINT/state/updater/power_vectors.npy"
expect_resume_error "$dir" "power_vectors.npy: is missing"

dir=$(variant version)
sed -i 's/^format_version = 2$/format_version = 9/' "$dir/$CHECKPOINT/manifest.ini"
expect_resume_error "$dir" "checkpoint format version 9 is not supported (this build reads 2)"

dir=$(variant old_version)
sed -i 's/^format_version = 2$/format_version = 1/' "$dir/$CHECKPOINT/manifest.ini"
expect_resume_error "$dir" "was written by checkpoint format 1; this build reads format 2"

dir=$(variant edited_manifest)
sed -i 's/^iteration = 3$/iteration = three/' "$dir/$CHECKPOINT/manifest.ini"
expect_resume_error "$dir" "iteration = 'three' is not a whole number"

dir=$(variant no_manifest)
rm "$dir/$CHECKPOINT/manifest.ini"
expect_resume_error "$dir" "manifest.ini: is missing"

dir=$(variant shape)  # the manifest says another shape than the array has
sed -i 's/^filters = real (4, 5, 5)/filters = real (4, 5, 6)/' "$dir/$CHECKPOINT/manifest.ini"
expect_resume_error "$dir" "has shape (4, 5, 5) but the manifest says (4, 5, 6)"

dir=$(variant reshaped)  # an array of another shape, consistently listed: the state disagrees
"$PYTHON" -c "import numpy as np, sys; np.save(sys.argv[1], np.zeros((4, 5, 6), np.float32))" \
  "$dir/$CHECKPOINT/state/filters.npy"
sed -i 's/^filters = real (4, 5, 5)/filters = real (4, 5, 6)/' "$dir/$CHECKPOINT/manifest.ini"
resign "$dir" filters
expect_resume_error "$dir" "'filters' is 5x6x4, expected 5x5x4"

dir=$(variant flipped)
f=$dir/$CHECKPOINT/state/image/1/y.npy
printf '\x7f' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") - 2 )) conv=notrunc 2>/dev/null
expect_resume_error "$dir" "is corrupt: its checksum disagrees with the manifest"

dir=$(variant run_ini)
echo "lambda = 0.5" >>"$dir/$CHECKPOINT/files/run.ini"
expect_resume_error "$dir" "run.ini: has"

dir=$(variant no_checkpoint)
rm -r "$dir/checkpoints"
expect_resume_error "$dir" "no checkpoint in"

echo "== changed inputs"
dir=$(variant inputs)
cp "$IMAGES/a.png" "$WORK/a_saved.png" && cp "$IMAGES/b.png" "$IMAGES/a.png"
expect_resume_error "$dir" "the training images differ from those of the interrupted run"
cp "$WORK/a_saved.png" "$IMAGES/a.png"

echo "== divergence keeps the last good checkpoint"
dir=$(variant diverging)
"$PYTHON" - "$dir/$CHECKPOINT/state/image/0" <<'PY'
import sys
import numpy as np
for name in ("x", "y"):
    a = np.load(f"{sys.argv[1]}/{name}.npy")
    np.save(f"{sys.argv[1]}/{name}.npy", np.full_like(a, 1e15))
PY
resign "$dir" image/0/x && resign "$dir" image/0/y
expect_resume_error "$dir" "(diverged); the last good checkpoint is $dir/$CHECKPOINT"
[ -e "$dir/checkpoints/iteration-000004" ] && fail "a diverged iteration was checkpointed"

echo "== damaged models"
MODEL=$BASE/model
RECON=(dn-reconstruct --iterations 5 "${FAST[@]}")
cp -r "$MODEL" "$WORK/m_truncated"
head -c 100 "$MODEL/dictionary.npy" >"$WORK/m_truncated/dictionary.npy"
expect_error 1 "${RECON[@]}" --model "$WORK/m_truncated" --out "$WORK/r" "$IMAGES/a.png"
grep -q "truncated" "$WORK/stderr" || fail "unclear message: $(cat "$WORK/stderr")"
cp -r "$MODEL" "$WORK/m_shape"
sed -i 's/^filters = 4$/filters = 5/' "$WORK/m_shape/manifest.ini"
expect_error 1 "${RECON[@]}" --model "$WORK/m_shape" --out "$WORK/r" "$IMAGES/a.png"
grep -q "holds 4 filters of 1x5x5 but .* says 5 of 1x5x5" "$WORK/stderr" ||
  fail "unclear message: $(cat "$WORK/stderr")"
cp -r "$MODEL" "$WORK/m_nomanifest"
rm "$WORK/m_nomanifest/manifest.ini"
expect_error 1 "${RECON[@]}" --model "$WORK/m_nomanifest" --out "$WORK/r" "$IMAGES/a.png"
cp -r "$MODEL" "$WORK/m_edited"
sed -i 's/^boundary = valid$/boundary = sideways/' "$WORK/m_edited/manifest.ini"
expect_error 1 "${RECON[@]}" --model "$WORK/m_edited" --out "$WORK/r" "$IMAGES/a.png"
[ -e "$WORK/r" ] && fail "a failed dn-reconstruct left $WORK/r"
finish
