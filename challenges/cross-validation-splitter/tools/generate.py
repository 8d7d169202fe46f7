#!/usr/bin/env python3
"""Generate the test cases of "Cross-validation splitter".

    python3 generate.py --seed SEED --out DIR

writes DIR/vectors.json: a JSON list of 12 cases, each

    {"id": "c01", "n": 23, "k": 5, "seed": 123, "other_seed": 456, "y": [...], "note": "..."}

`y` has n labels (integers, or text in one case). The harness calls
kfold(n, k, seed) and stratified_kfold(y, k, seed) on every case, twice with
`seed` and once with `other_seed`. The service runs this with a secret
per-deployment seed; public/sample.json was made with the public seed 1 (see
make_sample.py). Every seed gives the same twelve kinds of case below, in the
same order; the seed moves the sizes, the class counts, the label order and
the splitting seeds.

The cases cover what a correct splitter must get right:

  c01  n == k (leave-one-out): every fold holds one row.
  c02  n not a multiple of k: fold sizes must differ by at most one.
  c03  three equal classes, rows sorted by class: contiguous folds fail.
  c04  binary, about 10 % positives, shuffled.
  c05  four classes, the smallest with fewer members than k.
  c06  labels that are not 0..C-1 (e.g. 3, 7, 42).
  c07  text labels.
  c08  a class with a single member.
  c09  binary, about 3 % positives, n = 500, k = 10.
  c10  six classes of geometric sizes, sorted, n = 1,000.
  c11  k = 2, labels alternating 0, 1, 0, 1, ...
  c12  three classes, one of them smaller than k, sorted.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import json
import os

import numpy as np

TAG = 0x6376666F  # "cvfo"


def counts_from_shares(rng, n, shares, minimum=1):
    """Class counts summing to n, close to the given shares, each at least `minimum`."""
    shares = np.asarray(shares, dtype=float)
    counts = np.maximum(np.floor(shares / shares.sum() * n).astype(int), minimum)
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    while counts.sum() < n:
        counts[rng.integers(len(counts))] += 1
    return counts


def labels(rng, counts, names=None, order="shuffled"):
    names = list(range(len(counts))) if names is None else list(names)
    y = np.repeat(np.arange(len(counts)), counts)
    if order == "shuffled":
        y = rng.permutation(y)
    return [names[c] for c in y]


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    cases = []

    def add(note, k, y):
        cases.append({
            "id": f"c{len(cases) + 1:02d}",
            "n": len(y),
            "k": int(k),
            "seed": int(rng.integers(0, 2**31 - 1)),
            "other_seed": 0,
            "y": [v if isinstance(v, str) else int(v) for v in y],
            "note": note,
        })
        other = cases[-1]["seed"]
        while other == cases[-1]["seed"]:
            other = int(rng.integers(0, 2**31 - 1))
        cases[-1]["other_seed"] = other

    k = int(rng.integers(6, 11))
    add("n == k: leave-one-out", k, labels(rng, counts_from_shares(rng, k, [1, 1])))

    n = int(rng.integers(21, 30))
    while n % 5 == 0:
        n += 1
    add("n not a multiple of k", 5, labels(rng, counts_from_shares(rng, n, [2, 1])))

    n = 3 * int(rng.integers(17, 23))
    add("three equal classes, sorted by class", 3, labels(rng, [n // 3] * 3, order="sorted"))

    n = int(rng.integers(95, 106))
    pos = int(rng.integers(9, 13))
    add("binary, about 10 % positives", 5, labels(rng, [n - pos, pos]))

    n = int(rng.integers(130, 146))
    add("four classes, the smallest with fewer members than k", 10,
        labels(rng, counts_from_shares(rng, n - 6, [0.63, 0.26, 0.11]).tolist() + [6]))

    n = int(rng.integers(190, 211))
    names = sorted(int(v) for v in rng.choice(np.arange(2, 100), size=3, replace=False))
    add("labels that are not 0..C-1", 4, labels(rng, counts_from_shares(rng, n, [0.5, 0.3, 0.2]), names))

    n = int(rng.integers(90, 105))
    add("text labels", 7, labels(rng, counts_from_shares(rng, n, [0.5, 0.3, 0.2]), ["cat", "dog", "bird"]))

    n = int(rng.integers(280, 321))
    add("a class with a single member", 5, labels(rng, counts_from_shares(rng, n - 1, [0.6, 0.4]).tolist() + [1]))

    pos = int(rng.integers(12, 19))
    add("binary, about 3 % positives", 10, labels(rng, [500 - pos, pos]))

    n = int(rng.integers(980, 1021))
    add("six classes of geometric sizes, sorted", 5,
        labels(rng, counts_from_shares(rng, n, [32, 16, 8, 4, 2, 1]), order="sorted"))

    n = 2 * int(rng.integers(28, 37))
    add("k = 2, alternating labels", 2, [i % 2 for i in range(n)])

    n = int(rng.integers(720, 781))
    small = int(rng.integers(3, 8))
    add("three classes, one smaller than k, sorted", 8,
        labels(rng, counts_from_shares(rng, n - small, [0.7, 0.3]).tolist() + [small], order="sorted"))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "vectors.json"), "w") as f:
        json.dump(make(args.seed), f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
