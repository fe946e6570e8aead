#!/usr/bin/python3
"""Makes the demo's sample images in data/ and the JPEG test fixture in tests/data/.

Sample images: the five example images shipped with SPORCO (copies in ../shared/data), each
cropped to the same 512x512 region as the CDL training set `cdl_gray_train_raw.npy` there, then
downscaled 2x by averaging 2x2 blocks (in float64, rounded to 8 bits) to 256x256 RGB PNGs.

Test fixture: tests/data/gradient_rgb_16x12.jpg, a 16-wide, 12-high colour gradient with
R = x/15, G = y/11, B = 0.5 (8-bit, rounded), saved as a baseline JPEG at quality 95 without
chroma subsampling.

Usage: scripts/make_sample_data.py [SOURCE_DIR]   (default: ../shared/data next to the repo)
Needs numpy and Pillow (Debian: python3-numpy, python3-pil).
"""
import os
import sys

import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (row slice, column slice): the crops of SPORCO's cbpdndl_cns_gry.py example.
CROPS = {
    "barbara": (slice(10, 522), slice(100, 612)),
    "kodim23": (slice(0, 512), slice(60, 572)),
    "monarch": (slice(0, 512), slice(160, 672)),
    "sail": (slice(0, 512), slice(210, 722)),
    "tulips": (slice(0, 512), slice(30, 542)),
}


def downscale2(rgb):
    """2x2 block average of an (H, W, 3) uint8 array, rounded to uint8."""
    h, w, c = rgb.shape
    blocks = rgb.astype(np.float64).reshape(h // 2, 2, w // 2, 2, c)
    return np.floor(blocks.mean(axis=(1, 3)) + 0.5).astype(np.uint8)


def make_samples(source, target):
    os.makedirs(target, exist_ok=True)
    for name, (rows, cols) in CROPS.items():
        with Image.open(os.path.join(source, name + ".png")) as im:
            rgb = np.asarray(im.convert("RGB"))
        crop = rgb[rows, cols]
        assert crop.shape == (512, 512, 3), (name, crop.shape)
        small = downscale2(crop)
        out = os.path.join(target, name + ".png")
        Image.fromarray(small, "RGB").save(out, optimize=True)
        print(f"{out}: {small.shape[1]}x{small.shape[0]} RGB, {os.path.getsize(out)} bytes")


def make_jpeg_fixture(target):
    os.makedirs(target, exist_ok=True)
    h, w = 12, 16
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x / (w - 1), y / (h - 1), np.full((h, w), 0.5)], axis=2)
    pixels = np.floor(rgb * 255 + 0.5).astype(np.uint8)
    out = os.path.join(target, "gradient_rgb_16x12.jpg")
    Image.fromarray(pixels, "RGB").save(out, quality=95, subsampling=0)
    print(f"{out}: {w}x{h} RGB JPEG, {os.path.getsize(out)} bytes")


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "data")
    make_samples(source, os.path.join(REPO, "data"))
    make_jpeg_fixture(os.path.join(REPO, "tests", "data"))


if __name__ == "__main__":
    main()
