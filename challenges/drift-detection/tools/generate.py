#!/usr/bin/env python3
"""Generate the streams of "Drift detection".

    python3 generate.py --seed SEED --out DIR

writes two files into DIR:

  streams.json  what the candidate's detector is fed, one batch at a time:
                [{"id": "s01", "n_features": 3, "batches": [[[row], ...], ...]}, ...]
  changes.json  what only the trusted scoring program reads:
                [{"id": "s01", "kind": "...", "changes": [87], "n_batches": 160}, ...]

A change point is the index of the first batch drawn from the new
distribution (for a gradual drift, the first batch of the ramp). Every seed
gives the same eight kinds of stream, twice each, in the same order (s01-s08,
then s09-s16 again), with other change points, directions and magnitudes:

  1  a mean shift of about 0.4 standard deviations in one of three features
  2  the variance of every feature grows by 80 %
  3  two changes: a mean shift, then back to the old mean
  4  no change at all: any signal is a false alarm
  5  heavy-tailed noise (Student t, 3 degrees of freedom) and one mean shift
  6  the correlation between features changes; means and variances do not
  7  a gradual drift: the mean ramps over 30 batches
  8  a shift in one of ten features

Each stream has 160 batches of 30 rows. No change happens in the first 50
batches, so a detector has a clean stretch to learn "normal" from.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge); values are rounded to 5 decimals.
"""

import argparse
import json
import os

import numpy as np

TAG = 0x64726674  # "drft"
N_BATCHES = 160
ROWS = 30
BURN_IN = 50


def rows(rng, n, mean, cov, tails=None):
    """n rows from a normal (or, with `tails` degrees of freedom, Student t scaled to the same covariance)."""
    z = rng.multivariate_normal(np.zeros(len(mean)), cov, size=n)
    if tails is not None:
        # A t variable over sqrt(dof / (dof - 2)) has unit variance.
        z = z / np.sqrt(rng.chisquare(tails, size=(n, 1)) / tails) / np.sqrt(tails / (tails - 2))
    return z + mean


def stream(rng, d, segments, tails=None):
    """Batches from a list of (first_batch, mean_fn, cov): mean_fn(b) gives the mean at batch b."""
    batches = []
    for b in range(N_BATCHES):
        _, mean_fn, cov = [s for s in segments if s[0] <= b][-1]
        batches.append(rows(rng, ROWS, mean_fn(b), cov, tails))
    return batches


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    streams, truths = [], []

    def change_point(lo=BURN_IN + 10, hi=N_BATCHES - 40):
        return int(rng.integers(lo, hi + 1))

    def add(kind, d, batches, changes):
        sid = f"s{len(streams) + 1:02d}"
        streams.append({"id": sid, "n_features": d,
                        "batches": [np.round(b, 5).tolist() for b in batches]})
        truths.append({"id": sid, "kind": kind, "changes": changes, "n_batches": N_BATCHES})

    def base(d):
        scale = rng.uniform(0.5, 3.0, size=d)
        return rng.normal(0, 5, size=d), np.diag(scale ** 2), scale

    def const(v):
        return lambda b: v

    for _ in range(2):
        mean, cov, scale = base(3)
        c = change_point()
        shifted = mean.copy()
        f = int(rng.integers(3))
        shifted[f] += rng.choice([-1, 1]) * rng.uniform(0.35, 0.45) * scale[f]
        add("mean shift in one feature", 3, stream(rng, 3, [(0, const(mean), cov), (c, const(shifted), cov)]), [c])

        mean, cov, scale = base(3)
        c = change_point()
        add("variance grows by 80 %", 3, stream(rng, 3, [(0, const(mean), cov), (c, const(mean), cov * 1.8)]), [c])

        mean, cov, scale = base(3)
        c1 = change_point(BURN_IN + 5, 85)
        c2 = c1 + int(rng.integers(45, 61))
        shifted = mean + rng.choice([-1, 1], size=3) * rng.uniform(0.3, 0.4) * scale
        add("a mean shift, then back", 3,
            stream(rng, 3, [(0, const(mean), cov), (c1, const(shifted), cov), (c2, const(mean), cov)]), [c1, c2])

        mean, cov, scale = base(3)
        add("no change", 3, stream(rng, 3, [(0, const(mean), cov)]), [])

        mean, cov, scale = base(3)
        c = change_point()
        shifted = mean.copy()
        f = int(rng.integers(3))
        shifted[f] += rng.choice([-1, 1]) * rng.uniform(0.5, 0.6) * scale[f]
        add("heavy tails and a mean shift", 3,
            stream(rng, 3, [(0, const(mean), cov), (c, const(shifted), cov)], tails=3), [c])

        mean, cov, scale = base(3)
        c = change_point()
        rho = rng.choice([-1, 1]) * rng.uniform(0.7, 0.85)
        corr = np.eye(3)
        corr[0, 1] = corr[1, 0] = rho
        correlated = np.outer(scale, scale) * corr
        add("correlation changes", 3, stream(rng, 3, [(0, const(mean), cov), (c, const(mean), correlated)]), [c])

        mean, cov, scale = base(3)
        c = change_point(BURN_IN + 10, N_BATCHES - 60)
        direction = rng.choice([-1, 1], size=3) * scale * rng.uniform(0.8, 1.0)
        ramp = lambda b, c=c, mean=mean, direction=direction: mean + direction * min(max(b - c + 1, 0), 30) / 30
        add("gradual drift over 30 batches", 3, stream(rng, 3, [(0, ramp, cov)]), [c])

        mean, cov, scale = base(10)
        c = change_point()
        shifted = mean.copy()
        f = int(rng.integers(10))
        shifted[f] += rng.choice([-1, 1]) * rng.uniform(0.45, 0.55) * scale[f]
        add("a shift in one of ten features", 10, stream(rng, 10, [(0, const(mean), cov), (c, const(shifted), cov)]), [c])
    return streams, truths


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    streams, truths = make(args.seed)
    for name, doc in (("streams.json", streams), ("changes.json", truths)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
