# Strided layers (issue 13): dn-learn --stride 2 learns from the bundled images (data/);
# dn-reconstruct writes maps of the shape the arithmetic gives, and a NumPy transposed
# convolution of features.npy with the dictionary (by the zero-insertion recipe and by a direct
# scatter, outside the library), cut to the image size, equals reconstruction.npy; the
# ConvTranspose2d weight export reproduces it; circular layers, a bare --dictionary, a resumed
# run, a network with a strided layer 2 (learned, reconstructed from layer 2, its filters drawn
# in pixel space); bad strides and paddings exit 2 with one line.
source "$(dirname "$0")/common.bash"

SAMPLES=$(cd "$DATA/../../data" && pwd)
IMAGE=$SAMPLES/monarch.png
EXPORT=$HERE/../../scripts/convtranspose_weight.py
SMALL=$DATA/e2e_images

echo "== stride 2, valid, default padding, on data/"
S2=$WORK/s2
if expect_ok dn-learn --stride 2 --filters 8 --iterations 4 "${FAST[@]}" --out "$S2" "$SAMPLES"; then
  grep -qxF "stride = 2" "$S2/model/manifest.ini" || fail "the model does not record stride 2"
  grep -qxF "stride = 2" "$S2/run.ini" || fail "run.ini lacks 'stride = 2'"
  if expect_ok dn-reconstruct --model "$S2" --iterations 30 "${FAST[@]}" --out "$WORK/r2" "$IMAGE"; then
    check strided-reconstruction "$WORK/r2" "$S2/model"
    # (8, ceil((256 - 8 + 2 * 7) / 2) + 1, ...) = (8, 132, 132)
    "$PYTHON" -c "import numpy, sys; s = numpy.load(sys.argv[1]).shape; sys.exit(s != (8, 132, 132))" \
      "$WORK/r2/features.npy" || fail "features.npy is not (8, 132, 132)"
    if "$PYTHON" "$EXPORT" "$S2" "$WORK/weight.npy" >"$WORK/export.txt"; then
      grep -q "^torch.nn.ConvTranspose2d(in_channels=8, out_channels=1, kernel_size=(8, 8), stride=2, padding=(7, 7), bias=False)" \
        "$WORK/export.txt" || fail "unexpected export line: $(cat "$WORK/export.txt")"
      check convtranspose-export "$WORK/r2" "$S2/model" "$WORK/weight.npy"
    else
      fail "convtranspose_weight.py failed"
    fi
  fi
  expect_ok dn-inspect --model "$S2" --out "$WORK/s2.png" --image "$IMAGE" --maps "$WORK/s2maps.png" \
    --iterations 10 --threads 2 && expect_file "$WORK/s2.png" "$WORK/s2maps.png"
  # The same dictionary given bare, with its stride and padding, codes the same maps.
  if expect_ok dn-reconstruct --dictionary "$S2/dictionary.npy" --lambda 0.1 --stride 2 \
    --iterations 30 --tolerance 1e-4 --out "$WORK/bare" "${FAST[@]}" "$IMAGE"; then
    cmp -s "$WORK/r2/features.npy" "$WORK/bare/features.npy" ||
      fail "--dictionary --stride 2 coded other maps than the model"
  fi
fi

echo "== stride 3, padding 2x1, colour; stride 2 circular"
S3=$WORK/s3
if expect_ok dn-learn --stride 3 --padding 2x1 --filter-size 5 --filters 6 --colour --iterations 3 \
  "${FAST[@]}" --out "$S3" "$SMALL"; then
  grep -qxF "padding = 2x1" "$S3/model/manifest.ini" || fail "the model does not record 2x1"
  expect_ok dn-reconstruct --model "$S3" --iterations 20 "${FAST[@]}" --out "$WORK/r3" "$SMALL/a.png" &&
    check strided-reconstruction "$WORK/r3" "$S3/model"
fi
SC=$WORK/sc
if expect_ok dn-learn --stride 2 --boundary circular --filter-size 6 --filters 6 --iterations 3 \
  "${FAST[@]}" --out "$SC" "$SMALL"; then
  expect_ok dn-reconstruct --model "$SC" --iterations 20 "${FAST[@]}" --out "$WORK/rc" "$SMALL/a.png" &&
    check strided-reconstruction "$WORK/rc" "$SC/model"
  "$PYTHON" "$EXPORT" "$SC" "$WORK/cw.npy" 2>"$WORK/cw.err"
  [ $? -eq 2 ] && [ "$(wc -l <"$WORK/cw.err")" -eq 1 ] && [ ! -e "$WORK/cw.npy" ] ||
    fail "a circular layer's export did not exit 2 with one line: $(cat "$WORK/cw.err")"
fi

echo "== a strided run resumed with more iterations equals the uninterrupted run"
RESUME=(--stride 2 --filters 4 --filter-size 5 "${FAST[@]}")
if expect_ok dn-learn "${RESUME[@]}" --iterations 6 --out "$WORK/full" "$SMALL" &&
  expect_ok dn-learn "${RESUME[@]}" --iterations 3 --out "$WORK/part" "$SMALL" &&
  expect_ok dn-learn --resume "$WORK/part" --iterations 6; then
  cmp -s "$WORK/full/dictionary.npy" "$WORK/part/dictionary.npy" ||
    fail "the resumed strided run differs from the uninterrupted one"
fi

echo "== a network with a strided layer 2"
NET=$WORK/net
if expect_ok dn-learn --layers 2 --filter-size 5 --filters 4 --iterations 3 --layer2.stride 2 \
  --layer2.filters 6 --lambda 0.05 "${FAST[@]}" --out "$NET" "$SMALL"; then
  check network "$NET" 2 3
  grep -qxF "layer2.stride = 2" "$NET/run.ini" || fail "run.ini lacks 'layer2.stride = 2'"
  if expect_ok dn-reconstruct --model "$NET" --layer 2 --iterations 20 "${FAST[@]}" --out "$WORK/rn" \
    "$SMALL/a.png"; then
    expect_file "$WORK/rn/features.npy" "$WORK/rn/reconstruction.png"
  fi
  expect_ok dn-inspect --model "$NET" --layer 2 --out "$WORK/net2.png" --image "$SMALL/a.png" \
    --maps "$WORK/net2maps.png" --iterations 10 --threads 2 &&
    expect_file "$WORK/net2.png" "$WORK/net2maps.png"
fi

# Layer 1 strided, layer 2 in pixel mode through it.
PX=$WORK/px
if expect_ok dn-learn --layers 2 --stride 2 --layer2.stride 1 --layer2.inference pixel \
  --layer2.filter-size 3 --filters 4 --filter-size 5 --iterations 3 "${FAST[@]}" --out "$PX" "$SMALL"; then
  expect_ok dn-reconstruct --model "$PX" --layer 2 --iterations 10 "${FAST[@]}" --out "$WORK/rpx" \
    "$SMALL/a.png" && expect_file "$WORK/rpx/reconstruction.npy"
  expect_ok dn-inspect --model "$PX" --layer 2 --out "$WORK/px2.png" --threads 2 &&
    expect_file "$WORK/px2.png"
fi

echo "== bad strides and paddings (exit 2)"
OUT=$WORK/bad
LEARN=(dn-learn --filters 4 --filter-size 3 --iterations 2 "${FAST[@]}" --out "$OUT")
expect_error 2 "${LEARN[@]}" --stride 0 "$SMALL"
expect_error 2 "${LEARN[@]}" --stride x "$SMALL"
expect_error 2 "${LEARN[@]}" --padding 3 "$SMALL"
expect_error 2 "${LEARN[@]}" --padding 1y "$SMALL"
expect_error 2 "${LEARN[@]}" --stride 2 --solver admm --boundary circular "$SMALL"
expect_error 2 "${LEARN[@]}" --stride 2 --learner online "$SMALL"
expect_error 2 "${LEARN[@]}" --stride 5 --boundary circular "$SMALL"
expect_error 2 "${LEARN[@]}" --layers 2 --layer2.stride 2 --layer2.inference pixel "$SMALL"
expect_error 2 "${LEARN[@]}" --layers 2 --layer2.stride 2 --layer2.connectivity singles-and-doubles "$SMALL"
expect_error 2 "${LEARN[@]}" --layer1.padding 3 "$SMALL"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"
if [ -d "$S2" ]; then
  expect_error 2 dn-reconstruct --model "$S2" --stride 1 "${FAST[@]}" --out "$OUT" "$IMAGE"
  expect_error 2 dn-reconstruct --dictionary "$S2/dictionary.npy" --lambda 0.1 --stride 2 --solver cd \
    "${FAST[@]}" --out "$OUT" "$IMAGE"
  expect_error 2 dn-reconstruct --dictionary "$S2/dictionary.npy" --lambda 0.1 --padding 8 \
    "${FAST[@]}" --out "$OUT" "$IMAGE"
  [ -e "$OUT" ] && fail "a failed run left $OUT behind"
fi

finish
