"""deconvnet.sparse_code: the same maps, bit for bit, as dn-reconstruct --dictionary with
--preprocess none; both dtypes and any memory order; history, init and the callback."""

import json
import os
import unittest

import numpy as np

import deconvnet
from common import THREADS, WorkDirTest, run_tool


class SparseCodeTest(WorkDirTest):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(7)
        self.dictionary = rng.standard_normal((4, 5, 5))
        self.signal = rng.standard_normal((18, 21))
        self.colour_dictionary = rng.standard_normal((3, 3, 4, 4))
        self.colour_signal = rng.standard_normal((3, 14, 15))

    def reference(self, dictionary, signal, lmbda, solver, boundary, iterations, precision,
                  threads=THREADS, colour=False):
        """features.npy and metrics.json of dn-reconstruct on the same arrays."""
        np.save(self.path("D.npy"), np.ascontiguousarray(dictionary))
        np.save(self.path("s.npy"), np.ascontiguousarray(signal))
        out = self.path("out")
        run_tool("dn-reconstruct", "--dictionary", self.path("D.npy"), "--lambda", lmbda,
                 "--preprocess", "none", "--boundary", boundary, "--solver", solver,
                 "--iterations", iterations, "--tolerance", 0, "--precision", precision,
                 "--threads", threads, *(["--colour"] if colour else []), "--out", out,
                 self.path("s.npy"))
        with open(os.path.join(out, "metrics.json")) as f:
            metrics = json.load(f)
        return np.load(os.path.join(out, "features.npy")), metrics

    def test_bit_identical_to_dn_reconstruct(self):
        cases = [("fista", "valid", "single", 1), ("ista", "circular", "double", 2),
                 ("admm", "circular", "single", 2), ("fista", "valid", "double", 2)]
        for solver, boundary, precision, threads in cases:
            with self.subTest(solver=solver, boundary=boundary, precision=precision):
                expected, metrics = self.reference(self.dictionary, self.signal, 0.1, solver,
                                                   boundary, 25, precision, threads)
                result = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, solver=solver,
                                               boundary=boundary, iterations=25,
                                               precision=precision, threads=threads)
                self.assertBitIdentical(result.maps, expected)
                self.assertEqual(result.objective, metrics["objective"])
                self.assertEqual(result.iterations, 25)

    def test_colour(self):
        expected, _ = self.reference(self.colour_dictionary, self.colour_signal, 0.05, "auto",
                                     "valid", 15, "single", colour=True)
        result = deconvnet.sparse_code(self.colour_dictionary, self.colour_signal, 0.05,
                                       iterations=15, threads=THREADS)
        self.assertBitIdentical(result.maps, expected)

    def test_dtypes_and_memory_orders_give_the_same_maps(self):
        expected, _ = self.reference(self.dictionary, self.signal, 0.1, "auto", "valid", 10,
                                     "double")
        variants = {
            "fortran": (np.asfortranarray(self.dictionary), np.asfortranarray(self.signal)),
            "strided view": (np.repeat(self.dictionary, 2, axis=2)[:, :, ::2],
                             np.repeat(self.signal, 2, axis=1)[:, ::2]),
            "transposed copy": (self.dictionary.transpose(0, 2, 1).copy().transpose(0, 2, 1),
                                self.signal.T.copy().T),
        }
        for name, (dictionary, signal) in variants.items():
            with self.subTest(name):
                self.assertTrue(np.array_equal(dictionary, self.dictionary))
                result = deconvnet.sparse_code(dictionary, signal, 0.1, iterations=10,
                                               precision="double", threads=THREADS)
                self.assertBitIdentical(result.maps, expected)

    def test_float32_inputs(self):
        dictionary = self.dictionary.astype(np.float32)
        signal = np.asfortranarray(self.signal.astype(np.float32))
        expected, _ = self.reference(dictionary, signal, 0.1, "auto", "valid", 10, "single")
        result = deconvnet.sparse_code(dictionary, signal, 0.1, iterations=10, threads=THREADS)
        self.assertEqual(result.maps.dtype, np.float32)
        self.assertBitIdentical(result.maps, expected)
        self.assertTrue(result.maps.flags.c_contiguous)

    def test_history_and_result(self):
        result = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, iterations=12,
                                       threads=THREADS)
        keys = {"iteration", "objective", "fidelity", "l1", "density", "relative_change",
                "seconds"}
        self.assertEqual(set(result.history), keys)
        for key in keys:
            self.assertEqual(result.history[key].shape, (12,), key)
        self.assertEqual(list(result.history["iteration"]), list(range(1, 13)))
        self.assertTrue(np.all(np.diff(result.history["seconds"]) >= 0))
        self.assertEqual(result.maps.shape, (4, 22, 25))
        self.assertEqual(result.reconstruction.shape, self.signal.shape)
        self.assertEqual(result.stop_reason, "the iteration limit was reached")
        self.assertAlmostEqual(result.objective, result.fidelity + 0.1 * result.l1)

    def test_init_continues_a_solve(self):
        # ISTA has no momentum: 10 iterations then 10 more from the result are 20 iterations.
        whole = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, solver="ista",
                                      iterations=20, precision="double", threads=THREADS)
        first = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, solver="ista",
                                      iterations=10, precision="double", threads=THREADS)
        second = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, solver="ista",
                                       iterations=10, precision="double", threads=THREADS,
                                       init=first.maps)
        np.testing.assert_allclose(second.maps, whole.maps, rtol=0, atol=1e-10)

    def test_callback_sees_every_record_and_stops(self):
        seen = []

        def stop_at_five(record):
            seen.append(record)
            return record["iteration"] == 5

        result = deconvnet.sparse_code(self.dictionary, self.signal, 0.1, iterations=50,
                                       threads=THREADS, callback=stop_at_five)
        self.assertEqual(result.iterations, 5)
        self.assertEqual([r["iteration"] for r in seen], [1, 2, 3, 4, 5])
        self.assertEqual(seen[-1]["objective"], result.history["objective"][-1])
        self.assertEqual(result.stop_reason, deconvnet.sparse_code(
            self.dictionary, self.signal, 0.1, iterations=50, threads=THREADS,
            callback=lambda r: True).stop_reason)

    def test_callback_exception_propagates(self):
        def fail(record):
            raise ZeroDivisionError("from the callback")

        with self.assertRaisesRegex(ZeroDivisionError, "from the callback"):
            deconvnet.sparse_code(self.dictionary, self.signal, 0.1, iterations=50,
                                  threads=THREADS, callback=fail)

    def test_help_lists_every_option(self):
        doc = deconvnet.sparse_code.__doc__
        for option in ("dictionary", "signal", "lmbda", "solver", "boundary", "iterations",
                       "tolerance", "precision", "threads", "init", "callback", "planner"):
            self.assertIn(option + ":", doc)


if __name__ == "__main__":
    unittest.main()
