"""Seeds every random source before the harness runs, so the same file gets the same numbers.

Python's `random`, numpy's legacy global generator, and `numpy.random.default_rng()` called without a
seed (each such call gets its own stream, numbered in call order) all start from the run's seed;
PYTHONHASHSEED is fixed by the supervisor before this interpreter started. Then runs the harness.
"""
import os
import random
import runpy
import sys

seed = int(os.environ.get("PYTHONHASHSEED", "0"))
random.seed(seed)
try:
    import numpy
except ImportError:
    numpy = None
if numpy is not None:
    numpy.random.seed(seed % (1 << 32))
    unseeded_calls = [0]
    seeded_default_rng = numpy.random.default_rng

    def default_rng(seed_arg=None):
        if seed_arg is None:
            unseeded_calls[0] += 1
            seed_arg = numpy.random.SeedSequence([seed, unseeded_calls[0]])
        return seeded_default_rng(seed_arg)

    default_rng.__doc__ = seeded_default_rng.__doc__
    numpy.random.default_rng = default_rng
sys.argv = ["harness.py"] + sys.argv[1:]
runpy.run_path("harness.py", run_name="__main__")
