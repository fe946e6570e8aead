"""Masks from Python (issue 15): sparse_code(mask=) with an all-ones mask is the unmasked solve and
ignores what unknown pixels hold; learn(mask=) equals dn-learn --mask DIR on the same images and
masks; Model.reconstruct(mask=, reference=) equals dn-reconstruct --model --mask --reference."""

import json
import os
import unittest

import numpy as np

import deconvnet
from common import IMAGES, THREADS, WorkDirTest, run_tool

TINY = dict(filters=3, filter_size=5, iterations=4, threads=THREADS)
TINY_CLI = ["--filters", 3, "--filter-size", 5, "--iterations", 4, "--threads", THREADS]


class MaskTest(WorkDirTest):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(15)
        self.dictionary = rng.standard_normal((4, 5, 5))
        self.signal = rng.standard_normal((20, 18))
        self.mask = (rng.random((20, 18)) >= 0.4).astype(np.float64)

    def code(self, **kwargs):
        return deconvnet.sparse_code(self.dictionary, kwargs.pop("signal", self.signal), 0.1,
                                     iterations=30, precision="double", threads=THREADS, **kwargs)

    def test_sparse_code_with_a_mask(self):
        plain = self.code(boundary="valid")
        ones = self.code(boundary="valid", mask=np.ones_like(self.mask))
        np.testing.assert_array_equal(plain.maps, ones.maps)
        masked = self.code(boundary="circular", solver="admm", mask=self.mask)
        garbage = self.signal + 100 * (self.mask == 0)
        again = self.code(boundary="circular", solver="admm", mask=self.mask, signal=garbage)
        np.testing.assert_array_equal(masked.maps, again.maps)
        residual = self.mask * (masked.reconstruction - self.signal)
        objective = 0.5 * np.sum(residual ** 2) + 0.1 * np.abs(masked.maps).sum()
        self.assertAlmostEqual(objective, masked.objective, delta=1e-9 * objective)
        with self.assertRaisesRegex(ValueError, "zero everywhere"):
            self.code(mask=np.zeros_like(self.mask))
        cd = self.code(boundary="circular", solver="cd", mask=self.mask)
        cd_again = self.code(boundary="circular", solver="cd", mask=self.mask, signal=garbage)
        np.testing.assert_array_equal(cd.maps, cd_again.maps)

    def test_learn_and_reconstruct_with_masks_equal_the_executables(self):
        names = sorted(os.listdir(IMAGES))
        masks_dir = self.path("masks")
        os.mkdir(masks_dir)
        rng = np.random.default_rng(3)
        masks = []
        for name in names:
            mask = (rng.random((24, 24)) >= 0.3).astype(np.float64)
            np.save(os.path.join(masks_dir, os.path.splitext(name)[0] + ".npy"), mask)
            masks.append(mask)
        out = self.path("cli")
        run_tool("dn-learn", *TINY_CLI, "--mask", masks_dir, "--out", out, IMAGES)
        model = deconvnet.learn(IMAGES, mask=np.stack(masks), **TINY)
        np.testing.assert_array_equal(
            model.dictionary, np.load(os.path.join(out, "dictionary.npy")).astype(np.float64))

        image = os.path.join(IMAGES, names[0])
        rec = self.path("rec")
        run_tool("dn-reconstruct", "--model", out, "--mask", os.path.join(masks_dir, "a.npy"),
                 "--reference", image, "--threads", THREADS, "--out", rec, image)
        result = deconvnet.load_model(out).reconstruct(image, mask=masks[0], reference=image,
                                                       threads=THREADS)
        with open(os.path.join(rec, "metrics.json")) as f:
            metrics = json.load(f)
        for key in ["objective", "psnr", "psnr_reference", "ssim_reference", "known_fraction"]:
            self.assertEqual(result.metrics[key], metrics[key], key)

        # Denoising: reconstruct(noise_sigma=) as dn-reconstruct --noise-sigma.
        den = self.path("den")
        run_tool("dn-reconstruct", "--model", out, "--noise-sigma", 0.1, "--threads", THREADS,
                 "--out", den, image)
        denoised = deconvnet.load_model(out).reconstruct(image, noise_sigma=0.1, threads=THREADS)
        with open(os.path.join(den, "metrics.json")) as f:
            metrics = json.load(f)
        for key in ["objective", "lambda", "noise_sigma"]:
            self.assertEqual(denoised.metrics[key], metrics[key], key)


if __name__ == "__main__":
    unittest.main()
