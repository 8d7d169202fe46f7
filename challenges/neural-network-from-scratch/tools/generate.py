#!/usr/bin/env python3
"""Generate the data of "Neural network from scratch".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (2,000 rows) and DIR/test.csv (1,000 rows): ten numeric
features x1..x10 and the column `band` (0, 1 or 2). The service runs this
with a secret per-deployment seed, so the hidden rows have no public copy;
the `band` column of the test rows never enters the sandbox.
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

* A latent point z in 10-D, every coordinate standard normal. Only its first
  two coordinates carry the label; the other eight are noise.
* The signal is a wavy radius in that plane: s = r (1 + WAVE cos(3 theta +
  phase)), with (r, theta) the polar coordinates of (z1, z2) and a random
  phase. The label is the band s falls in (inner, middle, outer), after a
  small Gaussian blur of s so that the bands' edges are not perfectly
  sharp. The band edges are the tertiles of s, so the classes are about
  equally frequent for every seed.
* The features are z after a random rotation of all ten axes: every feature
  mixes signal and noise, no single one (and no linear combination) tells
  the bands apart, and the same rotation serves train and test.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge). Numbers are written with 6 significant digits.
"""

import argparse
import os

import numpy as np

TAG = 0x6E6E6673  # "nnfs"
N_TRAIN, N_TEST = 2000, 1000
DIM = 10
WAVE = 0.3       # how far the bands' edges swing in and out (a three-lobed flower)
BLUR = 0.06      # sd of the noise on s before it is cut into bands
LABEL = "band"


def random_rotation(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def signal(z, phase):
    r = np.hypot(z[:, 0], z[:, 1])
    theta = np.arctan2(z[:, 1], z[:, 0])
    return r * (1.0 + WAVE * np.cos(3.0 * theta + phase))


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    rotation = random_rotation(rng, DIM)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    # Band edges from a large draw of the same distribution, so they do not depend on the sample.
    edges = np.quantile(signal(rng.standard_normal((200_000, 2)), phase), [1 / 3, 2 / 3])
    out = []
    for n in (N_TRAIN, N_TEST):
        z = rng.standard_normal((n, DIM))
        s = signal(z, phase) + rng.normal(0.0, BLUR, size=n)
        out.append((z @ rotation.T, np.searchsorted(edges, s)))
    return out


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"x{j + 1}" for j in range(x.shape[1])] + [LABEL]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.6g}" for v in row) + f",{label}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    (x_train, y_train), (x_test, y_test) = make(args.seed)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.csv"), x_train, y_train)
    write(os.path.join(args.out, "test.csv"), x_test, y_test)


if __name__ == "__main__":
    main()
