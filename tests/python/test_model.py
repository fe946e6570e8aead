"""deconvnet.load_model and Model: the model round trip, reconstruct and features against
dn-reconstruct --model (one layer and a two-layer network), filters in pixel space, and
montage and preprocess against what the executables write."""

import json
import os
import unittest

import numpy as np
from matplotlib import pyplot

import deconvnet
from common import IMAGE, IMAGES, THREADS, WorkDirTest, learn_model, run_tool


class ModelTest(WorkDirTest):
    def test_round_trip(self):
        out = learn_model(self.path("learn"))
        model = deconvnet.load_model(out)
        self.assertEqual(model.layers, 1)
        stored = np.load(os.path.join(out, "model", "dictionary.npy"))
        self.assertBitIdentical(model.dictionary, stored)
        self.assertEqual(model.settings["lambda"], 0.1)
        self.assertEqual(model.layer_settings[0]["filters"], 3)
        model.save(self.path("copy"))
        again = deconvnet.load_model(self.path("copy"))
        self.assertBitIdentical(again.dictionary, model.dictionary)
        self.assertEqual(again.settings, model.settings)
        self.assertEqual(again.layer_settings, model.layer_settings)
        with open(os.path.join(out, "model", "manifest.ini")) as a, \
                open(self.path("copy", "manifest.ini")) as b:
            self.assertEqual(a.read(), b.read())

    def compare_with_dn_reconstruct(self, model_dir, layer, **options):
        out = self.path(f"reconstruct{layer}")
        run_tool("dn-reconstruct", "--model", model_dir, "--layer", layer, "--iterations", 20,
                 "--threads", THREADS, "--out", out, IMAGE)
        model = deconvnet.load_model(model_dir)
        result = model.reconstruct(IMAGE, layer, iterations=20, threads=THREADS, **options)
        for name in ("features", "reconstruction", "signal"):
            expected = np.load(os.path.join(out, name + ".npy"))
            actual = result.maps if name == "features" else getattr(result, name)
            with self.subTest(layer=layer, array=name):
                self.assertBitIdentical(actual, expected)
        with open(os.path.join(out, "metrics.json")) as f:
            metrics = json.load(f)
        for key, value in metrics.items():
            if key != "seconds":
                self.assertEqual(result.metrics[key], value, key)
        png = pyplot.imread(os.path.join(out, "reconstruction.png"))
        np.testing.assert_allclose(np.clip(result.image, 0, 1), png, rtol=0, atol=0.51 / 255)
        return model, result

    def test_reconstruct_matches_dn_reconstruct(self):
        out = learn_model(self.path("learn"))
        model, result = self.compare_with_dn_reconstruct(out, 1)
        self.assertEqual(set(result.history["layer"]), {1})
        # An array in memory (any order) gives the same maps as the .npy file holding it.
        image = np.random.default_rng(3).random((20, 22))
        np.save(self.path("image.npy"), image)
        from_file = model.features(self.path("image.npy"), iterations=20, threads=THREADS)
        for variant in (image, np.asfortranarray(image), image.astype(np.float32)):
            from_array = model.features(variant, iterations=20, threads=THREADS)
            if variant.dtype == np.float64:
                self.assertBitIdentical(from_array, from_file)
            else:
                np.testing.assert_allclose(from_array, from_file, rtol=0, atol=1e-4)

    def test_two_layer_network(self):
        with open(self.path("two.ini"), "w") as f:
            f.write("layers = 2\nfilter-size = 5\niterations = 3\n[layer1]\nfilters = 3\n"
                    "lambda = 0.05\n[layer2]\nconnectivity = singles-and-doubles\n"
                    "lambda = 0.02\n")
        out = self.path("two")
        run_tool("dn-learn", "--config", self.path("two.ini"), "--threads", THREADS,
                 "--out", out, IMAGES)
        model, result = self.compare_with_dn_reconstruct(out, 2)
        self.assertEqual(model.layers, 2)
        self.assertEqual(len(model.dictionaries), 2)
        self.assertEqual(model.dictionaries[1].shape, (6, 3, 5, 5))
        self.assertEqual(set(result.history["layer"]), {1, 2})
        pictures = model.filters_in_pixel_space(2)
        self.assertEqual(pictures.ndim, 3)
        self.assertEqual(pictures.shape[0], 6)
        model.save(self.path("copy"))
        again = deconvnet.load_model(self.path("copy"))
        for a, b in zip(again.dictionaries, model.dictionaries):
            self.assertBitIdentical(a, b)

    def test_montage_is_filters_png(self):
        out = learn_model(self.path("learn"))
        picture = deconvnet.montage(np.load(os.path.join(out, "dictionary.npy")))
        self.assertEqual(picture.dtype, np.float64)
        self.assertTrue(0 <= picture.min() and picture.max() <= 1)
        png = pyplot.imread(os.path.join(out, "filters.png"))
        np.testing.assert_allclose(picture, png, rtol=0, atol=0.51 / 255)

    def test_preprocess_matches_the_reference(self):
        raw = np.load(os.path.join(os.environ["DN_TEST_DATA"], "preprocess_raw.npy"))
        expected = np.load(os.path.join(os.environ["DN_TEST_DATA"], "preprocess_hp.npy"))
        signal = deconvnet.preprocess(raw, "highpass")
        self.assertEqual(signal.shape, raw.shape)
        np.testing.assert_allclose(signal, expected, rtol=0, atol=1e-9)
        self.assertBitIdentical(deconvnet.preprocess(raw, "none"), raw.astype(np.float64))


if __name__ == "__main__":
    unittest.main()
