"""Runs a challenge's data generator in the sandbox and reports the files it wrote.

The generator is the hiring team's code, run as `generate.py --seed SEED --out out/`; its own prints go
to stderr, and stdout carries one JSON object mapping each output file name to its text.
"""
import json
import os
import runpy
import sys

result = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
with open("job.json") as f:
    seed = json.load(f)["seed"]
os.makedirs("out")
sys.argv = ["generate.py", "--seed", str(seed), "--out", "out"]
runpy.run_path("generate.py", run_name="__main__")
files = {}
for name in sorted(os.listdir("out")):
    with open(os.path.join("out", name)) as f:
        files[name] = f.read()
json.dump(files, result)
result.flush()
