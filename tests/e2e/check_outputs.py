"""Checks of the executables' outputs with NumPy alone, used by the end-to-end tests.

    check_outputs.py learn DIR K C h w PRECISION ITERATIONS
    check_outputs.py reconstruction DIR DICTIONARY.npy BOUNDARY
    check_outputs.py network DIR LAYERS ITERATIONS
    check_outputs.py network-reconstruction DIR MODEL_DIR LAYER BOUNDARY   (no pooling)
    check_outputs.py strided-reconstruction DIR MODEL_DIR
    check_outputs.py convtranspose-export DIR MODEL_DIR WEIGHT.npy
    check_outputs.py bench DIR SOLVERS PRECISIONS SCALING_CASES_PER_PRECISION LEARNING_ITERATIONS

Convolution conventions (docs/file_formats.md): circular = periodic convolution with filter tap
(0, 0) at pixel (0, 0); valid = circular convolution on the map grid (H+h-1, W+w-1) cropped to
rows h-1.., columns w-1...
Strided layers (docs/maths.md): map entry (i, j) reaches output (s i - p + a, s j - q + b) through
tap (a, b) of an o' = s (i' - 1) + k - 2p output (PyTorch's ConvTranspose2d); valid keeps its first
H x W, circular takes outputs modulo H x W.
Exits non-zero with a message naming the failed check.
"""
import configparser
import csv
import json
import os
import sys

import numpy as np


def fail(message):
    sys.exit("check failed: " + message)


def expect(condition, message):
    if not condition:
        fail(message)


def relative(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm((a - b).ravel()) / max(np.linalg.norm(b.ravel()), 1e-300)


def synthesise(features, dictionary, boundary, image_shape):
    """sum_k d_kc * z_k for every channel c, in float64."""
    d = dictionary if dictionary.ndim == 4 else dictionary[:, None]
    K, C, h, w = d.shape
    Hm, Wm = features.shape[1:]
    zf = np.fft.rfft2(features.astype(np.float64))
    out = np.empty((C, Hm, Wm))
    for c in range(C):
        df = np.fft.rfft2(d[:, c].astype(np.float64), s=(Hm, Wm))
        out[c] = np.fft.irfft2((df * zf).sum(axis=0), s=(Hm, Wm))
    if boundary == "valid":
        out = out[:, h - 1:, w - 1:]
    return out.reshape(image_shape)


def check_learn(directory, K, C, h, w, precision, iterations):
    dictionary = np.load(os.path.join(directory, "dictionary.npy"))
    shape = (K, h, w) if C == 1 else (K, C, h, w)
    expect(dictionary.shape == shape, f"dictionary.npy shape {dictionary.shape} != {shape}")
    dtype = np.float32 if precision == "single" else np.float64
    expect(dictionary.dtype == dtype, f"dictionary.npy dtype {dictionary.dtype} != {dtype}")
    norms = np.sqrt((dictionary.astype(np.float64) ** 2).reshape(K, -1).sum(axis=1))
    expect(np.all(norms <= 1 + 1e-5), f"filter norms above 1: {norms.max()}")

    model = np.load(os.path.join(directory, "model", "dictionary.npy"))
    expect(model.dtype == np.float64, "model/dictionary.npy is not float64")
    expect(np.array_equal(model, dictionary.astype(np.float64)),
           "model/dictionary.npy differs from dictionary.npy")
    manifest = configparser.ConfigParser()
    expect(manifest.read(os.path.join(directory, "model", "manifest.ini")), "no manifest.ini")
    m = manifest["model"]
    expect(m["format_version"] == "3", "format_version")
    expect(m["layers"] == "1", "layers")
    layer = manifest["layer1"]
    expect((int(layer["filters"]), int(layer["channels"]), int(layer["filter_rows"]),
            int(layer["filter_cols"])) == (K, C, h, w), "manifest shape")
    expect(m["precision"] == precision, "manifest precision")

    with open(os.path.join(directory, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    expect(list(rows[0].keys()) == ["layer", "iteration", "seconds", "objective", "fidelity",
                                    "l1", "density", "rejected_steps", "test_objective"],
           "history.csv columns")
    expect(all(r["layer"] == "1" for r in rows), "history.csv layers")
    expect(len(rows) == iterations, f"history.csv has {len(rows)} rows, not {iterations}")
    expect([int(r["iteration"]) for r in rows] == list(range(1, iterations + 1)),
           "history.csv iterations")
    objective = [float(r["objective"]) for r in rows]
    seconds = [float(r["seconds"]) for r in rows]
    expect(objective[-1] < objective[0], f"objective did not decrease: {objective}")
    expect(all(b >= a for a, b in zip(seconds, seconds[1:])), "seconds not increasing")
    for r in rows:
        fid, l1, obj = float(r["fidelity"]), float(r["l1"]), float(r["objective"])
        expect(fid >= 0 and l1 >= 0 and 0 <= float(r["density"]) <= 1, "history values")
        expect(obj >= fid, "objective < fidelity")

    with open(os.path.join(directory, "filters.png"), "rb") as f:
        expect(f.read(8) == b"\x89PNG\r\n\x1a\n", "filters.png is not a PNG")


def check_reconstruction(directory, dictionary_path, boundary, mask_path=None):
    dictionary = np.load(dictionary_path)
    features = np.load(os.path.join(directory, "features.npy"))
    reconstruction = np.load(os.path.join(directory, "reconstruction.npy"))
    signal = np.load(os.path.join(directory, "signal.npy"))
    with open(os.path.join(directory, "metrics.json")) as f:
        metrics = json.load(f)
    for key in ["objective", "fidelity", "l1", "density", "psnr", "iterations", "seconds",
                "lambda", "boundary", "solver", "precision", "stop_reason"]:
        expect(key in metrics, f"metrics.json lacks {key}")
    expect(metrics["boundary"] == boundary, "metrics boundary")
    single = metrics["precision"] == "single"
    dtype = np.float32 if single else np.float64
    for name, array in [("features", features), ("reconstruction", reconstruction),
                        ("signal", signal)]:
        expect(array.dtype == dtype, f"{name}.npy dtype {array.dtype}")
    expect(reconstruction.shape == signal.shape, "reconstruction and signal shapes differ")

    K, h, w = dictionary.shape[0], dictionary.shape[-2], dictionary.shape[-1]
    H, W = signal.shape[-2:]
    maps = (K, H + h - 1, W + w - 1) if boundary == "valid" else (K, H, W)
    expect(features.shape == maps, f"features.npy shape {features.shape} != {maps}")

    synthesis = synthesise(features, dictionary, boundary, reconstruction.shape)
    error = relative(synthesis, reconstruction)
    tolerance = 1e-5 if single else 1e-10
    expect(error <= tolerance, f"D z differs from reconstruction.npy: relative {error:.3g}")

    z = features.astype(np.float64)
    weight = np.ones(signal.shape) if mask_path is None else np.load(mask_path)
    if mask_path is not None:
        expect("known_fraction" in metrics, "metrics.json lacks known_fraction")
        expect(abs(metrics["known_fraction"] - np.mean(weight > 0)) < 1e-12, "known_fraction")
        expect(not np.any(signal[weight == 0]), "the signal is not zero at unknown pixels")
    # 1/2 ||W (D z - s)||^2 + lambda ||z||_1, W = 1 without a mask
    fidelity = 0.5 * np.sum((weight * (reconstruction.astype(np.float64) - signal)) ** 2)
    objective = fidelity + metrics["lambda"] * np.abs(z).sum()
    error = abs(objective - metrics["objective"]) / abs(objective)
    expect(error <= 1e-5, f"objective {objective} != metrics {metrics['objective']} ({error:.3g})")
    expect(abs(metrics["density"] - np.count_nonzero(z) / z.size) < 1e-12, "metrics density")
    expect(0 < metrics["density"] < 1, "density outside (0, 1)")
    expect(metrics["seconds"] >= 0 and metrics["iterations"] >= 1, "metrics seconds/iterations")
    with open(os.path.join(directory, "reconstruction.png"), "rb") as f:
        expect(f.read(8) == b"\x89PNG\r\n\x1a\n", "reconstruction.png is not a PNG")

    # history.csv: one row per solver iteration, ending at the objective of metrics.json.
    with open(os.path.join(directory, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    expect(rows and list(rows[0].keys()) == ["layer", "iteration", "seconds", "objective",
                                             "fidelity", "l1", "density", "relative_change"],
           "history.csv columns")
    expect(all(r["layer"] == "1" for r in rows), "history.csv layers")
    expect([int(r["iteration"]) for r in rows] == list(range(1, metrics["iterations"] + 1)),
           f"history.csv has {len(rows)} rows, metrics.json {metrics['iterations']} iterations")
    last = float(rows[-1]["objective"])
    error = abs(last - metrics["objective"]) / abs(metrics["objective"])
    expect(error <= (1e-5 if single else 1e-9),
           f"history.csv's last objective {last} != metrics {metrics['objective']} ({error:.3g})")


def layer_dictionary(model, layer):
    name = "dictionary.npy" if layer == 1 else f"layer{layer}_dictionary.npy"
    d = np.load(os.path.join(model, name))
    return d if d.ndim == 4 else d[:, None]


def check_network(directory, layers, iterations):
    """A multi-layer dn-learn output: files, manifest, connectivity, per-layer history."""
    model = os.path.join(directory, "model")
    manifest = configparser.ConfigParser()
    expect(manifest.read(os.path.join(model, "manifest.ini")), "no manifest.ini")
    expect(manifest["model"]["format_version"] == "3", "format_version")
    expect(int(manifest["model"]["layers"]) == layers, "manifest layers")
    for layer in range(1, layers + 1):
        section = manifest[f"layer{layer}"]
        d = layer_dictionary(model, layer)
        expect(d.dtype == np.float64, f"layer {layer} dictionary is not float64")
        expect(d.shape == (int(section["filters"]), int(section["channels"]),
                           int(section["filter_rows"]), int(section["filter_cols"])),
               f"layer {layer} dictionary shape {d.shape}")
        norms = np.sqrt((d ** 2).reshape(d.shape[0], -1).sum(axis=1))
        expect(np.all(norms <= 1 + 1e-5), f"layer {layer} filter norms above 1")
        connected = np.abs(d).reshape(d.shape[0], d.shape[1], -1).max(axis=2) > 0
        inputs = connected.sum(axis=1)
        kind = section["connectivity"]
        if kind == "singles-and-doubles":
            C = d.shape[1]
            expect(d.shape[0] == C + C * (C - 1) // 2, "singles-and-doubles map count")
            expect(np.all(inputs[:C] <= 1) and np.all(inputs[C:] <= 2),
                   "singles-and-doubles filters outside their pairs")
        elif kind == "random-doubles":
            expect(np.all(inputs <= 2), "random-doubles filters outside their pairs")
        if layer > 1:
            top = os.path.join(directory, f"layer{layer}_dictionary.npy")
            expect(np.array_equal(np.load(top).astype(np.float64).reshape(d.shape), d),
                   f"layer{layer}_dictionary.npy differs from the model's")
        with open(os.path.join(directory, f"layer{layer}_filters.png"), "rb") as f:
            expect(f.read(8) == b"\x89PNG\r\n\x1a\n", f"layer{layer}_filters.png is not a PNG")
    with open(os.path.join(directory, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    expect(list(rows[0].keys())[0] == "layer", "history.csv has no layer column")
    for layer in range(1, layers + 1):
        mine = [r for r in rows if int(r["layer"]) == layer]
        expect(len(mine) == iterations, f"layer {layer} has {len(mine)} rows, not {iterations}")
        objective = [float(r["objective"]) for r in mine]
        expect(objective[-1] < objective[0], f"layer {layer} objective did not decrease")


def check_network_reconstruction(directory, model, layer, boundary):
    """Without pooling the reconstruction from layer L is F_1 F_2 ... F_L z_L."""
    features = np.load(os.path.join(directory, "features.npy")).astype(np.float64)
    reconstruction = np.load(os.path.join(directory, "reconstruction.npy"))
    signal = np.load(os.path.join(directory, "signal.npy"))
    with open(os.path.join(directory, "metrics.json")) as f:
        metrics = json.load(f)
    expect(metrics["layer"] == layer, "metrics layer")
    maps = features
    for l in range(layer, 0, -1):
        d = layer_dictionary(model, l)
        h, w = d.shape[2:]
        shape = (d.shape[1],) + ((maps.shape[1] - h + 1, maps.shape[2] - w + 1)
                                 if boundary == "valid" else maps.shape[1:])
        maps = synthesise(maps, d, boundary, shape)
    maps = maps.reshape(reconstruction.shape)
    single = metrics["precision"] == "single"
    error = relative(maps, reconstruction)
    expect(error <= (1e-4 if single else 1e-10), f"top-down projection differs: {error:.3g}")
    fidelity = 0.5 * np.sum((reconstruction.astype(np.float64) - signal) ** 2)
    objective = fidelity + metrics["lambda"] * np.abs(features).sum()
    expect(abs(objective - metrics["objective"]) <= 1e-5 * objective, "metrics objective")
    with open(os.path.join(directory, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    expect(sorted({int(r["layer"]) for r in rows}) == list(range(1, layer + 1)),
           "history.csv does not hold every layer")


def strided_layer(model, layer=1):
    """(dictionary (K, C, h, w), stride, (p, q), boundary) of a model's layer from manifest.ini."""
    manifest = configparser.ConfigParser()
    expect(manifest.read(os.path.join(model, "manifest.ini")), "no manifest.ini")
    boundary = manifest["model"]["boundary"]
    section = manifest[f"layer{layer}"]
    d = layer_dictionary(model, layer).astype(np.float64)
    h, w = d.shape[2:]
    stride = int(section.get("stride", "1"))
    padding = section.get("padding", "default")
    if padding == "default":
        pads = (h - 1, w - 1) if boundary == "valid" else (0, 0)
    else:
        rows, _, cols = padding.partition("x")
        pads = (int(rows), int(cols or rows))
    expect(stride >= 1 and 0 <= pads[0] < h and 0 <= pads[1] < w,
           f"manifest stride {stride} padding {padding}")
    return d, stride, pads, boundary


def strided_maps_shape(image, k, stride, pad, boundary):
    """Map entries along one axis for an image axis of `image`: valid i', circular N / s."""
    if boundary == "circular":
        expect(image % stride == 0, f"stride {stride} does not divide {image}")
        return image // stride
    return max(1, -(-(image - k + 2 * pad) // stride) + 1)


def transposed_by_recipe(z, d, stride, pads, boundary, image):
    """Convolution arithmetic: insert s - 1 zeros between map entries, pad k - p - 1 zeros and
    convolve (stride 1, scipy) with d; valid keeps the first H x W of the o' x o' output,
    circular convolves the unpadded maps fully (p = 0) and folds position n onto (n - p) mod N."""
    from scipy.signal import convolve2d
    K, C, h, w = d.shape
    I, J = z.shape[1:]
    up = np.zeros((K, stride * (I - 1) + 1, stride * (J - 1) + 1))
    up[:, ::stride, ::stride] = z
    pr, pc = (h - 1 - pads[0], w - 1 - pads[1]) if boundary == "valid" else (h - 1, w - 1)
    up = np.pad(up, ((0, 0), (pr, pr), (pc, pc)))
    out = np.array([sum(convolve2d(up[k], d[k, c], mode="valid") for k in range(K))
                    for c in range(C)])
    if boundary == "valid":
        expect(out.shape[1] >= image[0] and out.shape[2] >= image[1],
               f"transposed output {out.shape[1:]} smaller than the image {image}")
        return out[:, :image[0], :image[1]]
    rows = (np.arange(out.shape[1]) - pads[0]) % image[0]
    cols = (np.arange(out.shape[2]) - pads[1]) % image[1]
    folded = np.zeros((C,) + tuple(image))
    np.add.at(folded, (slice(None), rows[:, None], cols[None, :]), out)
    return folded


def transposed_by_scatter(z, d, stride, pads, boundary, image):
    """The definition: out_c[s i - p + a, s j - q + b] += d[k, c, a, b] z_k[i, j], one tap at a
    time over every map entry; valid drops outputs outside the image, circular wraps them."""
    K, C, h, w = d.shape
    I, J = z.shape[1:]
    out = np.zeros((C,) + tuple(image))
    for a in range(h):
        for b in range(w):
            rows = stride * np.arange(I) - pads[0] + a
            cols = stride * np.arange(J) - pads[1] + b
            part = np.einsum("kc,kij->cij", d[:, :, a, b], z)
            if boundary == "circular":
                rows, cols = rows % image[0], cols % image[1]
            keep_r = (rows >= 0) & (rows < image[0])
            keep_c = (cols >= 0) & (cols < image[1])
            np.add.at(out, (slice(None), rows[keep_r][:, None], cols[keep_c][None, :]),
                      part[:, keep_r][:, :, keep_c])
    return out


def strided_outputs(directory, model):
    features = np.load(os.path.join(directory, "features.npy")).astype(np.float64)
    reconstruction = np.load(os.path.join(directory, "reconstruction.npy")).astype(np.float64)
    d, stride, pads, boundary = strided_layer(model)
    K, C, h, w = d.shape
    image = reconstruction.shape[-2:]
    expect(reconstruction.shape == (image if C == 1 else (C,) + image),
           f"reconstruction.npy shape {reconstruction.shape} for {C} channels")
    expect(features.ndim == 3 and features.shape[0] == K,
           f"features.npy shape {features.shape} for {K} filters")
    maps = (K, strided_maps_shape(image[0], h, stride, pads[0], boundary),
            strided_maps_shape(image[1], w, stride, pads[1], boundary))
    expect(features.shape == maps, f"features.npy shape {features.shape} != {maps} "
           f"(stride {stride}, padding {pads}, {boundary}, image {image})")
    return features, reconstruction.reshape((C,) + image), d, stride, pads, boundary


def check_strided_reconstruction(directory, model):
    """A strided layer's maps and reconstruction: the maps' size from the arithmetic, and the
    reconstruction both as the zero-insertion recipe and as the direct scatter."""
    z, reconstruction, d, stride, pads, boundary = strided_outputs(directory, model)
    image = reconstruction.shape[1:]
    for name, method in [("zero-insertion recipe", transposed_by_recipe),
                         ("direct scatter", transposed_by_scatter)]:
        error = relative(method(z, d, stride, pads, boundary, image), reconstruction)
        expect(error <= 1e-4, f"the {name} differs from reconstruction.npy: relative {error:.3g}"
               f" (stride {stride}, padding {pads}, {boundary})")


def conv_transpose2d(x, weight, stride, padding):
    """torch.nn.ConvTranspose2d's forward as documented (no bias, groups, dilation or
    output_padding): x (K, i', j'), weight (K, C, kH, kW) ->
    (C, s (i' - 1) + kH - 2p, s (j' - 1) + kW - 2q), out[c, s i - p + a, s j - q + b] +=
    x[k, i, j] weight[k, c, a, b]; computed on the unpadded output and then cropped by (p, q)."""
    K, C, kh, kw = weight.shape
    I, J = x.shape[1:]
    full = np.zeros((C, stride * (I - 1) + kh, stride * (J - 1) + kw))
    for a in range(kh):
        for b in range(kw):
            full[:, a:a + stride * (I - 1) + 1:stride, b:b + stride * (J - 1) + 1:stride] += \
                np.einsum("kc,kij->cij", weight[:, :, a, b], x)
    p, q = padding
    return full[:, p:full.shape[1] - p, q:full.shape[2] - q]


def check_convtranspose_export(directory, model, weight_path):
    """scripts/convtranspose_weight.py's weight in ConvTranspose2d's forward, cropped to the first
    H x W, gives the reconstruction."""
    z, reconstruction, d, stride, pads, boundary = strided_outputs(directory, model)
    expect(boundary == "valid", "a circular layer has no ConvTranspose2d equivalent")
    weight = np.load(weight_path)
    expect(weight.dtype == np.float32 and weight.shape == d.shape,
           f"{weight_path}: {weight.dtype} {weight.shape}, not float32 {d.shape}")
    out = conv_transpose2d(z, weight.astype(np.float64), stride, pads)
    H, W = reconstruction.shape[1:]
    K, C, h, w = d.shape
    sizes = (stride * (z.shape[1] - 1) + h - 2 * pads[0],
             stride * (z.shape[2] - 1) + w - 2 * pads[1])
    expect(out.shape[1:] == sizes and sizes[0] >= H and sizes[1] >= W,
           f"ConvTranspose2d output {out.shape[1:]}, o' {sizes}, image {(H, W)}")
    error = relative(out[:, :H, :W], reconstruction)
    expect(error <= 1e-4, f"ConvTranspose2d with {weight_path} differs from reconstruction.npy: "
           f"relative {error:.3g}")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    return float("nan") if text == "" else float(text)


def check_bench(directory, solvers, precisions, cases, learning_iterations):
    """dn-bench's outputs: results.json and the CSV tables agree and are complete."""
    with open(os.path.join(directory, "results.json")) as f:
        results = json.load(f)
    for key in ("machine", "coding", "fft", "synthesis", "learning", "scaling", "load_average_at_end"):
        expect(key in results, f"results.json lacks {key}")
    expect(results["machine"]["threads"] >= 1, "results.json: no thread count")

    coding = results["coding"]
    reference = coding["reference_objective"]
    expect(reference > 0, "coding: the reference objective is not positive")
    runs = coding["runs"]
    expect(len(runs) == solvers * precisions, f"coding: {len(runs)} runs")
    table = read_csv(os.path.join(directory, "coding.csv"))
    expect(len(table) == len(runs), "coding.csv and results.json differ in rows")
    history = read_csv(os.path.join(directory, "coding_history.csv"))
    for run, row in zip(runs, table):
        label = run["solver"] + " " + run["precision"]
        expect(row["solver"] == run["solver"] and row["precision"] == run["precision"],
               f"coding.csv row {label} out of order")
        expect(run["seconds_per_iteration"] > 0, f"coding {label}: no time per iteration")
        # The reference is the best objective found, so no run ends clearly below it.
        expect(run["final_objective"] >= reference * (1 - 1e-4),
               f"coding {label}: final objective {run['final_objective']} below {reference}")
        times = [run["seconds_to_" + t] for t in ("1%", "0.1%", "0.01%")]
        reached = [t for t in times if t is not None]
        expect(reached == sorted(reached), f"coding {label}: times to targets not increasing")
        rows = [h for h in history if h["solver"] == run["solver"] and h["precision"] == run["precision"]]
        expect(len(rows) == run["iterations"], f"coding {label}: {len(rows)} history rows")
        expect([int(h["iteration"]) for h in rows] == list(range(1, len(rows) + 1)),
               f"coding {label}: history iterations not 1..n")
        for h in rows:
            error = (float(h["objective"]) - reference) / reference
            expect(abs(error - float(h["relative_error"])) <= 1e-6 * max(1.0, abs(error)),
                   f"coding {label}: relative_error column wrong")
        expect(abs(float(rows[-1]["objective"]) - run["final_objective"]) <= 1e-9 * reference,
               f"coding {label}: history ends elsewhere than final_objective")
        # Work to the targets: grows with the target; ADMM does no window operations, and
        # FISTA's iterations take 2K transforms each (K forward, K inverse for one channel), or
        # K + 1 when the synthesis is formed in space from the non-zeros.
        targets = [t for t in ("1%", "0.1%", "0.01%") if run["iterations_to_" + t]]
        ffts = [run["ffts_to_" + t] for t in targets]
        expect(all(f > 0 for f in ffts) and ffts == sorted(ffts),
               f"coding {label}: FFTs to the targets {ffts}")
        windows = [run["window_ops_to_" + t] for t in targets]
        expect(run["ffts"] >= max(ffts, default=0) and run["flops"] > 0,
               f"coding {label}: the run's work is below its work to a target")
        if run["solver"] == "admm":
            expect(all(w == 0 for w in windows), f"coding {label}: window operations {windows}")
        if run["solver"] == "cd":
            expect(all(w > 0 for w in windows), f"coding {label}: no window operations")
        if run["solver"] == "fista" and len(targets) > 1:
            steps = run["iterations_to_" + targets[-1]] - run["iterations_to_" + targets[0]]
            K = coding["filters"]
            expect((K + 1) * steps <= ffts[-1] - ffts[0] <= 2 * K * steps,
                   f"coding {label}: {ffts[-1] - ffts[0]} FFTs in {steps} iterations")
    expect(set(table[0]) >= {"ffts_to_0.1%", "window_ops_to_0.1%", "flops_to_0.1%"},
           "coding.csv lacks the work columns")

    fft = results["fft"]
    expect(len(fft) == solvers * precisions, f"fft: {len(fft)} rows")
    table = read_csv(os.path.join(directory, "fft.csv"))
    expect(len(table) == len(fft), "fft.csv and results.json differ in rows")
    for row in fft:
        expect(row["bound_seconds"] > 0 and row["seconds_per_iteration"] > 0, "fft: no times")
        expect(abs(row["ratio"] - row["seconds_per_iteration"] / row["bound_seconds"]) <= 1e-9 * row["ratio"],
               "fft: ratio is not time per iteration / bound")

    # synthesis: the default densities per precision; the window flops follow from the non-zeros
    # (2 h w each, one channel), the FFT flops are K transforms of the grid, both ways timed.
    synthesis = results["synthesis"]
    densities = [0.001, 0.003, 0.01, 0.03, 0.1]
    expect(len(synthesis) == len(densities) * precisions, f"synthesis: {len(synthesis)} rows")
    table = read_csv(os.path.join(directory, "synthesis.csv"))
    expect(len(table) == len(synthesis), "synthesis.csv and results.json differ in rows")
    taps = 2 * coding["filter_rows"] * coding["filter_cols"]
    for row, line in zip(synthesis, table):
        label = f"synthesis {row['precision']} {row['density']}"
        expect(row["density"] in densities and float(line["density"]) == row["density"], label)
        expect(row["sparse_seconds"] > 0 and row["fft_seconds"] > 0, f"{label}: no times")
        expect(abs(row["window_flops"] - taps * row["nonzeros"]) <= 1e-9 * row["window_flops"] + 1e-9,
               f"{label}: window flops {row['window_flops']} for {row['nonzeros']} non-zeros")
        expect(abs(row["ratio"] - row["sparse_seconds"] / row["fft_seconds"]) <= 1e-9 * row["ratio"],
               f"{label}: ratio is not sparse / FFT time")
        expect(row["chosen"] in ("sparse", "fft") and line["chosen"] == row["chosen"], label)
    chosen = [row["chosen"] for row in synthesis[:len(densities)]]
    expect(chosen == sorted(chosen, key=lambda c: c == "fft"),
           f"synthesis: the choice is not sparse below a density and FFT above it: {chosen}")

    learning = results["learning"]
    expect(learning["iterations"] == learning_iterations, "learning: wrong iteration count")
    history = read_csv(os.path.join(directory, "learning_history.csv"))
    expect(len(history) == learning_iterations, "learning_history.csv: wrong row count")
    expect(abs(float(history[-1]["objective"]) - learning["final_objective"]) <= 1e-9 * abs(learning["final_objective"]),
           "learning: history ends elsewhere than final_objective")
    seconds = [float(h["seconds"]) for h in history]
    expect(seconds == sorted(seconds), "learning: seconds not cumulative")
    if learning["target"] is not None and learning["target"] >= float(history[0]["objective"]):
        expect(learning["iterations_to_target"] == 1, "learning: the target was reached at once")
    expect(learning["command"].startswith("dn-learn "), "learning: no dn-learn command")

    scaling = results["scaling"]
    expect(scaling["baseline_bytes"] > 0, "scaling: no baseline memory")
    expect(len(scaling["cases"]) == cases * precisions, f"scaling: {len(scaling['cases'])} cases")
    table = read_csv(os.path.join(directory, "scaling.csv"))
    expect(len(table) == len(scaling["cases"]), "scaling.csv and results.json differ in rows")
    for case, row in zip(scaling["cases"], table):
        expect(case["peak_bytes"] >= scaling["baseline_bytes"], "scaling: peak below the baseline")
        expect(case["seconds_per_iteration"] > 0 and case["bound_seconds"] > 0, "scaling: no times")
        size = 4 if case["precision"] == "single" else 8
        expect(case["map_bytes"] == case["filters"] * case["size"] ** 2 * size, "scaling: map bytes")
        expect(int(row["size"]) == case["size"] and int(row["filters"]) == case["filters"],
               "scaling.csv rows out of order")

    config = configparser.ConfigParser()
    with open(os.path.join(directory, "run.ini")) as f:
        config.read_string("[run]\n" + "".join(l for l in f if not l.startswith("#")))
    expect(config["run"]["threads"].isdigit(), "run.ini: no thread count")


def main(argv):
    if argv[1] == "learn":
        check_learn(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]), argv[7],
                    int(argv[8]))
    elif argv[1] == "reconstruction":
        check_reconstruction(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else None)
    elif argv[1] == "network":
        check_network(argv[2], int(argv[3]), int(argv[4]))
    elif argv[1] == "network-reconstruction":
        check_network_reconstruction(argv[2], argv[3], int(argv[4]), argv[5])
    elif argv[1] == "strided-reconstruction":
        check_strided_reconstruction(argv[2], argv[3])
    elif argv[1] == "convtranspose-export":
        check_convtranspose_export(argv[2], argv[3], argv[4])
    elif argv[1] == "bench":
        check_bench(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]))
    else:
        fail("unknown check " + argv[1])


if __name__ == "__main__":
    main(sys.argv)
