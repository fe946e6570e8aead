"""Strided layers from Python (issue 13): learn(stride=, padding=) equals dn-learn --stride
--padding; sparse_code(stride=, padding=) equals dn-reconstruct --dictionary --stride --padding,
and its maps have the shape the arithmetic o' = s(i' - 1) + k - 2p gives."""

import json
import math
import os
import unittest

import numpy as np

import deconvnet
from common import IMAGES, THREADS, WorkDirTest, run_tool

# A tiny run: 3 filters of 5x5, 3 outer iterations.
TINY = dict(filters=3, filter_size=5, iterations=3, threads=THREADS)
TINY_CLI = ["--filters", 3, "--filter-size", 5, "--iterations", 3, "--threads", THREADS]


class StridedTest(WorkDirTest):
    def test_learn_with_a_stride_equals_dn_learn(self):
        out = self.path("cli")
        run_tool("dn-learn", *TINY_CLI, "--stride", 2, "--padding", "3x2", "--out", out, IMAGES)
        model = deconvnet.learn(IMAGES, stride=2, padding=(3, 2), **TINY)
        self.assertBitIdentical(model.dictionary,
                                np.load(os.path.join(out, "dictionary.npy")).astype(np.float64))
        network = deconvnet.learn(IMAGES, layers=[{}, {"stride": 2, "filters": 4}], **TINY)
        self.assertEqual(network.layers, 2)

    def test_sparse_code_with_a_stride_equals_dn_reconstruct(self):
        rng = np.random.default_rng(11)
        dictionary = rng.standard_normal((4, 5, 5))
        signal = rng.standard_normal((17, 20))
        np.save(self.path("D.npy"), dictionary)
        np.save(self.path("s.npy"), signal)
        for stride, padding, text in ((2, "default", "default"), (3, (2, 1), "2x1"), (2, 0, "0")):
            with self.subTest(stride=stride, padding=padding):
                out = self.path(f"out{stride}{text}")
                run_tool("dn-reconstruct", "--dictionary", self.path("D.npy"), "--lambda", 0.1,
                         "--preprocess", "none", "--iterations", 20, "--tolerance", 0,
                         "--stride", stride, "--padding", text, "--threads", THREADS,
                         "--out", out, self.path("s.npy"))
                result = deconvnet.sparse_code(dictionary, signal, 0.1, iterations=20,
                                               stride=stride, padding=padding, threads=THREADS)
                expected = np.load(os.path.join(out, "features.npy"))
                self.assertBitIdentical(result.maps, expected)
                p, q = (4, 4) if padding == "default" else (
                    padding if isinstance(padding, tuple) else (padding, padding))
                rows = max(1, math.ceil((17 - 5 + 2 * p) / stride) + 1)
                cols = max(1, math.ceil((20 - 5 + 2 * q) / stride) + 1)
                self.assertEqual(result.maps.shape, (4, rows, cols))
                with open(os.path.join(out, "metrics.json")) as f:
                    self.assertEqual(result.objective, json.load(f)["objective"])

    def test_bad_strides_and_paddings(self):
        dictionary = np.ones((2, 3, 3))
        signal = np.ones((12, 12))
        for kwargs in ({"stride": 0}, {"padding": 3}, {"padding": "wide"},
                       {"stride": 2, "solver": "admm", "boundary": "circular"},
                       {"stride": 5, "boundary": "circular"}):
            with self.subTest(**kwargs):
                with self.assertRaises(ValueError):
                    deconvnet.sparse_code(dictionary, signal, 0.1, **kwargs)
        with self.assertRaises(ValueError):
            deconvnet.learn(IMAGES, stride=2, learner="online", **TINY)


if __name__ == "__main__":
    unittest.main()
