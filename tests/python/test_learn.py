"""deconvnet.learn against dn-learn: the same dictionaries bit for bit (one layer from image
files and from an array stack, a two-layer network from layers=[...] and from a config file),
the outputs written into out, the callback (records, stopping, exceptions), resuming a stopped
run, and bad arguments."""

import os
import pathlib
import unittest
import warnings

import numpy as np

import deconvnet
from common import IMAGES, TEST_DATA, THREADS, WorkDirTest, run_tool

STACK = os.path.join(TEST_DATA, "e2e_stack.npy")
# A tiny run: 3 filters of 5x5, 3 outer iterations.
TINY = dict(filters=3, filter_size=5, iterations=3, threads=THREADS)
TINY_CLI = ["--filters", 3, "--filter-size", 5, "--iterations", 3, "--threads", THREADS]
NETWORK = [dict(filters=3, pooling=2, lmbda=0.2),
           dict(filters=4, filter_size=(3, 3), iterations=2, inference="pixel")]
NETWORK_CLI = ["--layer1.filters", 3, "--layer1.pooling", 2, "--layer1.lambda", 0.2,
               "--layer2.filters", 4, "--layer2.filter-size", "3x3", "--layer2.iterations", 2,
               "--layer2.inference", "pixel"]


def dn_learn(out, *options):
    run_tool("dn-learn", *options, "--out", out)
    return out


class LearnTest(WorkDirTest):
    def assertSameAsFile(self, array, path):
        """The float64 array equals the .npy file's values exactly (float32 files widened)."""
        stored = np.load(path)
        self.assertBitIdentical(array, stored.astype(np.float64))

    def test_single_layer_from_files_equals_dn_learn(self):
        out = dn_learn(self.path("cli"), *TINY_CLI, IMAGES)
        model = deconvnet.learn(IMAGES, **TINY)
        self.assertIsInstance(model, deconvnet.Model)
        self.assertTrue(model.finished)
        self.assertEqual(model.layers, 1)
        self.assertEqual(model.dictionary.shape, (3, 5, 5))
        self.assertSameAsFile(model.dictionary, os.path.join(out, "dictionary.npy"))
        history = np.genfromtxt(os.path.join(out, "history.csv"), delimiter=",", names=True)
        self.assertEqual(list(model.history["iteration"]), [1, 2, 3])
        for column in ("objective", "fidelity", "l1"):
            np.testing.assert_allclose(model.history[column], history[column], rtol=1e-11)

    def test_array_stack_equals_dn_learn_on_the_npy(self):
        out = dn_learn(self.path("cli"), *TINY_CLI, "--precision", "double", STACK)
        stack = np.load(STACK)
        for images in (stack, np.asfortranarray(stack), stack[:, ::-1, :][:, ::-1, :], list(stack)):
            model = deconvnet.learn(images, precision="double", **TINY)
            self.assertSameAsFile(model.dictionary, os.path.join(out, "dictionary.npy"))
        single = self.path("single.npy")
        np.save(single, stack.astype(np.float32))
        out = dn_learn(self.path("cli32"), *TINY_CLI, single)
        model = deconvnet.learn(np.load(single), **TINY)
        self.assertSameAsFile(model.dictionary, os.path.join(out, "dictionary.npy"))

    def test_network_from_layers_and_from_config_equals_dn_learn(self):
        out = dn_learn(self.path("cli"), *TINY_CLI, *NETWORK_CLI, IMAGES)
        model = deconvnet.learn(IMAGES, layers=NETWORK, **TINY)
        self.assertEqual(model.layers, 2)
        self.assertSameAsFile(model.dictionaries[0], os.path.join(out, "dictionary.npy"))
        self.assertSameAsFile(model.dictionaries[1], os.path.join(out, "layer2_dictionary.npy"))
        self.assertEqual(sorted(set(model.history["layer"])), [1, 2])
        self.assertEqual(model.layer_settings[1]["inference"], "pixel")

        config = self.path("net.ini")
        with open(config, "w") as f:
            f.write("# the network above\nfilters = 3\nfilter-size = 5\niterations = 3\n"
                    "[layer1]\npooling = 2\nlambda = 0.2\n"
                    "[layer2]\nfilters = 4\nfilter-size = 3x3\niterations = 2\n"
                    "inference = pixel\n")
        from_file = deconvnet.learn(IMAGES, config=config, threads=THREADS)
        for a, b in zip(from_file.dictionaries, model.dictionaries):
            self.assertBitIdentical(a, b)
        # A keyword wins over the file.
        fewer = deconvnet.learn(IMAGES, config=config, threads=THREADS, iterations=1,
                                layers=[dict(pooling=2), dict(filters=2, iterations=1)])
        self.assertEqual(list(fewer.history["layer"]), [1, 2])
        self.assertEqual(fewer.dictionaries[1].shape[0], 2)

    def test_out_holds_dn_learns_outputs(self):
        out = self.path("out")
        model = deconvnet.learn(IMAGES, out=out, **TINY)
        for name in ("dictionary.npy", "model", "history.csv", "filters.png", "checkpoints"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        loaded = deconvnet.load_model(out)
        self.assertBitIdentical(loaded.dictionary, model.dictionary)
        self.assertEqual(loaded.settings, model.settings)
        self.assertEqual(loaded.layer_settings, model.layer_settings)
        with self.assertRaisesRegex(ValueError, "already holds files; give resume=True"):
            deconvnet.learn(IMAGES, out=out, **TINY)

    def test_callback_sees_every_record_and_stops_the_run(self):
        records = []
        whole = deconvnet.learn(IMAGES, callback=records.append, layers=NETWORK, **TINY)
        self.assertEqual([(r["layer"], r["iteration"]) for r in records],
                         [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)])
        self.assertEqual(set(records[0]), {"layer", "iteration", "seconds", "objective",
                                           "fidelity", "l1", "density", "relative_change",
                                           "rejected_steps", "test_objective"})
        self.assertEqual([r["objective"] for r in records], list(whole.history["objective"]))

        out = self.path("stopped")
        stopped = deconvnet.learn(IMAGES, callback=lambda r: r["iteration"] == 2, out=out, **TINY)
        self.assertFalse(stopped.finished)
        self.assertEqual(stopped.position, "iteration 2 of 3")
        self.assertEqual(len(stopped.history["iteration"]), 2)
        self.assertFalse(os.path.exists(os.path.join(out, "dictionary.npy")))
        resumed = deconvnet.learn(IMAGES, out=out, resume=True, **TINY)
        self.assertTrue(resumed.finished)
        self.assertBitIdentical(resumed.dictionary, deconvnet.learn(IMAGES, **TINY).dictionary)
        self.assertEqual(list(resumed.history["iteration"]), [1, 2, 3])

        def fail(record):
            raise RuntimeError("from the callback")
        with self.assertRaisesRegex(RuntimeError, "from the callback"):
            deconvnet.learn(IMAGES, callback=fail, **TINY)

    def test_init_sets_the_shape(self):
        start = np.random.default_rng(3).standard_normal((2, 4, 6))
        model = deconvnet.learn(IMAGES, init=start, iterations=1, threads=THREADS)
        self.assertEqual(model.dictionary.shape, (2, 4, 6))
        path = self.path("init.npy")
        np.save(path, start)
        out = dn_learn(self.path("cli"), "--init", path, "--iterations", 1, "--threads", THREADS,
                       IMAGES)
        self.assertSameAsFile(model.dictionary, os.path.join(out, "dictionary.npy"))
        with self.assertRaisesRegex(ValueError, "holds 2 filters but --filters is 5"):
            deconvnet.learn(IMAGES, init=start, filters=5, iterations=1)

    def test_images_of_different_sizes_are_cropped_with_a_warning(self):
        rng = np.random.default_rng(5)
        images = [rng.random((20, 22)), rng.random((18, 24))]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = deconvnet.learn(images, **TINY)
        self.assertEqual(len(caught), 1)
        self.assertIn("centre-cropped to 18x22", str(caught[0].message))
        self.assertTrue(model.finished)

    def test_online_learner_equals_dn_learn_and_keeps_every_size(self):
        rng = np.random.default_rng(8)
        images = [rng.random((20, 26)), rng.random((24, 18)), rng.random((22, 22))]
        paths = []
        for i, image in enumerate(images):
            paths.append(self.path(f"image{i}.npy"))
            np.save(paths[-1], image)
        online = dict(learner="online", batch_size=2, **TINY)
        out = dn_learn(self.path("cli"), *TINY_CLI, "--learner", "online", "--batch-size", 2,
                       *paths)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = deconvnet.learn(images, **online)
        self.assertEqual(caught, [])  # no cropping to a common size
        self.assertSameAsFile(model.dictionary, os.path.join(out, "dictionary.npy"))
        for update in ("sgd", "surrogate"):
            records = []
            deconvnet.learn(images, update=update, crop=(12, 12), callback=records.append,
                            **online)
            self.assertEqual(len(records), 3)
        with self.assertRaisesRegex(ValueError, "--batch-size 4 is larger than the training set"):
            deconvnet.learn(images, **{**online, "batch_size": 4})
        with self.assertRaisesRegex(ValueError, "--learner online learns one-layer models"):
            deconvnet.learn(images, layers=NETWORK, **online)

    def test_held_out_objective_equals_dn_learns(self):
        rng = np.random.default_rng(9)
        test = self.path("test.npy")
        np.save(test, rng.random((2, 20, 18)))
        out = dn_learn(self.path("cli"), *TINY_CLI, "--test", test, "--test-every", 2, IMAGES)
        records = []
        model = deconvnet.learn(IMAGES, test=pathlib.Path(test), test_every=2,
                                callback=records.append, **TINY)
        column = model.history["test_objective"]
        self.assertEqual(list(np.isnan(column)), [True, False, False])
        self.assertTrue(np.isnan(records[0]["test_objective"]))
        self.assertEqual(records[1]["test_objective"], column[1])
        with open(os.path.join(out, "history.csv")) as f:
            written = [row.split(",")[-1].strip() for row in f.read().splitlines()[1:]]
        self.assertEqual(written[0], "")
        np.testing.assert_allclose([float(x) for x in written[1:]], column[1:], rtol=1e-11)
        with self.assertRaisesRegex(ValueError, "has 1 channel.* training images have 3"):
            deconvnet.learn([rng.random((3, 24, 24))] * 2, colour=True, test=test, **TINY)
        with self.assertRaisesRegex(ValueError, "--test monitors one-layer runs"):
            deconvnet.learn(IMAGES, test=test, layers=NETWORK, **TINY)

    def test_bad_arguments(self):
        rng = np.random.default_rng(1)
        good = rng.random((2, 16, 16))
        cases = [
            (dict(lmbda=-1), "--lambda must be finite and >= 0"),
            (dict(lmbda=float("nan")), "--lambda must be finite and >= 0"),
            (dict(filters=0), "--filters must be positive"),
            (dict(filters=2.5), "--filters must be a whole number, not '2.5'"),
            (dict(filter_size="3y3"), "--filter-size must be S or HxW"),
            (dict(filter_size=40), "larger than the images"),
            (dict(solver="newton"), "newton"),
            (dict(precision="half"), "half"),
            (dict(colour="yes please"), "--colour must be true or false"),
            (dict(filters=[1, 2]), "--filters must be a whole number, not '1x2'"),
            (dict(filter_size=(3, 2.5)), "filter_size must hold whole numbers"),
            (dict(filters={}), "filters must be a number, a string or a bool, not dict"),
            (dict(layers=[]), "layers must hold 1 to 4 dicts"),
            (dict(layers=[dict(depth=2)]), "layers\\[0\\]: unknown setting 'depth'"),
            (dict(layers=[dict(pooling=2)]), "top layer and its pooling would feed nothing"),
            (dict(layers=["x"]), "layers\\[0\\] must be a dict"),
            (dict(resume=True), "resume=True needs out"),
            (dict(threads=-1), "threads must be 0 to"),
        ]
        for kwargs, message in cases:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}):
                with self.assertRaisesRegex(ValueError, message):
                    deconvnet.learn(good, iterations=1, **kwargs)
        bad_images = [
            ([], "images is empty"),
            (np.zeros(5), "images must have 2 to 4 dimensions"),
            (np.full((2, 8, 8), np.nan), "NaN"),
            (np.zeros((2, 8, 8), dtype=np.int32), "float32 or float64"),
            ([np.zeros((8, 8)), np.zeros((3, 8, 8))], "images\\[1\\] has 3 channels"),
            (42, "images must be an array, a path, or a list"),
        ]
        for images, message in bad_images:
            with self.subTest(images=repr(images)[:40]):
                with self.assertRaisesRegex(ValueError, message):
                    deconvnet.learn(images, iterations=1)
        with self.assertRaises(OSError):
            deconvnet.learn(self.path("missing.png"), iterations=1)
        with self.assertRaises(OSError):
            deconvnet.learn(good, config=self.path("missing.ini"))
        config = self.path("bad.ini")
        with open(config, "w") as f:
            f.write("filters = 3\nout = somewhere\n")
        with self.assertRaisesRegex(ValueError, "bad.ini:2: unknown option 'out'"):
            deconvnet.learn(good, config=config)
        with self.assertRaisesRegex(ValueError, "holds no checkpoint"):
            os.mkdir(self.path("empty"))
            deconvnet.learn(good, out=self.path("empty"), resume=True)


if __name__ == "__main__":
    unittest.main()
