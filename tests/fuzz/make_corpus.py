#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Small valid files of every kind each reader accepts, plus a few near misses, so that the
fuzzer starts from the interesting paths. Deterministic (fixed seed); rerunning it rewrites the
seed files seed_*, and leaves inputs added later (e.g. regression_* crashers) alone.

Usage: /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import io
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240601)


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed_" + name), "wb") as f:
        f.write(data)


def npy_bytes(array, version=None):
    out = io.BytesIO()
    if version is None:
        np.save(out, array)
    else:
        np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


# .npy
write("npy", "grey_f4.npy", npy_bytes(rng.random((5, 6)).astype("<f4")))
write("npy", "stack_f8.npy", npy_bytes(rng.random((2, 4, 3))))
write("npy", "colour4d_f4.npy", npy_bytes(rng.random((1, 3, 3, 2)).astype("<f4")))
write("npy", "filters4d_f8.npy", npy_bytes(rng.standard_normal((2, 2, 3, 3))))
write("npy", "rank1_f8.npy", npy_bytes(np.arange(4.0)))
write("npy", "v2_f4.npy", npy_bytes(rng.random((3, 3)).astype("<f4"), version=(2, 0)))
write("npy", "v3_f8.npy", npy_bytes(rng.random((2, 2)), version=(3, 0)))
write("npy", "fortran.npy", npy_bytes(np.asfortranarray(rng.random((3, 2)))))
write("npy", "bigendian.npy", npy_bytes(rng.random((2, 2)).astype(">f8")))
write("npy", "int.npy", npy_bytes(np.arange(6, dtype=np.int32).reshape(2, 3)))
write("npy", "zero_dim.npy", npy_bytes(np.zeros((0, 3))))
write("npy", "truncated.npy", npy_bytes(rng.random((4, 4)))[:-5])

# images
grey = (rng.random((5, 7)) * 255).astype(np.uint8)
rgb = (rng.random((4, 6, 3)) * 255).astype(np.uint8)


def image_bytes(array, fmt, **options):
    return pil_bytes(Image.fromarray(array), fmt, **options)


def pil_bytes(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


write("image", "grey.png", image_bytes(grey, "PNG"))
write("image", "rgb.png", image_bytes(rgb, "PNG"))
write("image", "rgba.png", image_bytes(np.dstack([rgb, rgb[:, :, :1]]), "PNG"))
write("image", "interlaced.png", image_bytes(rgb, "PNG", interlace=1))
write("image", "palette.png", pil_bytes(Image.fromarray(rgb).convert("P"), "PNG"))
write("image", "grey16.png", image_bytes(grey.astype(np.uint16) * 257, "PNG"))
write("image", "grey.jpg", image_bytes(grey, "JPEG", quality=80))
write("image", "rgb.jpg", image_bytes(rgb, "JPEG", quality=90))
write("image", "progressive.jpg", image_bytes(rgb, "JPEG", progressive=True))
write("image", "grey.pgm", b"P5\n7 5\n255\n" + grey.tobytes())
write("image", "comment.pgm", b"P5 # size\n7 5\n# maxval\n1000\n" +
      (grey.astype(">u2") * 3).tobytes())
write("image", "rgb.ppm", b"P6\n6 4\n255\n" + rgb.tobytes())
write("image", "rgb.bmp", image_bytes(rgb, "BMP"))
write("image", "grey.bmp", image_bytes(grey, "BMP"))
write("image", "ascii.pgm", b"P2\n2 2\n255\n0 1\n2 3\n")

# models: manifest + separator + dictionary.npy (see fuzz_model.cpp)
SEPARATOR = b"\n--dictionary.npy--\n"


def manifest(k, c, h, w, preprocess="highpass", solver="fista"):
    return (f"# deconvnet model\n[model]\nformat_version = 1\nprecision = single\n"
            f"boundary = valid\nlambda = 0.1\nzero_mean = false\nseed = 1\nsolver = {solver}\n"
            f"iterations = 200\ntolerance = 0.0001\ncolour = {'true' if c == 3 else 'false'}\n"
            f"preprocess = {preprocess}\nhighpass_lambda = 5\nhighpass_pad = 4\nlcn_sigma = 2\n"
            f"filters = {k}\nchannels = {c}\nfilter_rows = {h}\nfilter_cols = {w}\n").encode()


write("model", "grey", manifest(2, 1, 3, 3) + SEPARATOR +
      npy_bytes(rng.standard_normal((2, 3, 3))))
write("model", "colour", manifest(2, 3, 2, 3, "lcn", "ista") + SEPARATOR +
      npy_bytes(rng.standard_normal((2, 3, 2, 3))))
write("model", "disagree", manifest(3, 1, 3, 3) + SEPARATOR +
      npy_bytes(rng.standard_normal((2, 3, 3))))
write("model", "no_dictionary", manifest(2, 1, 3, 3))


# checkpoints: manifest + "\n--file <path>--\n" + bytes, ... (see fuzz_checkpoint.cpp)
def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"fnv1a64:{h:016x}"


def checkpoint(precision, version=2, drop=None):
    dtype = "<f4" if precision == "single" else "<f8"
    arrays = {
        "filters": ("real", rng.standard_normal((2, 3, 3)).astype(dtype)),
        "image/0/x": ("real", rng.standard_normal((2, 4, 4)).astype(dtype)),
        "image/0/spectra": ("complex", rng.standard_normal((2, 3, 2)).astype(dtype)),
    }
    files = {"run.ini": b"lambda = 0.1\n", "history.csv": b"iteration,objective\n1,2.5\n"}
    lines = ["[checkpoint]", f"format_version = {version}", "kind = dictionary-learning",
             f"precision = {precision}", "layer = 0", "iteration = 1", "[info]",
             "signals = fnv1a64:0123456789abcdef", "[numbers]", "image/0/t = 1.5",
             "image/0/record/objective = 0.25", "iteration = 1", "[arrays]"]
    parts = []
    for name, (kind, a) in arrays.items():
        data = npy_bytes(a)
        shape = "(" + ", ".join(str(d) for d in a.shape) + ("," if a.ndim == 1 else "") + ")"
        lines.append(f"{name} = {kind} {shape} {fnv1a64(data)}")
        if name != drop:
            parts.append((f"state/{name}.npy", data))
    lines.append("[files]")
    for name, data in files.items():
        lines.append(f"{name} = {len(data)} {fnv1a64(data)}")
        parts.append((f"files/{name}", data))
    out = ("\n".join(lines) + "\n").encode()
    for path, data in parts:
        out += b"\n--file " + path.encode() + b"--\n" + data
    return out


write("checkpoint", "single", checkpoint("single"))
write("checkpoint", "double", checkpoint("double"))
write("checkpoint", "version1", checkpoint("single", version=1))  # the previous format
write("checkpoint", "version3", checkpoint("single", version=3))
write("checkpoint", "missing_array", checkpoint("double", drop="image/0/x"))
