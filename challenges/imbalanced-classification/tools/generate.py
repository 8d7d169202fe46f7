#!/usr/bin/env python3
"""Generate the data of "Imbalanced classification".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (3,000 rows, exactly 150 positives) and DIR/test.csv
(1,500 rows, exactly 75 positives): ten numeric features v1..v10 and the
binary label `event` (1 = the rare class, 5 %). The service runs this with a
secret per-deployment seed, so the hidden rows have no public copy;
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

* Both classes are Gaussian with the same covariance (a random three-factor
  model, so features are correlated) and different means. The mean shift is
  a random direction (three of the ten features get no shift of their own)
  rescaled to a Mahalanobis distance of DELTA = 2.2 whatever the seed. The
  best balanced accuracy any classifier can reach is therefore the same for
  every seed, Phi(DELTA / 2) ~ 0.86, and a linear model is the right
  model.
* Each feature then gets its own scale (0.01 to 100) and offset.
* Rows are shuffled; train and test rows come from the same distribution.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge). Numbers are written with 6 significant digits.
"""

import argparse
import os

import numpy as np

TAG = 0x696D6261  # "imba"
N_TRAIN, POS_TRAIN = 3000, 150
N_TEST, POS_TEST = 1500, 75
N_FEATURES = 10
DELTA = 2.2
LABEL = "event"


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    loadings = rng.normal(0.0, 1.0, size=(N_FEATURES, 3)) * rng.uniform(0.0, 1.2, size=(N_FEATURES, 1))
    cov = loadings @ loadings.T + np.eye(N_FEATURES)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    chol = np.linalg.cholesky(corr)
    shift = rng.normal(0.0, 1.0, size=N_FEATURES)
    shift[rng.choice(N_FEATURES, size=3, replace=False)] = 0.0
    shift *= DELTA / np.sqrt(shift @ np.linalg.solve(corr, shift))
    scale = 10.0 ** rng.uniform(-2.0, 2.0, size=N_FEATURES)
    offset = rng.normal(0.0, 3.0, size=N_FEATURES) * scale
    parts = []
    for n, n_pos in ((N_TRAIN, POS_TRAIN), (N_TEST, POS_TEST)):
        y = rng.permutation(np.r_[np.ones(n_pos, dtype=int), np.zeros(n - n_pos, dtype=int)])
        z = rng.standard_normal((n, N_FEATURES)) @ chol.T + np.outer(y, shift)
        parts.append((z * scale + offset, y))
    return parts


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"v{j + 1}" for j in range(x.shape[1])] + [LABEL]) + "\n")
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
