#!/usr/bin/env python3
"""Write public/sample.json: the environments the generator makes with the public seed 1.

    python3 tools/make_sample.py

The hidden environments are made by the same generator with a secret seed: the
same sixteen environments (eight kinds, twice each) with other means, noise and
arm order. Running this again reproduces the file byte for byte. To play
locally, run tools/generate.py at any seed: it writes the reward tapes too.
"""

import os
import shutil
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
        shutil.copyfile(os.path.join(tmp, "environments.json"), out)
    print(f"wrote public/sample.json (seed {PUBLIC_SEED})")


if __name__ == "__main__":
    main()
