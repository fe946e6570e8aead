#!/usr/bin/python3
"""Draws the 3x3, k = 3, s = 2, p = 1 transposed convolution of docs/strided.md.

Usage: scripts/draw_strided_example.py OUT.png

Three panels: the 3x3 maps; the same entries with s - 1 = 1 zero inserted between neighbours
and k - p - 1 = 1 zero of padding on each side (7x7), where a stride-1 convolution with a 3x3
filter gives the output; the 5x5 output, each entry showing how many map entries reach it
(the overlap behind checkerboard artifacts). The counts are computed from the definition
(entry i reaches outputs s i - p + a, a = 0..k-1), not typed in.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

S, K, P, N = 2, 3, 1, 3  # stride, kernel, padding, map size


def overlap():
    out = S * (N - 1) + K - 2 * P
    counts = np.zeros(out, dtype=int)
    for i in range(N):
        for a in range(K):
            o = S * i - P + a
            if 0 <= o < out:
                counts[o] += 1
    return np.outer(counts, counts)


def grid(ax, shape, title):
    ax.set_xlim(-0.5, shape[1] - 0.5)
    ax.set_ylim(shape[0] - 0.5, -0.5)
    ax.set_xticks(np.arange(-0.5, shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, shape[0], 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)


def main(argv):
    if len(argv) != 1:
        print("usage: scripts/draw_strided_example.py OUT.png", file=sys.stderr)
        return 2
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 7, 5]})
    grid(axes[0], (N, N), "maps z (3x3)")
    for i in range(N):
        for j in range(N):
            axes[0].text(j, i, f"z{i}{j}", ha="center", va="center", fontsize=11)
    side = S * (N - 1) + 1 + 2 * (K - P - 1)
    grid(axes[1], (side, side), "zeros inserted (s - 1 = 1), padded by k - p - 1 = 1 (7x7)")
    for y in range(side):
        for x in range(side):
            i, j = (y - (K - P - 1)), (x - (K - P - 1))
            inside = 0 <= i < S * (N - 1) + 1 and 0 <= j < S * (N - 1) + 1
            if inside and i % S == 0 and j % S == 0:
                axes[1].add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, color="#9ecae1"))
                axes[1].text(x, y, f"z{i // S}{j // S}", ha="center", va="center", fontsize=10)
            else:
                axes[1].text(x, y, "0", ha="center", va="center", fontsize=9, color="0.5")
    axes[1].add_patch(plt.Rectangle((-0.5, -0.5), K, K, fill=False, edgecolor="#d62728",
                                    linewidth=2.5))
    axes[1].text(0, side - 0.5 + 0.3, "red: the 3x3 filter window giving output (0, 0)",
                 color="#d62728", ha="left", va="top", fontsize=9)
    counts = overlap()
    grid(axes[2], counts.shape, "output o' = s(i'-1) + k - 2p = 5: taps per entry")
    axes[2].imshow(counts, cmap="Oranges", vmin=0, vmax=counts.max() + 1)
    for y in range(counts.shape[0]):
        for x in range(counts.shape[1]):
            axes[2].text(x, y, str(counts[y, x]), ha="center", va="center", fontsize=11)
    fig.suptitle("Transposed convolution, 3x3 maps, k = 3, s = 2, p = 1 (5x5 output)")
    fig.tight_layout()
    fig.savefig(argv[0], dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
