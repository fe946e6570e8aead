# dn-inspect writes the filter montage and, with --image, the feature-map montage.
source "$(dirname "$0")/common.bash"

png_size() {  # prints "width height" of a PNG
  "$PYTHON" -c "
import struct, sys
data = open(sys.argv[1], 'rb').read(24)
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
print(*struct.unpack('>II', data[16:24]))" "$1"
}

MODEL=$WORK/learn
expect_ok dn-learn --filters 4 --filter-size 5 --iterations 5 "${FAST[@]}" --out "$MODEL" \
  "$DATA/e2e_images" || { finish; exit 1; }

if expect_ok dn-inspect --model "$MODEL" --out "$WORK/filters.png"; then
  size=$(png_size "$WORK/filters.png") || fail "filters.png is not a PNG"
  [ "$size" = "$(png_size "$MODEL/filters.png")" ] || fail "filters.png has size $size"
  grep -q "filters.png" "$WORK/stdout" || fail "dn-inspect does not say where the montage is"
fi

if expect_ok dn-inspect --model "$MODEL/model" --out "$WORK/f2.png" --image "$DATA/e2e_images/b.png" \
  --maps "$WORK/maps.png" --iterations 20 --threads 2; then
  expect_file "$WORK/f2.png" "$WORK/maps.png"
  png_size "$WORK/maps.png" >/dev/null || fail "maps.png is not a PNG"
fi

# A .npy image works too.
"$PYTHON" -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[1])" \
  "$DATA/e2e_stack.npy" "$WORK/one.npy" || fail "cannot make a one-image .npy"
if expect_ok dn-inspect --model "$MODEL" --out "$WORK/f3.png" --image "$WORK/one.npy" \
  --maps "$WORK/maps3.png"; then
  expect_file "$WORK/maps3.png"
fi

finish
