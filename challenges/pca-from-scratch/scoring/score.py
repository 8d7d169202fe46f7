"""Scores the PCA reported by harness.py. Trusted: runs in its own sandbox, never sees the candidate's code.

Reads ./candidate.json (what the harness printed), ./references/cases.json (the
rows) and ./references/truth.json (their exact PCA), prints one JSON object:

    {"metrics": {...}, "score_metric": "pca_quality"}

Notes for hiring teams: what each metric means
----------------------------------------------
Every metric is in [0, 1] and averages over the ten cases (or over their
components); a case that is missing or malformed counts 0 everywhere.

* subspace            -- how much of the true top-k subspace the candidate's
                         components span: the mean squared cosine of the
                         principal angles between the two subspaces. Blind to
                         signs, to the order of the components and to any
                         rotation inside the subspace.
* components          -- fraction of the identifiable components (variance at
                         least 0.1 % away from its neighbours' variances) whose
                         direction matches the true one, up to sign, with
                         |cos| >= 0.999 (within 2.6 degrees), in the right
                         order (largest variance first).
* orthonormal         -- fraction of cases whose components_ rows are
                         orthonormal to 1e-6.
* explained_variance  -- fraction of components whose variance is within a
                         relative 1e-4 of the truth (divided by n - 1). Losing
                         digits to a large offset, or dividing by n instead of
                         n - 1 on small samples, fails here.
* variance_ratio      -- the same for explained_variance_ratio_ (the
                         variance over the total variance of all features).
* reconstruction      -- on held-out test rows, the share of the achievable
                         reduction in squared error the candidate's own mean_
                         and components_ reach: (E_mean - E) / (E_mean - E_best),
                         where E_mean reconstructs every row by the training
                         mean and E_best uses the exact top-k components.
                         Computed here from the reported attributes, so no
                         transform can game it.
* transform           -- fraction of cases where inverse_transform(transform(X))
                         equals mean_ + (X - mean_) V^T V for the candidate's
                         own components V, to a relative 1e-4 of the spread.

pca_quality is the unweighted mean of the seven, and the score is computed from
it (0 -> 0, 1 -> 100). An exact PCA scores 1 whatever algorithm computes it
(SVD, eigendecomposition of the covariance, or power iteration run to
convergence). Keeping the first k columns scores about 0.3.

This program never crashes on candidate output: anything malformed scores 0
where it is used.
"""
import json
import math
import sys

import numpy as np

METRICS = ["subspace", "components", "orthonormal", "explained_variance", "variance_ratio",
           "reconstruction", "transform"]
RELATIVE_GAP = 1e-3      # a component is identifiable when its variance stands this far from its neighbours'
ALIGNED = 0.999          # |cos| between a reported and a true direction
VARIANCE_TOLERANCE = 1e-4
ORTHONORMAL_TOLERANCE = 1e-6
TRANSFORM_TOLERANCE = 1e-4


def array(entry, key, shape):
    """The candidate's field as a float array of `shape`, or None."""
    try:
        arr = np.asarray(entry[key], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None
    if arr.shape != shape or not np.all(np.isfinite(arr)):
        return None
    return arr


def identifiable(variances, i):
    """Whether component i's variance stands apart from its neighbours' (so its direction is defined)."""
    v = variances[i]
    if v <= 0:
        return False
    gaps = [abs(variances[j] - v) for j in (i - 1, i + 1) if 0 <= j < len(variances)]
    return min(gaps) > RELATIVE_GAP * v if gaps else True


def orthonormal_basis(rows):
    """An orthonormal basis (as rows) of the span of `rows`, dropping numerically null directions."""
    u, s, _ = np.linalg.svd(rows.T, full_matrices=False)
    keep = s > 1e-8 * max(s.max(initial=0.0), 1e-300)
    return u[:, keep].T


def score_case(case, truth, entry):
    """Per metric, (passed, counted) for one case."""
    k = case["n_components"]
    train = np.asarray(case["train"], dtype=float)
    test = np.asarray(case["test"], dtype=float)
    d = train.shape[1]
    true_v = np.asarray(truth["components"], dtype=float)
    true_ev = np.asarray(truth["explained_variance"], dtype=float)
    true_ratio = np.asarray(truth["explained_variance_ratio"], dtype=float)
    all_variances = truth["all_variances"]
    ident = [i for i in range(k) if identifiable(all_variances, i)]

    v = array(entry, "components", (k, d))
    ev = array(entry, "explained_variance", (k,))
    ratio = array(entry, "explained_variance_ratio", (k,))
    mean = array(entry, "mean", (d,))
    back = array(entry, "reconstruction", (test.shape[0], d))
    out = {"subspace": (0.0, 1), "components": (0, len(ident)), "orthonormal": (0, 1),
           "explained_variance": (0, k), "variance_ratio": (0, k), "reconstruction": (0.0, 1),
           "transform": (0, 1)}

    if v is not None:
        basis = orthonormal_basis(v) if np.any(v) else np.zeros((0, d))
        out["subspace"] = (min(float(np.sum((true_v @ basis.T) ** 2) / k), 1.0), 1)
        norms = np.linalg.norm(v, axis=1)
        unit = v / np.where(norms > 0, norms, 1.0)[:, None]
        cos = np.abs(np.sum(unit * true_v, axis=1))
        out["components"] = (sum(int(cos[i] >= ALIGNED) for i in ident), len(ident))
        out["orthonormal"] = (int(np.max(np.abs(v @ v.T - np.eye(k))) <= ORTHONORMAL_TOLERANCE), 1)
    if ev is not None:
        out["explained_variance"] = (int(np.sum(np.abs(ev - true_ev) <= VARIANCE_TOLERANCE * np.abs(true_ev))), k)
    if ratio is not None:
        out["variance_ratio"] = (int(np.sum(np.abs(ratio - true_ratio) <= VARIANCE_TOLERANCE * np.abs(true_ratio))), k)
    if v is not None and mean is not None:
        train_mean = np.asarray(truth["mean"], dtype=float)
        by_mean = float(np.mean((test - train_mean) ** 2))
        own = mean + (test - mean) @ v.T @ v
        achievable = by_mean - truth["optimal_mse"]
        if achievable > 0:
            captured = (by_mean - float(np.mean((test - own) ** 2))) / achievable
            out["reconstruction"] = (min(max(captured, 0.0), 1.0), 1)
        if back is not None:
            spread = np.linalg.norm(test - mean)
            ok = np.linalg.norm(back - own) <= TRANSFORM_TOLERANCE * max(spread, 1e-12)
            out["transform"] = (int(ok), 1)
    return out


def score(candidate, cases, truths):
    reported = {}
    if isinstance(candidate, dict) and isinstance(candidate.get("cases"), list):
        for entry in candidate["cases"]:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                reported.setdefault(entry["id"], entry)
    per_metric = {m: [] for m in METRICS}
    for case, truth in zip(cases, truths):
        entry = reported.get(case["id"], {})
        for metric, pair in score_case(case, truth, entry).items():
            per_metric[metric].append(pair)
    metrics = {}
    for metric, pairs in per_metric.items():
        if metric in ("subspace", "reconstruction", "orthonormal", "transform"):
            metrics[metric] = sum(p for p, _ in pairs) / len(pairs)  # a mean over cases
        else:
            counted = sum(c for _, c in pairs)
            metrics[metric] = sum(p for p, _ in pairs) / counted if counted else 1.0  # over components
    metrics["pca_quality"] = sum(metrics[m] for m in METRICS) / len(METRICS)
    return metrics


def main():
    with open("references/cases.json") as f:
        cases = json.load(f)
    with open("references/truth.json") as f:
        truths = json.load(f)
    try:
        with open("candidate.json") as f:
            candidate = json.load(f)
    except (OSError, ValueError, RecursionError):
        candidate = None
    metrics = score(candidate, cases, truths)
    metrics = {m: (float(v) if math.isfinite(v) else 0.0) for m, v in metrics.items()}
    json.dump({"metrics": metrics, "score_metric": "pca_quality"}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
