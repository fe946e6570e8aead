"""Helpers of the Python tests (imported by them; not a test itself).

ctest passes the locations through the environment: DN_BIN_DIR (the executables), DN_TEST_DATA
(tests/data), and PYTHONPATH (the build tree's package and this folder).
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

BIN_DIR = os.environ["DN_BIN_DIR"]
TEST_DATA = os.environ["DN_TEST_DATA"]
IMAGES = os.path.join(TEST_DATA, "e2e_images")
IMAGE = os.path.join(IMAGES, "a.png")
THREADS = 2


def run_tool(tool, *args):
    """Runs an executable of the build; raises AssertionError with its stderr when it fails."""
    done = subprocess.run([os.path.join(BIN_DIR, tool), *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"{tool} {' '.join(map(str, args))} exited with "
                             f"{done.returncode}: {done.stderr}")
    return done


class WorkDirTest(unittest.TestCase):
    """A test case with a fresh temporary directory, self.work."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="dn_python_")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def assertBitIdentical(self, actual, expected):
        self.assertEqual(actual.dtype, expected.dtype)
        self.assertEqual(actual.shape, expected.shape)
        self.assertTrue(np.array_equal(actual, expected),
                        f"largest difference {np.max(np.abs(actual - expected))}")


def learn_model(out, *options):
    """A tiny model learned by dn-learn on the test images; returns its output directory."""
    run_tool("dn-learn", "--filters", 3, "--filter-size", 5, "--iterations", 3,
             "--threads", THREADS, *options, "--out", out, IMAGES)
    return out
