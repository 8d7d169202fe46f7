#!/usr/bin/env python3
"""Redraw a public table: fit a generative model to it and sample NEW rows from a secret seed.

Some challenges are built on published data sets (UCI Breast Cancer Wisconsin, the diabetes
table of Efron et al.). If the hidden rows were rows of the published table, a candidate could
paste that table into their solution and look every test row up -- exactly, or by nearest
neighbour after standardising or rank-transforming both sides -- and score 100. This script
replaces the split of the published table with rows drawn afresh, for each deployment, from a
statistical model fitted to it. Run it like the other challenges' generators:

    python3 redraw.py --seed SEED --out DIR [--sample ROWS] [--config redraw.json]

Settings come from ``redraw.json`` in the current directory (or --config):

    {"source": "source.csv", "label": "diagnosis", "task": "classification",
     "train_rows": 400, "test_rows": 300}

``source`` is a CSV file with a header (label column included), resolved against the folder
of the settings file. The script writes DIR/train.csv and DIR/test.csv with the source's
columns, in the source's order. With ``--sample ROWS`` it writes only DIR/sample.csv: the
header and the first ROWS rows of the train.csv the same seed gives (the public sample is
made with the public seed 0; deployments use secret seeds, so it gives no hidden row away).

Method (why a model, and which one)
-----------------------------------
Re-splitting, jittering or subsampling the published rows would not do: every output row
would stay within a small distance of its source row, and a nearest-neighbour lookup would
still recover its label. Instead the script fits a smooth generative model to the table and
samples new rows from it, so an output row is no closer to any one source row than a new
patient from the same population would be; looking it up in the published table is then
just a nearest-neighbour classifier/regressor trained on 569 or 442 rows, no better than an
honest model trained on the output's own training rows.

* Features: a Gaussian copula. Each feature keeps its empirical marginal distribution (the
  source's sorted values at plotting positions (i - 0.5) / n, linearly interpolated and
  clamped at the ends, so every value stays within the source's observed range: no negative
  areas, no out-of-range ages, ties such as concavity = 0 keep their mass). The dependence
  between features is the correlation matrix of the features' normal scores
  (Phi^-1 of mid-ranks), which keeps the strong structure of such tables (radius, perimeter
  and area; cholesterol fractions) without copying any row.
* Classification: one copula per class (marginals and correlation within the class); the
  class counts of each output file are the source's class frequencies times the row count
  (largest-remainder rounding), rows are then shuffled. The class-conditional shape, and so
  how separable the classes are, stays close to the source's.
* Regression: one copula for the whole feature table. The target is y = f(x) + noise on the
  source's own scales: f is a least-squares fit to the source on a basis of linear terms
  (unpenalised) plus restricted cubic splines per feature and all pairwise products (ridge-
  penalised, the penalty chosen by exact leave-one-out error, so only the curvature and
  interactions the data support survive), and the noise is Gaussian with the fit's residual
  variance RSS / (n - df), redrawn where f + noise would leave the target's observed range.
  So the learnable signal and the noise level -- hence the attainable R^2 -- stay close to the
  source's. (Modelling the target in normal-score space was tried and lost about 0.05 of R^2.)
* Values are rounded like the source, column by column (its decimals and significant
  digits, and a trailing ".0" where every source value has a decimal point). An output row
  whose features equal a source row's is redrawn (in practice this never happens).
* Deterministic: numpy's default_rng(SeedSequence([seed, tag])), where tag is taken from the
  SHA-256 of the source file, so one deployment seed gives unrelated data per challenge. Only
  numpy and the standard library are used (no scipy, no scikit-learn).

A secret per-feature monotone transform on top was considered and left out: it would change
what the numbers mean (an "area" would no longer be an area), and it would not stop a lookup
after rank-transforming both sides anyway; the copula already leaves nothing to look up.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import sys

import numpy as np

DEFAULT_CONFIG = "redraw.json"
RIDGE_GRID = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0]
MAX_REDRAWS = 100


# ------------------------------------------------------------------ normal distribution
def norm_ppf(p):
    """Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9)."""
    a = [-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00]
    b = [-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
         3.754408661907416e00]
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-300, 1 - 1e-16)
    out = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = np.sqrt(-2 * np.log(p[lo]))
    out[lo] = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
              ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    q = np.sqrt(-2 * np.log(1 - p[hi]))
    out[hi] = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
               (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    return out


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def norm_cdf(z):
    return 0.5 * _erfc(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


# ------------------------------------------------------------------ copula pieces
def mid_ranks(x):
    """Ranks 1..n, ties given their average rank."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ranks = np.empty(len(x), dtype=np.float64)
    start = 0
    n = len(x)
    while start < n:
        end = start
        while end + 1 < n and xs[end + 1] == xs[start]:
            end += 1
        ranks[order[start:end + 1]] = 0.5 * (start + end) + 1.0
        start = end + 1
    return ranks


def normal_scores(X):
    """Column-wise Phi^-1((mid-rank - 0.5) / n)."""
    n = X.shape[0]
    return np.column_stack([norm_ppf((mid_ranks(X[:, j]) - 0.5) / n) for j in range(X.shape[1])])


def nearest_correlation(C, floor=1e-4):
    """Symmetrise, clip eigenvalues at `floor`, rescale to a unit diagonal."""
    C = 0.5 * (C + C.T)
    w, V = np.linalg.eigh(C)
    C = (V * np.maximum(w, floor)) @ V.T
    s = np.sqrt(np.diag(C))
    return C / np.outer(s, s)


class Copula:
    """Gaussian copula with empirical (interpolated) marginals."""

    def __init__(self, X):
        n = X.shape[0]
        self.sorted = np.sort(X, axis=0)
        self.probs = (np.arange(1, n + 1) - 0.5) / n
        self.scores = normal_scores(X)
        C = np.corrcoef(self.scores, rowvar=False) if X.shape[1] > 1 else np.ones((1, 1))
        C = np.nan_to_num(np.atleast_2d(C), nan=0.0)
        np.fill_diagonal(C, 1.0)
        self.corr = nearest_correlation(C)
        self.chol = np.linalg.cholesky(self.corr)

    def sample_scores(self, rng, m):
        return rng.standard_normal((m, self.chol.shape[0])) @ self.chol.T

    def to_values(self, Z):
        U = norm_cdf(Z)
        return np.column_stack([
            np.interp(U[:, j], self.probs, self.sorted[:, j]) for j in range(Z.shape[1])
        ])


# ------------------------------------------------------------------ regression target model
def spline_basis(z, knots):
    """Restricted (natural) cubic spline terms of Harrell's form: len(knots) - 2 columns."""
    k = knots
    scale = (k[-1] - k[0]) ** 2
    cube = lambda t: np.maximum(z - t, 0.0) ** 3
    cols = []
    for j in range(len(k) - 2):
        cols.append((cube(k[j])
                     - cube(k[-2]) * (k[-1] - k[j]) / (k[-1] - k[-2])
                     + cube(k[-1]) * (k[-2] - k[j]) / (k[-1] - k[-2])) / scale)
    return cols


class TargetModel:
    """y = f(x) + N(0, sigma^2) on the source's own scales; f is a partially ridge-penalised fit.

    Inputs are the features standardised with the source's means and standard deviations; the
    basis is linear terms (not penalised) plus restricted cubic splines per feature and all
    pairwise products (ridge-penalised, penalty chosen by exact leave-one-out error).
    """

    def __init__(self, X, y, discrete):
        n, p = X.shape
        self.mu, self.sd = X.mean(axis=0), X.std(axis=0)
        self.sd[self.sd == 0] = 1.0
        Z = (X - self.mu) / self.sd
        self.knots = []
        for j in range(p):
            if discrete[j]:
                self.knots.append(None)
            else:
                k = np.quantile(Z[:, j], [0.05, 0.35, 0.65, 0.95])
                self.knots.append(k if np.all(np.diff(k) > 1e-9) else None)
        B, penalised = self.basis(Z)
        self.center = B.mean(axis=0)
        self.center[0] = 0.0
        B = B - self.center
        best = None
        for lam in RIDGE_GRID:
            A = B.T @ B + np.diag(np.where(penalised, lam, 0.0))
            Ainv = np.linalg.pinv(A)
            beta = Ainv @ (B.T @ y)
            h = np.einsum("ij,jk,ik->i", B, Ainv, B)
            resid = y - B @ beta
            loo = np.mean((resid / np.maximum(1 - h, 1e-6)) ** 2)
            if best is None or loo < best[0]:
                best = (loo, lam, beta, resid, h.sum())
        _, self.lam, self.beta, resid, self.df = best
        self.sigma = math.sqrt(float(resid @ resid) / max(n - self.df, 1.0))
        self.lo, self.hi = float(y.min()), float(y.max())

    def basis(self, Z):
        n, p = Z.shape
        cols, pen = [np.ones(n)], [False]
        for j in range(p):
            cols.append(Z[:, j])
            pen.append(False)
        for j in range(p):
            if self.knots[j] is not None:
                extra = spline_basis(Z[:, j], self.knots[j])
                cols += extra
                pen += [True] * len(extra)
        for i in range(p):
            for j in range(i + 1, p):
                cols.append(Z[:, i] * Z[:, j])
                pen.append(True)
        return np.column_stack(cols), np.array(pen)

    def mean(self, X):
        B, _ = self.basis((X - self.mu) / self.sd)
        return (B - self.center) @ self.beta

    def sample(self, rng, X):
        """f(x) plus Gaussian noise, the noise redrawn where the sum leaves the source's range."""
        f = self.mean(X)
        y = f + self.sigma * rng.standard_normal(len(f))
        for _ in range(MAX_REDRAWS):
            out = (y < self.lo) | (y > self.hi)
            if not out.any():
                break
            y[out] = f[out] + self.sigma * rng.standard_normal(int(out.sum()))
        return np.clip(y, self.lo, self.hi)


# ------------------------------------------------------------------ text formatting
class ColumnFormat:
    """Rounds and prints a column the way the source writes it."""

    def __init__(self, texts):
        values = np.array([float(t) for t in texts])
        decimals = [len(t.split(".", 1)[1]) if "." in t else 0 for t in texts]
        self.keep_point = all("." in t for t in texts)
        max_dec = max(decimals)
        self.decimals = max_dec
        for d in range(max_dec + 1):  # fewest decimals that reproduce every source value
            if np.all(np.abs(np.round(values, d) - values) < 1e-9 * np.maximum(1, np.abs(values))):
                self.decimals = d
                break
        self.sig = max(len(t.lstrip("+-").replace(".", "").lstrip("0")) for t in texts) or 1
        self.lo, self.hi = values.min(), values.max()

    def round(self, v):
        v = np.clip(v, self.lo, self.hi)
        out = np.empty_like(v)
        for i, x in enumerate(v):
            d = self.decimals
            if x != 0:
                d = min(d, self.sig - 1 - int(math.floor(math.log10(abs(x)))))
            out[i] = round(float(x), d)
        return np.clip(out, self.lo, self.hi)

    def text(self, x):
        d = self.decimals
        if x != 0:
            d = max(0, min(d, self.sig - 1 - int(math.floor(math.log10(abs(x))))))
        s = f"{x:.{d}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        if s in ("-0", ""):
            s = "0"
        if self.keep_point and "." not in s:
            s += ".0"
        return s


# ------------------------------------------------------------------ the redraw
def read_table(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    return rows[0], rows[1:]


def source_tag(path):
    with open(path, "rb") as f:
        return int.from_bytes(hashlib.sha256(f.read()).digest()[:16], "big")


def proportional_counts(freqs, m):
    raw = np.asarray(freqs, dtype=np.float64) * m
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: m - counts.sum()]:
        counts[i] += 1
    return counts


class Redraw:
    def __init__(self, header, rows, label, task):
        if label not in header:
            raise SystemExit(f"label column {label!r} not in the source header")
        if task not in ("classification", "regression"):
            raise SystemExit(f"task must be classification or regression, not {task!r}")
        self.header, self.label, self.task = header, label, task
        self.li = header.index(label)
        self.fi = [i for i in range(len(header)) if i != self.li]
        texts = list(zip(*rows))
        self.formats = [ColumnFormat(texts[i]) for i in self.fi]
        X = np.array([[float(r[i]) for i in self.fi] for r in rows])
        self.source_rows = {tuple(f.text(x) for f, x in zip(self.formats, row)) for row in X}
        if task == "classification":
            labels = [r[self.li] for r in rows]
            self.classes = sorted(set(labels), key=lambda t: (float(t), t) if _is_num(t) else (math.inf, t))
            self.freqs = [labels.count(c) / len(labels) for c in self.classes]
            self.copulas = [Copula(X[[lab == c for lab in labels]]) for c in self.classes]
        else:
            y = np.array([float(r[self.li]) for r in rows])
            self.yformat = ColumnFormat(texts[self.li])
            self.copula = Copula(X)
            discrete = [len(np.unique(X[:, j])) <= 5 for j in range(X.shape[1])]
            self.target = TargetModel(X, y, discrete)

    def _features(self, rng, copula, m):
        """m rows of rounded features: values and texts; no row is a copy of a source row."""
        Z = copula.sample_scores(rng, m)
        for _ in range(MAX_REDRAWS):
            V = np.column_stack([f.round(v) for f, v in zip(self.formats, copula.to_values(Z).T)])
            cells = self._texts(V)
            copies = [i for i, r in enumerate(cells) if tuple(r) in self.source_rows]
            if not copies:
                return V, cells
            Z[copies] = copula.sample_scores(rng, len(copies))
        raise SystemExit("could not draw rows distinct from the source")

    def _texts(self, V):
        cols = [[f.text(x) for x in f.round(V[:, j])] for j, f in enumerate(self.formats)]
        return [list(r) for r in zip(*cols)]

    def draw(self, rng, m):
        """m rows, each a list of cell texts in header order."""
        if self.task == "classification":
            counts = proportional_counts(self.freqs, m)
            out = []
            for c, copula, k in zip(self.classes, self.copulas, counts):
                if k:
                    _, cells = self._features(rng, copula, int(k))
                    out += [cells_row + [c] for cells_row in cells]
            out = [out[i] for i in rng.permutation(len(out))]
        else:
            V, cells = self._features(rng, self.copula, m)
            y = self.target.sample(rng, V)
            ytext = [self.yformat.text(v) for v in self.yformat.round(y)]
            out = [r + [t] for r, t in zip(cells, ytext)]
        # Features were built without the label; put the label back where the source has it.
        return [r[: self.li] + [r[-1]] + r[self.li:-1] for r in out]


def _is_num(t):
    try:
        float(t)
        return True
    except ValueError:
        return False


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sample", type=int, default=None, metavar="ROWS",
                    help="write only DIR/sample.csv: the first ROWS rows of train.csv at this seed")
    ap.add_argument("--config", default=DEFAULT_CONFIG)
    args = ap.parse_args(argv)

    with open(args.config) as f:
        cfg = json.load(f)
    base = os.path.dirname(os.path.abspath(args.config))
    source = os.path.join(base, cfg["source"])
    train_rows, test_rows = int(cfg["train_rows"]), int(cfg["test_rows"])
    if train_rows < 1 or test_rows < 1:
        raise SystemExit("train_rows and test_rows must be positive")

    header, rows = read_table(source)
    model = Redraw(header, rows, cfg["label"], cfg["task"])
    rng = np.random.default_rng(np.random.SeedSequence([args.seed, source_tag(source)]))
    train = model.draw(rng, train_rows)
    os.makedirs(args.out, exist_ok=True)
    if args.sample is not None:
        write_csv(os.path.join(args.out, "sample.csv"), header, train[: args.sample])
        print(f"wrote sample.csv: {min(args.sample, len(train))} rows (seed {args.seed})", file=sys.stderr)
        return
    test = model.draw(rng, test_rows)
    write_csv(os.path.join(args.out, "train.csv"), header, train)
    write_csv(os.path.join(args.out, "test.csv"), header, test)
    print(f"wrote train.csv ({len(train)} rows) and test.csv ({len(test)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
