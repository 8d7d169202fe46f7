#!/usr/bin/env python3
"""Generate the data of "Sequence model in PyTorch".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (3,000 sequences) and DIR/test.csv (1,000 sequences):
one sequence per row, its tokens in the columns t1..t40 (integers 1..12,
t1 first), shorter sequences padded at the end with 0, and the column
`order`, one of abc, acb, bac, bca, cab, cba. The service runs this with a
secret per-deployment seed, so the hidden rows have no public copy; the
`order` column of the test rows never enters the sandbox. public/sample.csv
was made with the public seed 1 (see make_sample.py).

How a sequence is made, for any seed:

* The seed picks three marker tokens, a, b and c, among the 12; the other
  nine are filler. Which tokens are markers differs from seed to seed.
* A sequence is 20 to 40 tokens long. The three markers occur the same
  number of times, 1 to 3 (drawn per sequence), at random places; the other
  places hold filler tokens drawn uniformly. (Equal counts matter: a marker
  that occurred more often would tend to come first, and its count would
  give the order away.)
* The label is the order in which the three markers FIRST appear: `bca`
  means the first b comes before the first c, which comes before the first
  a. How often each token occurs says nothing about the label: only the
  order does.
* 4 % of the labels are replaced by a random one (label noise), so no
  model can reach 100 %.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import itertools
import os

import numpy as np

TAG = 0x7365716D  # "seqm"
N_TRAIN, N_TEST = 3000, 1000
VOCAB = 12            # tokens 1..VOCAB; 0 pads
MIN_LEN, MAX_LEN = 20, 40
NOISE = 0.04
ORDERS = ["".join(p) for p in itertools.permutations("abc")]
LABEL = "order"


def sequence(rng, markers, filler):
    length = rng.integers(MIN_LEN, MAX_LEN + 1)
    tokens = rng.choice(filler, size=length)
    counts = np.full(3, rng.integers(1, 4))
    places = rng.permutation(length)[: counts.sum()]
    roles = np.repeat(np.arange(3), counts)
    tokens[places] = markers[roles]
    first = [places[roles == r].min() for r in range(3)]
    order = "".join("abc"[r] for r in np.argsort(first))
    row = np.zeros(MAX_LEN, dtype=int)
    row[:length] = tokens
    return row, order


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    perm = rng.permutation(np.arange(1, VOCAB + 1))
    markers, filler = perm[:3], perm[3:]
    out = []
    for n in (N_TRAIN, N_TEST):
        rows, labels = zip(*(sequence(rng, markers, filler) for _ in range(n)))
        labels = np.array(labels)
        noisy = rng.random(n) < NOISE
        labels[noisy] = rng.choice(ORDERS, size=int(noisy.sum()))
        out.append((np.array(rows), labels.tolist()))
    return out


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"t{j + 1}" for j in range(x.shape[1])] + [LABEL]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(str(v) for v in row) + f",{label}\n")


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
