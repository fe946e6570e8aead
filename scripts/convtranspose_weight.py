#!/usr/bin/python3
"""Writes a model layer's filters as the weight of the equivalent torch.nn.ConvTranspose2d.

Usage: scripts/convtranspose_weight.py MODEL_DIR OUT.npy [--layer N]

MODEL_DIR is a model directory or dn-learn's output directory holding one as model/: manifest.ini, dictionary.npy for layer 1,
layerN_dictionary.npy for layer N >= 2. OUT.npy gets a float32 (K, C, h, w) array.

The mapping (docs/maths.md, "Strided layers"): a layer of K filters d (K x C x h x w), stride s
and padding (p, q) explains its input (C x H x W) by

    out[c, s i - p + a, s j - q + b] += d[k, c, a, b] z[k, i, j]

on an o' = s (i' - 1) + h - 2p by s (j' - 1) + w - 2q output. This is, term by term, the forward
of ConvTranspose2d(in_channels=K, out_channels=C, kernel_size=(h, w), stride=s, padding=(p, q),
bias=False), whose weight has PyTorch's layout (in_channels, out_channels, kH, kW). So the weight
is the dictionary itself, without a flip; for C = 1 the channel axis is inserted. Padding
"default" is (h - 1, w - 1) for valid layers.

With the valid boundary the maps cover the input, so o' >= H: keep the first H x W of the
ConvTranspose2d output (output_padding is not needed). Circular layers wrap their outputs around,
which ConvTranspose2d cannot do: they are refused.

Exit status: 0 written; 1 the model cannot be read or OUT.npy written; 2 bad arguments or a
circular layer.
"""
import configparser
import os
import sys

import numpy as np


def usage_error(message):
    print(f"convtranspose_weight.py: {message} "
          "(usage: scripts/convtranspose_weight.py MODEL_DIR OUT.npy [--layer N])",
          file=sys.stderr)
    sys.exit(2)


def model_error(message):
    print(f"convtranspose_weight.py: {message}", file=sys.stderr)
    sys.exit(1)


def parse(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        sys.exit(0)
    positional, layer, rest = [], 1, list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--layer" or arg.startswith("--layer="):
            value = arg.partition("=")[2] if "=" in arg else (rest.pop(0) if rest else "")
            if not value.isdigit() or int(value) < 1:
                usage_error(f"--layer needs a positive integer, not '{value}'")
            layer = int(value)
        elif arg.startswith("--"):
            usage_error(f"unknown option {arg}")
        else:
            positional.append(arg)
    if len(positional) != 2:
        usage_error(f"expected MODEL_DIR and OUT.npy, got {len(positional)} arguments")
    return positional[0], positional[1], layer


def main(argv):
    model, out, layer = parse(argv)
    if not os.path.exists(os.path.join(model, "manifest.ini")):  # dn-learn's output directory
        model = os.path.join(model, "model")
    manifest = configparser.ConfigParser()
    try:
        if not manifest.read(os.path.join(model, "manifest.ini")):
            model_error(f"cannot read {os.path.join(model, 'manifest.ini')}")
        layers = int(manifest["model"]["layers"])
        boundary = manifest["model"]["boundary"]
    except (configparser.Error, KeyError, ValueError) as e:
        model_error(f"{model}/manifest.ini: {type(e).__name__}: {e}")
    if layer > layers:
        usage_error(f"--layer {layer}, but the model has {layers} layers")
    if boundary != "valid":
        print(f"convtranspose_weight.py: the model's boundary is {boundary}; a circular layer "
              "wraps its outputs around, which torch.nn.ConvTranspose2d has no equivalent for",
              file=sys.stderr)
        sys.exit(2)
    name = "dictionary.npy" if layer == 1 else f"layer{layer}_dictionary.npy"
    try:
        section = manifest[f"layer{layer}"]
        d = np.load(os.path.join(model, name))
        if d.ndim == 3:
            d = d[:, None]
        K, C, h, w = d.shape
        if (int(section["filters"]), int(section["channels"]), int(section["filter_rows"]),
                int(section["filter_cols"])) != (K, C, h, w):
            model_error(f"{name} has shape {d.shape}, not the manifest's layer {layer} shape")
        stride = int(section.get("stride", "1"))
        padding = section.get("padding", "default")
        if padding == "default":
            p, q = h - 1, w - 1
        else:
            rows, _, cols = padding.partition("x")
            p, q = int(rows), int(cols or rows)
    except (OSError, configparser.Error, KeyError, ValueError) as e:
        model_error(f"{model}: layer {layer}: {type(e).__name__}: {e}")
    if stride < 1 or not (0 <= p < h and 0 <= q < w):
        model_error(f"{model}: layer {layer} has stride {stride}, padding {p}x{q}")
    try:
        with open(out, "wb") as f:
            np.save(f, np.ascontiguousarray(d, dtype=np.float32))
    except OSError as e:
        model_error(f"cannot write {out}: {e.strerror}")
    print(f"torch.nn.ConvTranspose2d(in_channels={K}, out_channels={C}, kernel_size=({h}, {w}), "
          f"stride={stride}, padding=({p}, {q}), bias=False)  # weight: {out}; keep the first "
          "H x W of the output (the layer's input size); output_padding is not needed")


if __name__ == "__main__":
    main(sys.argv[1:])
