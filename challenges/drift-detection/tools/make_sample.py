#!/usr/bin/env python3
"""Write public/sample.json: the first eight streams the generator makes with the public seed 1.

    python3 tools/make_sample.py

One stream of each kind (the generator makes each kind twice). The hidden
streams are made by the same generator with a secret seed: the same eight
kinds, twice each, in the same order, with other change points, directions
and magnitudes. Running this again reproduces the file byte for byte. To
score yourself, run tools/generate.py at any seed: it writes changes.json too.
"""

import json
import os
import subprocess
import sys
import tempfile

PUBLIC_SEED = 1

HERE = os.path.dirname(os.path.abspath(__file__))
CHALLENGE = os.path.dirname(HERE)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, os.path.join(HERE, "generate.py"), "--seed", str(PUBLIC_SEED), "--out", tmp],
            check=True,
        )
        out = os.path.join(CHALLENGE, "public", "sample.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(os.path.join(tmp, "streams.json")) as f:
            streams = json.load(f)
        with open(out, "w") as f:
            json.dump(streams[:8], f, separators=(",", ":"))
            f.write("\n")
    print(f"wrote public/sample.json (seed {PUBLIC_SEED})")


if __name__ == "__main__":
    main()
