"""Ctrl-C during a long sparse_code or learn raises KeyboardInterrupt within one iteration: a
child Python process runs a solve (or a learning run) of thousands of iterations and gets SIGINT
once it is iterating; a learning run with out= leaves a checkpoint to resume from."""

import os
import signal
import subprocess
import sys
import tempfile
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

LEARN_CHILD = r"""
import os, sys, time
import numpy as np
import deconvnet
images = np.random.default_rng(0).random((2, 48, 48))
def announce(record):
    if record["iteration"] == 1:
        print("iterating", flush=True)
out = sys.argv[1]
start = time.monotonic()
try:
    deconvnet.learn(images, filters=4, filter_size=5, iterations=1000000, threads=1, out=out,
                    callback=announce)
except KeyboardInterrupt:
    checkpoints = os.listdir(os.path.join(out, "checkpoints"))
    print("KeyboardInterrupt after %.3f s, %d checkpoints" % (time.monotonic() - start,
                                                             len(checkpoints)), flush=True)
    model = deconvnet.learn(images, filters=4, filter_size=5, iterations=1000000, threads=1,
                            out=out, resume=True, callback=lambda record: True)
    done = model.history["iteration"]
    print("resumed" if done[-1] > 1 and done[-1] == len(done) else "not resumed", flush=True)
    sys.exit(0)
print("finished without an interrupt", flush=True)
sys.exit(1)
"""


class InterruptTest(unittest.TestCase):
    def run_child(self, code, *args):
        child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
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

    def test_sigint_stops_learn_with_a_checkpoint(self):
        with tempfile.TemporaryDirectory(prefix="dn_interrupt_") as work:
            code, out, err, elapsed = self.run_child(LEARN_CHILD, os.path.join(work, "run"))
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"KeyboardInterrupt after [0-9.]+ s, [1-9][0-9]* checkpoints")
        self.assertIn("resumed", out)
        self.assertLess(elapsed, 5.0)


if __name__ == "__main__":
    unittest.main()
