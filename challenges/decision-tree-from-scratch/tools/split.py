#!/usr/bin/env python3
"""Build hidden/train.csv, hidden/test.csv and public/sample.csv for this challenge.

Source: scikit-learn's copy of the UCI Breast Cancer Wisconsin (Diagnostic)
table, ``sklearn/datasets/data/breast_cancer.csv`` (569 rows, 30 features,
target 0 = malignant, 1 = benign). Its first line is not a header but
``n_samples,n_features,class_name_0,class_name_1``.

The split is stratified (about 70 % train / 30 % test per class) and fully
deterministic: rows are ordered by SHA-256 of "<seed>:<row index>", so the
result does not depend on any library's random number generator. Values are
copied verbatim as text, so nothing is re-rounded. The source file's SHA-256 is
checked, so running this again gives byte-identical output.

Usage:
    python3 tools/split.py [path/to/breast_cancer.csv]

Without a path it looks inside the installed scikit-learn package
(``pip install scikit-learn``) without importing it.
"""

import csv
import hashlib
import importlib.util
import os
import sys

SEED = 20261126
TRAIN_FRACTION = 0.7
SAMPLE_ROWS = 40
LABEL = "diagnosis"
SOURCE_SHA256 = "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed"

MEASURES = [
    "radius", "texture", "perimeter", "area", "smoothness", "compactness",
    "concavity", "concave_points", "symmetry", "fractal_dimension",
]
# Same order as the source columns: 10 means, 10 standard errors, 10 "worst".
FEATURES = (
    [f"mean_{m}" for m in MEASURES]
    + [f"{m}_error" for m in MEASURES]
    + [f"worst_{m}" for m in MEASURES]
)

HERE = os.path.dirname(os.path.abspath(__file__))
CHALLENGE = os.path.dirname(HERE)


def default_source():
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        sys.exit("scikit-learn not found: pip install scikit-learn, or pass the CSV path")
    return os.path.join(os.path.dirname(spec.origin), "datasets", "data", "breast_cancer.csv")


def order_key(tag, index):
    return hashlib.sha256(f"{SEED}:{tag}:{index}".encode()).hexdigest()


def read_source(path):
    with open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"unexpected source file {path}: sha256 {digest}, want {SOURCE_SHA256}")
    lines = raw.decode("ascii").splitlines()
    n_samples, n_features = (int(v) for v in lines[0].split(",")[:2])
    rows = [line.split(",") for line in lines[1:] if line.strip()]
    assert n_features == len(FEATURES), n_features
    assert len(rows) == n_samples, (len(rows), n_samples)
    for row in rows:
        assert len(row) == n_features + 1, row
        for value in row[:-1]:
            float(value)
        assert row[-1] in ("0", "1"), row[-1]
    return rows


def split(rows):
    train, test = [], []
    for label in ("0", "1"):
        idx = [i for i, r in enumerate(rows) if r[-1] == label]
        idx.sort(key=lambda i: order_key("split", i))
        n_train = round(TRAIN_FRACTION * len(idx))
        train += idx[:n_train]
        test += idx[n_train:]
    # Mix the classes within each file, again deterministically.
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
