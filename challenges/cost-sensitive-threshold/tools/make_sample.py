#!/usr/bin/env python3
"""Write public/sample.csv: the first 40 training rows the generator makes with the public seed 1.

    python3 tools/make_sample.py

Runs tools/generate.py --seed 1 into a temporary folder and copies the header
and the first 40 rows of its train.csv. The hidden rows are made by the same
generator with a secret seed, so the sample shows their exact format and
distribution without giving any of them away. Running this again (in the
python-ml runtime, or any numpy >= 1.17) reproduces the file byte for byte.
"""

import os
import subprocess
import sys
import tempfile

PUBLIC_SEED = 1
SAMPLE_ROWS = 40

HERE = os.path.dirname(os.path.abspath(__file__))
CHALLENGE = os.path.dirname(HERE)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, os.path.join(HERE, "generate.py"), "--seed", str(PUBLIC_SEED), "--out", tmp],
            check=True,
        )
        with open(os.path.join(tmp, "train.csv")) as f:
            lines = f.readlines()[: SAMPLE_ROWS + 1]
    out = os.path.join(CHALLENGE, "public", "sample.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.writelines(lines)
    print(f"wrote public/sample.csv: {len(lines) - 1} rows (seed {PUBLIC_SEED})")


if __name__ == "__main__":
    main()
