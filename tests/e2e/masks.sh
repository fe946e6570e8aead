# Masks (issue 15): dn-reconstruct --mask (inpainting) with every solver and boundary, scored
# against --reference, its objective the weighted one; --noise-sigma (Gaussian denoising, given
# or estimated, replayed from run.ini); dn-learn --mask DIR (learning from incomplete images);
# bad masks, references and noise levels refused with one line, exit 2, nothing written.
source "$(dirname "$0")/common.bash"

# A 64x64 crop of the bundled kodim23 (grey), half its pixels missing (seeded), the missing ones
# set to 0 in the corrupted image; a noisy copy (sigma 0.1, seeded).
"$PYTHON" - "$DATA/../../data/kodim23.png" "$WORK" <<'PY' || { fail "cannot make the inputs"; finish; exit 1; }
import sys, numpy as np, matplotlib.image as image
rgb = image.imread(sys.argv[1])[96:160, 96:160, :3].astype(np.float64)
grey = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
rng = np.random.default_rng(15)
mask = (rng.random(grey.shape) >= 0.5).astype(np.float64)
work = sys.argv[2]
np.save(work + "/reference.npy", grey)
np.save(work + "/mask.npy", mask)
np.save(work + "/corrupted.npy", grey * mask)
np.save(work + "/noisy.npy", grey + 0.1 * rng.standard_normal(grey.shape))
np.save(work + "/zeros.npy", np.zeros_like(mask))
np.save(work + "/negative.npy", mask - 2 * (1 - mask))
nan = mask.copy(); nan[3, 4] = np.nan; np.save(work + "/nan.npy", nan)
np.save(work + "/small.npy", mask[:32])
np.save(work + "/channels.npy", np.stack([mask, mask]))
image.imsave(work + "/mask.png", mask, cmap="gray", vmin=0, vmax=1)
PY

MODEL=$WORK/model
expect_ok dn-learn --filters 8 --filter-size 6 --iterations 15 "${FAST[@]}" --out "$MODEL" \
  "$WORK/reference.npy" || { finish; exit 1; }
D=$MODEL/dictionary.npy
score() {  # score DIR: psnr_reference of metrics.json
  "$PYTHON" -c "import json, sys; print(json.load(open(sys.argv[1] + '/metrics.json'))['psnr_reference'])" "$1"
}
# The corrupted image's own PSNR against the reference: restoring must beat it by far.
BASE=$("$PYTHON" -c "import numpy as np; r = np.load('$WORK/reference.npy'); c = np.load('$WORK/corrupted.npy'); print(10 * np.log10(1 / np.mean((r - c) ** 2)))")

for solver in fista admm cd; do
  for boundary in valid circular; do
    OUT=$WORK/inpaint_${solver}_$boundary
    if expect_ok dn-reconstruct --dictionary "$D" --lambda 0.01 --solver "$solver" \
      --boundary "$boundary" --preprocess none --iterations 60 --precision double "${FAST[@]}" \
      --mask "$WORK/mask.npy" --reference "$WORK/reference.npy" --out "$OUT" "$WORK/corrupted.npy"; then
      check reconstruction "$OUT" "$D" "$boundary" "$WORK/mask.npy"
      grep -q '"ssim_reference"' "$OUT/metrics.json" || fail "metrics.json lacks ssim_reference"
      "$PYTHON" -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]) + 8)" \
        "$(score "$OUT")" "$BASE" || fail "$solver $boundary: PSNR $(score "$OUT") vs corrupted $BASE"
    fi
  done
done
# The model's preprocessing (highpass from the known pixels), a PNG mask: the same restoration.
OUT=$WORK/inpaint_model
if expect_ok dn-reconstruct --model "$MODEL" --iterations 60 "${FAST[@]}" --mask "$WORK/mask.png" \
  --reference "$WORK/reference.npy" --out "$OUT" "$WORK/corrupted.npy"; then
  "$PYTHON" -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]) + 8)" \
    "$(score "$OUT")" "$BASE" || fail "highpass inpainting: PSNR $(score "$OUT") vs corrupted $BASE"
  # A replay of its run.ini gives the same metrics.
  expect_ok dn-reconstruct --config "$OUT/run.ini" --out "$WORK/replay" "$WORK/corrupted.npy" &&
    { cmp -s <(grep -v seconds "$OUT/metrics.json") <(grep -v seconds "$WORK/replay/metrics.json") ||
      fail "a replay of the inpainting's run.ini differs"; }
fi

# Denoising: lambda from the noise level, given or estimated; the estimate is near the truth.
OUT=$WORK/denoise
if expect_ok dn-reconstruct --dictionary "$D" --noise-sigma 0.1 --iterations 40 "${FAST[@]}" \
  --reference "$WORK/reference.npy" --out "$OUT" "$WORK/noisy.npy"; then
  grep -q "\"noise_sigma\": 0.1" "$OUT/metrics.json" || fail "metrics.json noise_sigma is not 0.1"
  expect_ok dn-reconstruct --config "$OUT/run.ini" --out "$WORK/denoise_replay" "$WORK/noisy.npy" ||
    fail "the denoising run.ini does not replay"
fi
OUT=$WORK/estimate
if expect_ok dn-reconstruct --dictionary "$D" --noise-sigma estimate --iterations 40 "${FAST[@]}" \
  --out "$OUT" "$WORK/noisy.npy"; then
  "$PYTHON" -c "import json, sys; s = json.load(open(sys.argv[1]))['noise_sigma']; sys.exit(not 0.08 < s < 0.13)" \
    "$OUT/metrics.json" || fail "estimated noise level far from 0.1: $(cat "$OUT/metrics.json")"
fi

# Learning from incomplete images: a mask per image, by file stem.
mkdir -p "$WORK/images" "$WORK/masks"
cp "$DATA/e2e_images/a.png" "$DATA/e2e_images/b.png" "$WORK/images/"
"$PYTHON" -c "
import numpy as np
rng = np.random.default_rng(7)
for name in 'ab':
    np.save('$WORK/masks/' + name + '.npy', (rng.random((24, 24)) >= 0.3).astype(float))"
OUT=$WORK/learn_masked
if expect_ok dn-learn --filters 4 --filter-size 5 --iterations 8 "${FAST[@]}" --mask "$WORK/masks" \
  --out "$OUT" "$WORK/images"; then
  grep -q "^mask = $WORK/masks" "$OUT/run.ini" || fail "run.ini does not record the mask directory"
fi
expect_error 2 dn-learn --filters 4 --filter-size 5 --iterations 2 "${FAST[@]}" --mask "$WORK/masks" \
  --learner online --batch-size 2 --out "$WORK/bad" "$WORK/images"
expect_ok dn-learn --filters 4 --filter-size 5 --iterations 4 "${FAST[@]}" --mask "$WORK/masks" \
  --solver cd --out "$WORK/learn_masked_cd" "$WORK/images"
rm "$WORK/masks/b.npy"
expect_error 1 dn-learn --filters 4 --filter-size 5 --iterations 2 "${FAST[@]}" --mask "$WORK/masks" \
  --out "$WORK/bad" "$WORK/images"

# Bad masks, references and noise levels: one line, exit 2, nothing written.
RECON=(dn-reconstruct --dictionary "$D" --lambda 0.01 --iterations 5 "${FAST[@]}" --out "$WORK/bad")
for bad in small channels zeros negative nan; do
  expect_error 2 "${RECON[@]}" --mask "$WORK/$bad.npy" "$WORK/corrupted.npy"
done
expect_error 2 "${RECON[@]}" --reference "$WORK/small.npy" "$WORK/corrupted.npy"
expect_error 2 "${RECON[@]}" --noise-sigma 0.1 "$WORK/noisy.npy"
expect_error 2 dn-reconstruct --dictionary "$D" --noise-sigma abc --out "$WORK/bad" "$WORK/noisy.npy"
expect_error 2 dn-reconstruct --dictionary "$D" --noise-sigma 0 --out "$WORK/bad" "$WORK/noisy.npy"
expect_error 2 dn-reconstruct --dictionary "$D" --noise-sigma 0.1 --preprocess lcn --out "$WORK/bad" "$WORK/noisy.npy"
expect_error 1 "${RECON[@]}" --mask "$WORK/missing.npy" "$WORK/corrupted.npy"
[ -e "$WORK/bad" ] && fail "a refused run wrote $WORK/bad"

finish
