"""Scores the folds reported by harness.py. Trusted: runs in its own sandbox, never sees the candidate's code.

Reads ./candidate.json (what the harness printed) and ./references/vectors.json
(the cases), prints one JSON object on stdout:

    {"metrics": {...}, "score_metric": "fold_quality"}

Notes for hiring teams: what each metric means
----------------------------------------------
Every case is split twice, once by kfold(n, k, seed) and once by
stratified_kfold(y, k, seed); each metric is the fraction of those splits
(case x function) that pass one property, so it is a number in [0, 1].

* partition      -- every row index 0..n-1 is in exactly one validation fold
                    (checked on the first call with `seed`).
* no_overlap     -- within every fold, no index is both a training and a
                    validation index.
* complete       -- within every fold, training and validation indices
                    together are exactly 0..n-1, none repeated and none out
                    of range: no row is silently dropped.
* balanced_sizes -- exactly k folds, and the validation fold sizes differ by
                    at most one.
* stratified     -- stratified_kfold only: in every validation fold each
                    class c has floor(n_c / k) or ceil(n_c / k) rows, i.e.
                    within one row of its ideal share n_c / k. This is what
                    scikit-learn's StratifiedKFold guarantees, also for
                    classes with fewer than k members (each such row goes to
                    a different fold).
* reproducible   -- calling again with the same seed gives the same folds in
                    the same order (indices compared as sets).
* seed_varies    -- a different seed gives a different partition (compared as
                    a set of validation sets, so re-ordering the same folds
                    does not count). Only checked where n >= 2k, since with
                    n == k every seed must give the same one-row folds.

fold_quality is the unweighted mean of these seven metrics, and it is what
the score is computed from (0 -> 0, 1 -> 100). A correct splitter scores 1.
A splitter that cuts 0..n-1 into contiguous blocks, ignoring both the seed
and the labels, passes partition, no_overlap, complete, balanced_sizes and
reproducible but fails seed_varies everywhere and stratified on most cases
(about 0.75 in all). A splitter whose folds are shuffled but not
stratified typically loses only `stratified`; one that stratifies class by
class but always gives the leftover rows to the first folds loses
`balanced_sizes` on several cases.

A malformed candidate.json, or a case missing from it, fails every check it
would have been part of; this program never crashes on candidate output.
"""
import json
import math
import sys

METRICS = ["partition", "no_overlap", "complete", "balanced_sizes", "stratified",
           "reproducible", "seed_varies"]
FUNCTIONS = ["kfold", "stratified_kfold"]


def is_index_list(v, n):
    return isinstance(v, list) and all(type(i) is int and 0 <= i < n for i in v)


def folds_of(runs, which, n):
    """The folds of one run as [(train, val), ...] with valid index lists, or None if unusable."""
    if not isinstance(runs, dict):
        return None
    folds = runs.get(which)
    if not isinstance(folds, list):
        return None
    out = []
    for fold in folds:
        if not (isinstance(fold, list) and len(fold) == 2):
            return None
        train, val = fold
        if not (is_index_list(train, n) and is_index_list(val, n)):
            return None
        out.append((train, val))
    return out


def check_partition(folds, n):
    if not folds:
        return False
    seen = sorted(i for _, val in folds for i in val)
    return seen == list(range(n))


def check_no_overlap(folds):
    return bool(folds) and all(not (set(train) & set(val)) for train, val in folds)


def check_complete(folds, n):
    if not folds:
        return False
    everything = list(range(n))
    return all(sorted(train + val) == everything for train, val in folds)


def check_sizes(folds, k):
    if not folds or len(folds) != k:
        return False
    sizes = [len(val) for _, val in folds]
    return max(sizes) - min(sizes) <= 1 and min(sizes) > 0


def check_stratified(folds, y, k):
    if not folds or len(folds) != k:
        return False
    classes = {}
    for label in y:
        classes[label] = classes.get(label, 0) + 1
    for _, val in folds:
        counts = {}
        for i in val:
            counts[y[i]] = counts.get(y[i], 0) + 1
        for label, n_c in classes.items():
            lo, hi = n_c // k, -(-n_c // k)
            if not lo <= counts.get(label, 0) <= hi:
                return False
    return True


def same_folds(a, b):
    if not a or not b or len(a) != len(b):
        return False
    return all(set(ta) == set(tb) and set(va) == set(vb) for (ta, va), (tb, vb) in zip(a, b))


def partition_of(folds):
    return frozenset(frozenset(val) for _, val in folds)


def score(candidate, cases):
    passed = {m: 0 for m in METRICS}
    total = {m: 0 for m in METRICS}

    def tally(metric, ok):
        total[metric] += 1
        passed[metric] += bool(ok)

    reported = {}
    if isinstance(candidate, dict) and isinstance(candidate.get("cases"), list):
        for entry in candidate["cases"]:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                reported.setdefault(entry["id"], entry)

    for case in cases:
        n, k, y = case["n"], case["k"], case["y"]
        entry = reported.get(case["id"], {})
        for fn in FUNCTIONS:
            runs = entry.get(fn) if isinstance(entry, dict) else None
            first = folds_of(runs, "first", n)
            again = folds_of(runs, "again", n)
            other = folds_of(runs, "other", n)
            tally("partition", check_partition(first, n))
            tally("no_overlap", check_no_overlap(first))
            tally("complete", check_complete(first, n))
            tally("balanced_sizes", check_sizes(first, k))
            if fn == "stratified_kfold":
                tally("stratified", check_stratified(first, y, k))
            tally("reproducible", same_folds(first, again))
            if n >= 2 * k:
                tally("seed_varies", bool(first) and bool(other)
                      and check_partition(other, n) and partition_of(first) != partition_of(other))
    metrics = {m: (passed[m] / total[m] if total[m] else 1.0) for m in METRICS}
    metrics["fold_quality"] = sum(metrics[m] for m in METRICS) / len(METRICS)
    return metrics


def main():
    with open("references/vectors.json") as f:
        cases = json.load(f)
    try:
        with open("candidate.json") as f:
            candidate = json.load(f)
    except (OSError, ValueError, RecursionError):
        candidate = None
    # No catch-all here: malformed candidate output is handled check by check above, so an
    # exception would be a bug in this program and must show as one (blamed on the challenge).
    metrics = score(candidate, cases)
    metrics = {m: (float(v) if math.isfinite(v) else 0.0) for m, v in metrics.items()}
    json.dump({"metrics": metrics, "score_metric": "fold_quality"}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
