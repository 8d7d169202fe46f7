#!/usr/bin/env python3
"""Generate the data of "k-means from scratch".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (1,000 rows) and DIR/test.csv (500 rows): eight numeric
features x1..x8 and the column `cluster`, the id (0-4) of the blob that made
the row. The service runs this with a secret per-deployment seed, so the
hidden rows have no public copy; the `cluster` column never enters the
sandbox. public/sample.csv was made with the public seed 1 (see
make_sample.py).

How the rows are made, for any seed:

* Five cluster centres: the corners of a regular simplex (all pairwise
  distances equal to SEPARATION), each moved by a small random jitter, then
  rotated at random in 8-D and shifted by a random offset. Centre distances
  therefore stay between about 0.8 and 1.2 times SEPARATION for every seed,
  which keeps the difficulty the same.
* Each cluster is an anisotropic Gaussian: a random rotation of the axis
  scales SCALES (a stretch ratio of 4 between the longest and shortest
  axis), so the blobs are elongated ellipsoids at random orientations, not
  spheres.
* Unequal sizes: 30 %, 25 %, 20 %, 15 % and 10 % of the rows, assigned to the
  clusters in a random order. Rows are shuffled; train and test rows come
  from the same distribution.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge). Numbers are written with 6 significant digits.
"""

import argparse
import os

import numpy as np

TAG = 0x6B6D6E73  # "kmns"
N_TRAIN, N_TEST = 1000, 500
DIM, K = 8, 5
SEPARATION = 6.0
JITTER = 0.1            # relative jitter of each centre
SCALES = np.array([2.0, 1.5, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5])
SHARES = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
LABEL = "cluster"


def random_rotation(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    # Regular simplex: K unit vectors e_i minus their mean, scaled to pairwise distance SEPARATION.
    simplex = np.eye(K) - 1.0 / K
    simplex *= SEPARATION / np.sqrt(2.0)
    centres = np.zeros((K, DIM))
    centres[:, :K] = simplex
    centres += rng.normal(0.0, JITTER * SEPARATION / np.sqrt(DIM), size=centres.shape)
    centres = centres @ random_rotation(rng, DIM).T + rng.normal(0.0, 5.0, size=DIM)
    # Cluster sizes in the train and test parts separately, so both follow SHARES exactly.
    share = rng.permutation(SHARES)
    shapes = [random_rotation(rng, DIM) * SCALES for _ in range(K)]  # A = R diag(s), cov = A A^T
    out = []
    for n in (N_TRAIN, N_TEST):
        sizes = np.floor(share * n).astype(int)
        sizes[0] += n - sizes.sum()
        labels = rng.permutation(np.repeat(np.arange(K), sizes))
        x = np.empty((len(labels), DIM))
        for c in range(K):
            idx = np.flatnonzero(labels == c)
            x[idx] = centres[c] + rng.standard_normal((len(idx), DIM)) @ shapes[c].T
        out.append((x, labels))
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
