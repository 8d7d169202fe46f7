#!/usr/bin/env python3
"""Generate the cases of "PCA from scratch".

    python3 generate.py --seed SEED --out DIR

writes two files into DIR:

  cases.json  what the candidate's code gets: a list of cases
              {"id": "c01", "n_components": 3, "train": [[...], ...], "test": [[...], ...], "note": "..."}
  truth.json  what only the trusted scoring program reads: for each case the
              exact principal components of `train` (unit rows, largest
              variance first), their variances (divided by n - 1), the
              variance ratios, the training mean and the reconstruction error
              of `test` through the exact top components.

The truth is the exact PCA of the very rows the candidate receives, computed
in float64 with numpy's SVD of the centred matrix: a correct implementation
reproduces it to many digits, whatever algorithm it uses. The rows come from
a hidden low-rank model (a few latent directions with decreasing variances,
plus noise); every seed gives the same ten kinds of case, in the same order,
with other sizes, directions, spectra and offsets:

  c01  a large offset on every feature: data that is not centred.
  c02  more features than rows (n = 50, d = 120).
  c03  tall data (n = 2,000) with five components.
  c04  a slowly decaying spectrum (each variance about 0.9 of the previous).
  c05  integer counts (the arrays arrive with an integer dtype).
  c06  a huge offset (about 10^6) around a small spread: E[x^2] - E[x]^2 loses every digit.
  c07  a constant column and a duplicated column.
  c08  n_components equal to the number of features.
  c09  a single component out of 40 features.
  c10  features on scales from 0.01 to 100 (PCA of the covariance, unscaled).

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed with
a tag of this challenge); values are rounded to 6 decimals before the truth is
computed, so the truth belongs to the rows exactly as the JSON holds them.
"""

import argparse
import json
import os

import numpy as np

TAG = 0x70636131  # "pca1"


def orthonormal(rng, d, r):
    """r random orthonormal directions in R^d, as the columns of a d x r matrix."""
    q, _ = np.linalg.qr(rng.normal(size=(d, r)))
    return q[:, :r]


def low_rank(rng, n, d, variances, noise, mean=None):
    """n rows of mean + latent directions with the given variances + isotropic noise."""
    variances = np.asarray(variances, dtype=float)
    w = orthonormal(rng, d, len(variances))
    z = rng.normal(size=(n, len(variances))) * np.sqrt(variances)
    x = z @ w.T + rng.normal(scale=noise, size=(n, d))
    return x + (0.0 if mean is None else mean)


def truth_of(train, test, k):
    mean = train.mean(axis=0)
    centred = train - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    n = train.shape[0]
    variance = s ** 2 / (n - 1)
    total = centred.var(axis=0, ddof=1).sum()
    components = vt[:k]
    # Sign convention only for readability: the scorer is sign-invariant.
    components = components * np.where(components[np.arange(k), np.abs(components).argmax(axis=1)] < 0, -1.0, 1.0)[:, None]
    recon = (test - mean) @ components.T @ components + mean
    return {
        "components": components.tolist(),
        "explained_variance": variance[:k].tolist(),
        # Every variance, for eigen-gaps: a component is only identifiable when its variance stands apart.
        "all_variances": variance.tolist(),
        "explained_variance_ratio": (variance[:k] / total).tolist(),
        "mean": mean.tolist(),
        "optimal_mse": float(np.mean((test - recon) ** 2)),
    }


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    cases, truths = [], []

    def add(note, k, x, n_test, integer=False):
        train, test = x[:-n_test], x[-n_test:]
        if integer:
            train, test = np.rint(train), np.rint(test)
        else:
            train, test = np.round(train, 6), np.round(test, 6)
        case_id = f"c{len(cases) + 1:02d}"
        cell = (lambda v: int(v)) if integer else float
        cases.append({
            "id": case_id,
            "n_components": int(k),
            "train": [[cell(v) for v in row] for row in train],
            "test": [[cell(v) for v in row] for row in test],
            "note": note,
        })
        truths.append({"id": case_id, **truth_of(train, test, k)})

    def spectrum(k, top, ratio):
        return [top * ratio ** i for i in range(k)]

    n, d = int(rng.integers(380, 421)), int(rng.integers(10, 15))
    add("a large offset on every feature: data that is not centred", 3,
        low_rank(rng, n + 120, d, spectrum(3, 25.0, 0.45), 0.5, mean=rng.uniform(5, 50, size=d)), 120)

    add("more features than rows", 4, low_rank(rng, 50 + 40, 120, spectrum(4, 16.0, 0.55), 0.4), 40)

    d = int(rng.integers(26, 35))
    add("tall data, five components", 5, low_rank(rng, 2000 + 200, d, spectrum(5, 30.0, 0.6), 0.8), 200)

    d = int(rng.integers(22, 29))
    add("a slowly decaying spectrum", 4,
        low_rank(rng, 600 + 150, d, spectrum(d - 2, 10.0, float(rng.uniform(0.87, 0.91))), 0.05), 150)

    d = int(rng.integers(12, 18))
    rates = np.exp(low_rank(rng, 500 + 100, d, spectrum(3, 0.5, 0.5), 0.05, mean=rng.uniform(1.0, 2.5, size=d)))
    add("integer counts", 3, rng.poisson(rates).astype(float), 100, integer=True)

    add("a huge offset around a small spread", 2,
        low_rank(rng, 300 + 100, 10, spectrum(2, 0.04, 0.5), 0.01, mean=rng.uniform(0.9e6, 1.1e6, size=10)), 100)

    x = low_rank(rng, 300 + 100, 14, spectrum(3, 9.0, 0.5), 0.3)
    constant = np.full((len(x), 1), float(rng.uniform(-5, 5)))
    add("a constant column and a duplicated column", 3, np.hstack([x, constant, x[:, [int(rng.integers(14))]]]), 100)

    add("n_components equal to the number of features", 6, low_rank(rng, 200 + 60, 6, spectrum(6, 5.0, 0.6), 0.1), 60)

    add("a single component out of 40 features", 1, low_rank(rng, 300 + 80, 40, [12.0], 0.5), 80)

    scales = np.logspace(-2, 2, 10)
    rng.shuffle(scales)
    add("features on scales from 0.01 to 100", 3, low_rank(rng, 500 + 100, 10, spectrum(3, 2.0, 0.5), 0.2) * scales, 100)
    return cases, truths


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases, truths = make(args.seed)
    for name, doc in (("cases.json", cases), ("truth.json", truths)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
