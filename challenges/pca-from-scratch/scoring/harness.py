"""Runs in the sandbox next to the candidate's solution.py and reports what its PCA computes.

For every case in inputs/cases.json it does

    pca = PCA(n_components).fit(train)
    z = pca.transform(test)
    back = pca.inverse_transform(z)

and writes one JSON document to the result channel (the original stdout):

    {"cases": [{"id": "c01", "components": [[...]], "explained_variance": [...],
                "explained_variance_ratio": [...], "mean": [...], "reconstruction": [[...]]}, ...]}

or {"id": ..., "malformed": "<why>"} for a case whose attributes cannot be read
as arrays of the right shape. Nothing is judged here: score.py, in a separate
sandbox, compares the numbers with the exact PCA of the same rows.

The candidate's prints go to stderr (the log). An exception raised by the
candidate's code ends the run with a non-zero exit code and its traceback in
the log.
"""
import os, sys

_out = os.fdopen(os.dup(1), "w")  # the result channel
os.dup2(2, 1)                     # candidate prints -> log
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)

import json
import traceback

import numpy


def as_array(value, shape, what):
    """The value as a finite float64 array of exactly `shape`; raises ValueError otherwise."""
    try:
        arr = numpy.asarray(value, dtype=float)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} is not numeric: {e}")
    if arr.shape != shape:
        raise ValueError(f"{what} has shape {arr.shape}, expected {shape}")
    if not numpy.all(numpy.isfinite(arr)):
        raise ValueError(f"{what} holds NaN or infinity")
    return arr


def run_case(solution, case):
    train = numpy.array(case["train"])  # integer dtype when the case holds counts, as a real table would
    test = numpy.array(case["test"])
    k = int(case["n_components"])
    n_test, d = test.shape
    try:
        pca = solution.PCA(k)
        fitted = pca.fit(train.copy())
        if fitted is not None:
            pca = fitted
        z = pca.transform(test.copy())
        back = pca.inverse_transform(numpy.array(z, dtype=float, copy=True))
    except Exception:
        traceback.print_exc()
        print(f"mlgrade: PCA raised on case {case['id']} ({case['note']})", file=sys.stderr)
        sys.exit(1)
    entry = {"id": case["id"]}
    try:
        entry["components"] = as_array(getattr(pca, "components_", None), (k, d), "components_").tolist()
        entry["explained_variance"] = as_array(getattr(pca, "explained_variance_", None), (k,), "explained_variance_").tolist()
        entry["explained_variance_ratio"] = as_array(
            getattr(pca, "explained_variance_ratio_", None), (k,), "explained_variance_ratio_").tolist()
        entry["mean"] = as_array(getattr(pca, "mean_", None), (d,), "mean_").tolist()
        as_array(z, (n_test, k), "transform(test)")
        entry["reconstruction"] = as_array(back, (n_test, d), "inverse_transform(transform(test))").tolist()
    except ValueError as e:
        print(f"mlgrade: case {case['id']}: {e}", file=sys.stderr)
        return {"id": case["id"], "malformed": str(e)}
    return entry


def main():
    with open(os.path.join("inputs", "cases.json")) as f:
        cases = json.load(f)
    try:
        import solution
    except Exception:
        traceback.print_exc()
        print("mlgrade: solution.py could not be imported", file=sys.stderr)
        sys.exit(1)
    if not callable(getattr(solution, "PCA", None)):
        print("mlgrade: solution.py must define a class named PCA", file=sys.stderr)
        sys.exit(1)
    report = [run_case(solution, case) for case in cases]
    sys.stdout.flush()
    json.dump({"cases": report}, _out, separators=(",", ":"))
    _out.flush()


if __name__ == "__main__":
    main()
