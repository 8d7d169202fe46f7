#!/usr/bin/env python3
"""Build hidden/train.csv, hidden/test.csv and public/sample.csv for this challenge.

Source: scikit-learn's copy of the diabetes table of Efron, Hastie, Johnstone and
Tibshirani (2004), in its raw (unscaled) form: ``sklearn/datasets/data/
diabetes_data_raw.csv.gz`` (442 rows, 10 space-separated features, no header)
and ``diabetes_target.csv.gz`` (442 targets, one per line). ``load_diabetes``
returns a centred and scaled copy of the same features; we keep the raw values
so the columns read as the clinical quantities they are.

The split is stratified by target (the rows are cut into 10 bins of nearly
equal size by sorted target, and about 70 % of each bin goes to training) so
that the train and test targets cover the same range. It is fully
deterministic: rows are ordered by SHA-256 of "<seed>:<tag>:<row index>", so
the result depends on no library's random number generator. Values are copied
verbatim as text, except that the targets, written as
``1.510000000000000000e+02`` in the source, are rewritten as ``151.0`` (all
are whole numbers; the ``.0`` keeps them floats when a reader guesses types). The SHA-256 of both
source files is checked, so running this again gives byte-identical output.

Usage:
    python3 tools/split.py [path/to/sklearn/datasets/data]

Without a path it looks inside the installed scikit-learn package
(``pip install scikit-learn``) without importing it.
"""

import csv
import gzip
import hashlib
import importlib.util
import os
import sys

SEED = 20261127
TRAIN_FRACTION = 0.7
N_BINS = 10
SAMPLE_ROWS = 40
LABEL = "progression"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
SOURCES = {
    "diabetes_data_raw.csv.gz": "7fc0ded571454b1982210d3bb43f0aca44eae01a0b8654a3b24022bdb6b38009",
    "diabetes_target.csv.gz": "8e53f65eb811df43c206f3534bb3af0e5fed213bc37ed6ba36310157d6023803",
}

HERE = os.path.dirname(os.path.abspath(__file__))
CHALLENGE = os.path.dirname(HERE)


def default_source():
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        sys.exit("scikit-learn not found: pip install scikit-learn, or pass the data folder")
    return os.path.join(os.path.dirname(spec.origin), "datasets", "data")


def order_key(tag, index):
    return hashlib.sha256(f"{SEED}:{tag}:{index}".encode()).hexdigest()


def read_gz(folder, name):
    with open(os.path.join(folder, name), "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCES[name]:
        sys.exit(f"unexpected source file {name}: sha256 {digest}, want {SOURCES[name]}")
    return gzip.decompress(raw).decode("ascii").splitlines()


def read_source(folder):
    features = [line.split() for line in read_gz(folder, "diabetes_data_raw.csv.gz") if line.strip()]
    targets = [line.strip() for line in read_gz(folder, "diabetes_target.csv.gz") if line.strip()]
    assert len(features) == len(targets) == 442, (len(features), len(targets))
    rows = []
    for cells, target in zip(features, targets):
        assert len(cells) == len(FEATURES), cells
        for value in cells:
            float(value)
        value = float(target)
        assert value == int(value), target
        rows.append(cells + [f"{int(value)}.0"])
    return rows


def split(rows):
    # Sort by target (ties broken by the hash order) and cut into N_BINS bins.
    by_target = sorted(range(len(rows)), key=lambda i: (float(rows[i][-1]), order_key("tie", i)))
    train, test = [], []
    for b in range(N_BINS):
        lo = b * len(rows) // N_BINS
        hi = (b + 1) * len(rows) // N_BINS
        idx = sorted(by_target[lo:hi], key=lambda i: order_key("split", i))
        n_train = round(TRAIN_FRACTION * len(idx))
        train += idx[:n_train]
        test += idx[n_train:]
    train.sort(key=lambda i: order_key("train", i))
    test.sort(key=lambda i: order_key("test", i))
    return train, test


def write(path, rows, indices):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + [LABEL])
        for i in indices:
            w.writerow(rows[i])
    print(f"wrote {os.path.relpath(path, CHALLENGE)}: {len(indices)} rows")


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else default_source()
    rows = read_source(source)
    train, test = split(rows)
    write(os.path.join(CHALLENGE, "hidden", "train.csv"), rows, train)
    write(os.path.join(CHALLENGE, "hidden", "test.csv"), rows, test)
    # The public sample is simply the first rows of the (shuffled) training file.
    write(os.path.join(CHALLENGE, "public", "sample.csv"), rows, train[:SAMPLE_ROWS])


if __name__ == "__main__":
    main()
