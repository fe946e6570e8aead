#!/usr/bin/python3
"""Plots one or more history.csv files (written by dn-learn or dn-reconstruct) into a PNG.

Usage: scripts/plot_history.py HISTORY.csv [HISTORY.csv ...] OUT.png

Three panels against the iteration: the objective (log scale), the density (fraction of
non-zero map entries) and the wall time in seconds (the file's cumulative `seconds` column).
Several files are overlaid, each labelled with the name of the directory that holds it
(e.g. results/demo/history.csv -> "demo"); a file of several layers (a `layer` column with more
than one value) gives one curve per layer ("demo layer 2").

A fourth panel, when any file has a test_objective column with values (dn-learn --test), draws
the held-out test objective against the wall time: the axis on which learners (batch and
online) compare, since their iterations differ in cost; empty cells (iterations without an
evaluation) are skipped.

Columns are found by name in the header line (see docs/file_formats.md); only layer and
test_objective (when present), iteration, objective, density and seconds are used, and any other
column is ignored.

Needs Debian's /usr/bin/python3 with numpy and matplotlib (python3-numpy,
python3-matplotlib). Exit status: 0 on success, 1 for an unreadable, empty or malformed file,
2 for wrong arguments.
"""
import argparse
import csv
import os
import sys

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

REQUIRED = ("iteration", "seconds", "objective", "density")
OPTIONAL = ("layer", "test_objective")


class HistoryError(Exception):
    """A history file that cannot be plotted; the message names the file."""


def read_history(path):
    """Returns {column: float array} for the REQUIRED columns of one history CSV."""
    if not os.path.isfile(path):
        raise HistoryError(f"{path}: no such file")
    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and any(cell.strip() for cell in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise HistoryError(f"{path}: cannot read: {e}") from None
    if not rows:
        raise HistoryError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HistoryError(f"{path}: no column(s) {', '.join(missing)} in the header "
                           f"'{','.join(header)}'")
    if len(rows) == 1:
        raise HistoryError(f"{path}: header only, no iterations")
    columns = REQUIRED + tuple(c for c in OPTIONAL if c in header)
    index = {c: header.index(c) for c in columns}
    data = {c: [] for c in columns}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise HistoryError(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
        for c, i in index.items():
            if c == "test_objective" and not row[i].strip():
                data[c].append(np.nan)  # not evaluated at this iteration
                continue
            try:
                data[c].append(float(row[i]))
            except ValueError:
                raise HistoryError(f"{path}:{line}: {c} is not a number: '{row[i]}'") from None
    return {c: np.asarray(v) for c, v in data.items()}


def split_layers(histories, labels):
    """One (history, label) per layer of every file that holds several layers."""
    out = []
    for h, label in zip(histories, labels):
        layers = np.unique(h["layer"]) if "layer" in h else np.array([])
        if len(layers) <= 1:
            out.append((h, label))
            continue
        for layer in layers:
            mine = h["layer"] == layer
            out.append(({c: v[mine] for c, v in h.items()}, f"{label} layer {int(layer)}"))
    return [h for h, _ in out], [label for _, label in out]


def labels_for(paths):
    """The parent directory's name of each file, or the whole path where those clash."""
    names = [os.path.basename(os.path.dirname(os.path.abspath(p))) or p for p in paths]
    if len(set(names)) < len(names):
        names = [os.path.normpath(p) for p in paths]
    return names


def has_test(h):
    return "test_objective" in h and np.any(np.isfinite(h["test_objective"]))


def plot(histories, labels, out):
    tested = any(has_test(h) for h in histories)
    fig, axes = plt.subplots(1, 4 if tested else 3, figsize=(20 if tested else 15, 4.2),
                             constrained_layout=True)
    objective_ax, density_ax, time_ax = axes[:3]
    log_objective = all(np.all(h["objective"] > 0) for h in histories)
    for h, label in zip(histories, labels):
        it = h["iteration"]
        objective_ax.plot(it, h["objective"], label=label)
        density_ax.plot(it, h["density"], label=label)
        time_ax.plot(it, h["seconds"], label=label)
    if tested:
        test_ax = axes[3]
        for h, label in zip(histories, labels):
            if has_test(h):
                given = np.isfinite(h["test_objective"])
                test_ax.plot(h["seconds"][given], h["test_objective"][given], "o-", label=label)
        test_ax.set_title("held-out test objective")
        test_ax.set_ylabel("test objective (mean per image)")
        test_ax.legend()
    if log_objective:
        objective_ax.set_yscale("log")
    objective_ax.set_title("objective" + (" (log scale)" if log_objective else ""))
    density_ax.set_title("density (fraction of non-zero map entries)")
    time_ax.set_title("cumulative time")
    objective_ax.set_ylabel("objective")
    density_ax.set_ylabel("density")
    time_ax.set_ylabel("seconds")
    for ax in axes[:3]:
        ax.set_xlabel("iteration")
        ax.grid(True, which="both", alpha=0.3)
    if tested:
        axes[3].set_xlabel("seconds")
        axes[3].grid(True, which="both", alpha=0.3)
    if len(histories) > 1:
        objective_ax.legend()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv):
    parser = argparse.ArgumentParser(
        description="Plot objective, density and time from history.csv files of dn-learn or dn-reconstruct.")
    parser.add_argument("histories", nargs="+", metavar="HISTORY.csv",
                        help="history files; several are overlaid")
    parser.add_argument("output", metavar="OUT.png", help="the PNG to write")
    args = parser.parse_args(argv)
    if not args.output.lower().endswith(".png"):
        parser.error(f"the last argument must be the output .png, got '{args.output}'")
    try:
        histories = [read_history(p) for p in args.histories]
    except HistoryError as e:
        print(f"plot_history.py: {e}", file=sys.stderr)
        return 1
    try:
        plot(*split_layers(histories, labels_for(args.histories)), args.output)
    except OSError as e:
        print(f"plot_history.py: cannot write {args.output}: {e}", file=sys.stderr)
        return 1
    print(f"plot_history.py: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
