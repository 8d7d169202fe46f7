#!/usr/bin/env python3
"""Write public/sample.json: the cases the generator makes with the public seed 1.

    python3 tools/make_sample.py

The hidden cases are made by the same generator with a secret seed: the same
ten kinds of case in the same order, with other sizes, directions, spectra and
offsets. Running this again reproduces the file byte for byte. To score
yourself on them, run tools/generate.py --seed 1 for their truth.json too.
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
        shutil.copyfile(os.path.join(tmp, "cases.json"), out)
    print(f"wrote public/sample.json (seed {PUBLIC_SEED})")


if __name__ == "__main__":
    main()
