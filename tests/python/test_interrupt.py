"""Ctrl-C during a long sparse_code raises KeyboardInterrupt within one iteration: a child
Python process runs a solve of thousands of iterations and gets SIGINT once it is iterating."""

import os
import signal
import subprocess
import sys
import time
import unittest

CHILD = r"""
import sys, time
import numpy as np
import deconvnet
rng = np.random.default_rng(0)
dictionary = rng.standard_normal((8, 7, 7))
signal = rng.standard_normal((96, 96))
def announce(record):
    if record["iteration"] == 1:
        print("iterating", flush=True)
start = time.monotonic()
try:
    deconvnet.sparse_code(dictionary, signal, 0.1, iterations=1000000, threads=1,
                          callback=announce)
except KeyboardInterrupt:
    print("KeyboardInterrupt after %.3f s" % (time.monotonic() - start), flush=True)
    sys.exit(0)
print("finished without an interrupt", flush=True)
sys.exit(1)
"""


class InterruptTest(unittest.TestCase):
    def run_child(self, code):
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=os.environ)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        self.assertEqual(child.stdout.readline().strip(), "iterating")
        time.sleep(0.2)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        try:
            out, err = child.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            self.fail("the solve did not stop within 20 s of SIGINT")
        return child.returncode, out, err, time.monotonic() - sent

    def test_sigint_raises_keyboard_interrupt(self):
        code, out, err, elapsed = self.run_child(CHILD)
        self.assertEqual(code, 0, out + err)
        self.assertIn("KeyboardInterrupt after", out)
        self.assertLess(elapsed, 5.0)

    def test_without_callback(self):
        # The signal check runs on every iteration whether or not there is a callback.
        code, out, err, _ = self.run_child(
            CHILD.replace("callback=announce", "callback=None").replace(
                "start = time.monotonic()", "print('iterating', flush=True)\n"
                "start = time.monotonic()"))
        self.assertEqual(code, 0, out + err)
        self.assertIn("KeyboardInterrupt after", out)


if __name__ == "__main__":
    unittest.main()
