#!/usr/bin/env python3
"""Generate the data of "Logistic regression by gradient descent".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (1,500 rows) and DIR/test.csv (600 rows): eight numeric
features f1..f8 and the binary label `outcome`. The service runs this with a
secret per-deployment seed, so the hidden rows have no public copy;
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

* Features: a random two-factor model, so several features are correlated
  (pairwise correlations up to about ±0.8), then each feature gets its own
  scale (0.1 to 1,000) and offset, so that plain gradient descent on the raw
  values converges badly and standardising pays.
* Label: a logistic model. A random weight vector (two of the eight weights
  are zero: those features are pure noise) is rescaled so that the logit
  w·x + b has standard deviation 3 and mean -0.8 whatever the seed. The
  logit is therefore always N(-0.8, 3²), so the best possible log loss is
  the same for every seed (about 0.35) and about 40 % of rows are positive.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge so that one secret seed gives unrelated data in
different challenges). Numbers are written with 6 significant digits.
"""

import argparse
import os

import numpy as np

TAG = 0x6C6F6769  # "logi"
N_TRAIN, N_TEST = 1500, 600
N_FEATURES = 8
LOGIT_SD, LOGIT_MEAN = 3.0, -0.8
LABEL = "outcome"


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    n = N_TRAIN + N_TEST
    # Correlated standard-normal features from a two-factor model.
    loadings = rng.normal(0.0, 1.0, size=(N_FEATURES, 2)) * rng.uniform(0.0, 1.5, size=(N_FEATURES, 1))
    cov = loadings @ loadings.T + np.eye(N_FEATURES)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    z = rng.standard_normal((n, N_FEATURES)) @ np.linalg.cholesky(corr).T
    # A logistic label with a fixed logit distribution.
    w = rng.normal(0.0, 1.0, size=N_FEATURES)
    w[rng.choice(N_FEATURES, size=2, replace=False)] = 0.0
    w *= LOGIT_SD / np.sqrt(w @ corr @ w)
    logit = z @ w + LOGIT_MEAN
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    # What the candidate sees: each feature on its own scale and offset.
    scale = 10.0 ** rng.uniform(-1.0, 3.0, size=N_FEATURES)
    offset = rng.normal(0.0, 3.0, size=N_FEATURES) * scale
    x = z * scale + offset
    return x, y


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"f{j + 1}" for j in range(x.shape[1])] + [LABEL]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.6g}" for v in row) + f",{label}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    x, y = make(args.seed)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.csv"), x[:N_TRAIN], y[:N_TRAIN])
    write(os.path.join(args.out, "test.csv"), x[N_TRAIN:], y[N_TRAIN:])


if __name__ == "__main__":
    main()
