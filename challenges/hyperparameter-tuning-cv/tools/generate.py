#!/usr/bin/env python3
"""Generate the data of "Hyper-parameter tuning with cross-validation".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (1,000 rows) and DIR/test.csv (4,000 rows): 400 numeric
features f001..f400 and the binary label `target`. The service runs this
with a secret per-deployment seed, so the hidden rows have no public copy;
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

* Features: 400 columns, each a standard normal variable shared in part with
  one of ten latent factors (so groups of features are mildly correlated,
  |r| up to about 0.3), then given its own scale (0.1 to 10) and offset.
* Label: a logistic model that uses only 8 of the 400 features (chosen at
  random, with random signs and sizes). The weights are rescaled so that the
  logit has standard deviation 3 whatever the seed, which puts the best
  possible ROC AUC at about 0.92 for every seed. Classes are about 50/50.

With 1,000 training rows and 400 features, how strongly a model is
regularised decides most of its score: this is a data set on which
hyper-parameter tuning pays.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge). Numbers are written with 6 significant digits.
"""

import argparse
import os

import numpy as np

TAG = 0x74756E65  # "tune"
N_TRAIN, N_TEST = 1000, 4000
N_FEATURES, N_INFORMATIVE, N_FACTORS = 400, 8, 10
FACTOR_WEIGHT = 0.55
LOGIT_SD = 3.0
LABEL = "target"


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    n = N_TRAIN + N_TEST
    factor_of = rng.integers(N_FACTORS, size=N_FEATURES)
    factors = rng.standard_normal((n, N_FACTORS))
    z = np.sqrt(1 - FACTOR_WEIGHT ** 2) * rng.standard_normal((n, N_FEATURES)) \
        + FACTOR_WEIGHT * factors[:, factor_of]
    w = np.zeros(N_FEATURES)
    informative = rng.choice(N_FEATURES, size=N_INFORMATIVE, replace=False)
    w[informative] = rng.uniform(0.5, 1.5, size=N_INFORMATIVE) * rng.choice([-1.0, 1.0], size=N_INFORMATIVE)
    # Population covariance of z: identity off the factor groups, FACTOR_WEIGHT^2 within a group.
    cov = np.eye(N_FEATURES) * (1 - FACTOR_WEIGHT ** 2) \
        + FACTOR_WEIGHT ** 2 * (factor_of[:, None] == factor_of[None, :])
    w *= LOGIT_SD / np.sqrt(w @ cov @ w)
    logit = z @ w
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    scale = 10.0 ** rng.uniform(-1.0, 1.0, size=N_FEATURES)
    offset = rng.normal(0.0, 2.0, size=N_FEATURES) * scale
    x = z * scale + offset
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:], y[N_TRAIN:])


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"f{j + 1:03d}" for j in range(x.shape[1])] + [LABEL]) + "\n")
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
