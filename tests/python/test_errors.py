"""Bad arguments raise ValueError with a message naming the problem; missing or invalid files
raise OSError with the library's message, as the executables print it."""

import os
import unittest

import numpy as np

import deconvnet
from common import WorkDirTest, learn_model


class ErrorTest(WorkDirTest):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(1)
        self.dictionary = rng.standard_normal((3, 4, 4))
        self.signal = rng.standard_normal((12, 13))

    def assertValueError(self, pattern, dictionary=None, signal=None, lmbda=0.1, **options):
        options = {"iterations": 2, "threads": 1, **options}
        with self.assertRaisesRegex(ValueError, pattern):
            deconvnet.sparse_code(self.dictionary if dictionary is None else dictionary,
                                  self.signal if signal is None else signal, lmbda, **options)

    def test_bad_arrays(self):
        nan = self.signal.copy()
        nan[3, 4] = np.nan
        inf = self.dictionary.copy()
        inf[1, 2, 3] = -np.inf
        self.assertValueError(r"signal must have 2 or 3 dimensions, not shape \(13,\)",
                              signal=self.signal[0])
        self.assertValueError(r"dictionary must have 3 or 4 dimensions, not shape \(4, 4\)",
                              dictionary=self.dictionary[0])
        self.assertValueError("signal must have dtype float32 or float64, not int64",
                              signal=np.ones((12, 13), dtype=np.int64))
        self.assertValueError("signal must have dtype float32 or float64, not complex128",
                              signal=self.signal.astype(complex))
        self.assertValueError("signal must be a NumPy array", signal=[[1.0, 2.0]])
        self.assertValueError(r"signal contains NaN or infinite values \(first at \[3, 4\]\)",
                              signal=nan)
        self.assertValueError(r"dictionary contains NaN or infinite values \(first at "
                              r"\[1, 2, 3\]\)", dictionary=inf)
        self.assertValueError(r"signal is empty: shape \(0, 13\)", signal=np.zeros((0, 13)))
        self.assertValueError("the image has 3 channel\\(s\\) but the dictionary's filters "
                              "have 1", signal=np.ones((3, 12, 13)))
        self.assertValueError(r"the filters \(4x4\) are larger than the image \(3x13\)",
                              signal=self.signal[:3])
        self.assertValueError(r"init must have the maps' shape \(K, Hm, Wm\) = \(3, 15, 16\), "
                              r"not \(3, 5, 5\)", init=np.zeros((3, 5, 5)))

    def test_bad_settings(self):
        self.assertValueError("lmbda must be finite and >= 0", lmbda=-0.1)
        self.assertValueError("lmbda must be finite and >= 0", lmbda=float("nan"))
        self.assertValueError("iterations must be positive", iterations=0)
        self.assertValueError("tolerance must be finite and >= 0", tolerance=-1.0)
        self.assertValueError("threads must be 0 to 1024", threads=-2)
        self.assertValueError("fastest", solver="fastest")
        self.assertValueError("wrap", boundary="wrap")
        self.assertValueError("quad", precision="quad")
        self.assertValueError("planner must be estimate or measure", planner="slow")
        self.assertValueError("dictionary", dictionary=np.zeros((3, 4, 4)))
        with self.assertRaisesRegex(ValueError, "lcn_sigma|lcnSigma"):
            deconvnet.preprocess(self.signal, "lcn", lcn_sigma=0.0)
        with self.assertRaisesRegex(ValueError, "sharpen"):
            deconvnet.preprocess(self.signal, "sharpen")

    def test_files(self):
        missing = self.path("no such model")
        with self.assertRaises(OSError) as caught:
            deconvnet.load_model(missing)
        self.assertIn(missing, str(caught.exception))
        model = deconvnet.load_model(learn_model(self.path("learn")))
        with self.assertRaisesRegex(OSError, "missing.png"):
            model.reconstruct(self.path("missing.png"))
        with open(self.path("file"), "w") as f:
            f.write("not a directory")
        with self.assertRaises(OSError):
            model.save(os.path.join(self.path("file"), "model"))
        with self.assertRaisesRegex(ValueError, "layer 2: the model has 1 layer"):
            model.reconstruct(np.ones((20, 20)), 2)
        with self.assertRaisesRegex(ValueError, "the image has 3 channel"):
            model.features(np.ones((3, 20, 20)))


if __name__ == "__main__":
    unittest.main()
