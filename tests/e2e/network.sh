# Multi-layer networks: dn-learn trains every layer from an INI file with [layerN] sections and
# command-line overrides, writes the model, history and per-layer montages, replays from
# run.ini; dn-reconstruct --layer 2 projects layer 2's maps down to the image (checked against
# NumPy without pooling); dn-inspect --layer 2 draws filters and map projections; bad
# multi-layer options exit 2 with one line.
source "$(dirname "$0")/common.bash"

IMAGES=$DATA/e2e_images
IMAGE=$IMAGES/a.png

# Layer mode, no pooling, singles-and-doubles: the CVPR 2010 shape in miniature.
cat >"$WORK/two.ini" <<'INI'
layers = 2
filter-size = 5
iterations = 8
[layer1]
filters = 3
lambda = 0.05
[layer2]
connectivity = singles-and-doubles
lambda = 0.5
INI
NET=$WORK/two
if expect_ok dn-learn --config "$WORK/two.ini" --layer2.lambda 0.02 "${FAST[@]}" --out "$NET" "$IMAGES"; then
  check network "$NET" 2 8
  for line in "layer2.lambda = 0.02" "layer2.filters = 6" "layer2.connectivity = singles-and-doubles" \
    "layers = 2"; do
    grep -qxF "$line" "$NET/run.ini" || fail "run.ini lacks '$line'"
  done
  grep -Eq '^layer 2 objective [-+0-9.eE]+ -> [-+0-9.eE]+$' "$WORK/stdout" ||
    fail "no per-layer objective line: $(cat "$WORK/stdout")"
  if expect_ok dn-learn --config "$NET/run.ini" --out "$WORK/replay"; then
    cmp -s "$NET/model/layer2_dictionary.npy" "$WORK/replay/model/layer2_dictionary.npy" ||
      fail "--config run.ini did not replay the same layer 2"
  fi

  for precision in single double; do
    OUT=$WORK/recon_$precision
    if expect_ok dn-reconstruct --model "$NET" --layer 2 --iterations 30 --precision "$precision" \
      "${FAST[@]}" --out "$OUT" "$IMAGE"; then
      expect_file "$OUT"/{features.npy,reconstruction.npy,signal.npy,reconstruction.png,history.csv,metrics.json,run.ini}
      check network-reconstruction "$OUT" "$NET/model" 2 valid
      grep -qxF "layer = 2" "$OUT/run.ini" || fail "run.ini lacks 'layer = 2'"
      grep -qxF "lambda = 0.02" "$OUT/run.ini" || fail "run.ini lacks layer 2's lambda"
    fi
  done

  if expect_ok dn-inspect --model "$NET" --layer 2 --out "$WORK/l2.png" --image "$IMAGE" \
    --maps "$WORK/l2maps.png" --iterations 20 --threads 2; then
    expect_file "$WORK/l2.png" "$WORK/l2maps.png"
  fi
fi

# Pixel mode through 3-D max pooling, three layers, circular boundary.
NET3=$WORK/three
if expect_ok dn-learn --layers 3 --filter-size 3 --iterations 6 --filters 4 --boundary circular \
  --layer1.pooling 2x2x2 --layer2.pooling 2 --layer2.inference pixel --layer2.connectivity \
  random-doubles --layer3.inference pixel --layer3.filters 3 --lambda 0.02 "${FAST[@]}" \
  --out "$NET3" "$IMAGES"; then
  check network "$NET3" 3 6
  expect_ok dn-reconstruct --model "$NET3" --layer 3 --iterations 20 "${FAST[@]}" --out "$WORK/r3" "$IMAGE" &&
    expect_file "$WORK/r3/reconstruction.png" "$WORK/r3/metrics.json"
  expect_ok dn-inspect --model "$NET3" --layer 3 --out "$WORK/l3.png" --threads 2 &&
    expect_file "$WORK/l3.png"
fi

echo "== bad multi-layer options (exit 2)"
OUT=$WORK/bad
LEARN=(dn-learn --filters 4 --filter-size 3 --iterations 2 "${FAST[@]}" --out "$OUT")
expect_error 2 "${LEARN[@]}" --layers 5 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layers 0 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layers 2 --layer3.lambda 0.1 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.connectivity triples "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.inference deep "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer1.pooling 2x "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.pooling 2 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.connectivity singles-and-doubles --layer2.filters 7 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.lambda -1 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.filter-size 0 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer2.filter-size 30 "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer1.pooling 1x1x4 --layer2.connectivity random-doubles "$IMAGES"
expect_error 2 "${LEARN[@]}" --layer5.lambda 0.1 "$IMAGES"
printf '[layer5]\nlambda = 0.1\n' >"$WORK/five.ini"
expect_error 2 "${LEARN[@]}" --config "$WORK/five.ini" "$IMAGES"
[ -e "$OUT" ] && fail "a failed run left $OUT behind"
if [ -d "$NET" ]; then
  expect_error 2 dn-reconstruct --model "$NET" --layer 3 "${FAST[@]}" --out "$OUT" "$IMAGE"
  expect_error 2 dn-reconstruct --model "$NET" --layer 0 "${FAST[@]}" --out "$OUT" "$IMAGE"
  expect_error 2 dn-reconstruct --dictionary "$NET/dictionary.npy" --lambda 0.1 --layer 2 "${FAST[@]}" --out "$OUT" "$IMAGE"
  expect_error 2 dn-inspect --model "$NET" --layer 3 --out "$WORK/x.png"
  [ -e "$OUT" ] && fail "a failed run left $OUT behind"
fi

finish
