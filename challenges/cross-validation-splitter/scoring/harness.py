"""Runs in the sandbox next to the candidate's solution.py and reports the folds it makes.

For every case in inputs/vectors.json it calls

    kfold(n, k, seed)              three times: with seed, with seed again, with other_seed
    stratified_kfold(y, k, seed)   the same three times

and writes one JSON document to the result channel (the original stdout):

    {"cases": [{"id": "c01",
                "kfold": {"first": F, "again": F, "other": F},
                "stratified_kfold": {"first": F, "again": F, "other": F}}, ...]}

where F is the list of folds as [[train_indices, validation_indices], ...], or
{"malformed": "<why>"} when the return value cannot be read as folds. Nothing
is judged here: score.py, in a separate sandbox, checks the folds.

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

MAX_FOLDS = 10_000


def index_list(v):
    """A fold's indices as a list of Python ints; raises ValueError if they are not integers."""
    arr = numpy.asarray(v)
    if arr.ndim != 1:
        raise ValueError(f"indices must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return []
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iu":
        raise ValueError(f"indices must be integers, got dtype {arr.dtype}")
    return [int(i) for i in arr.tolist()]


def read_folds(result):
    """Converts whatever the candidate returned into [[train, val], ...] or a {"malformed": ...} note."""
    try:
        folds = list(result)
    except TypeError:
        return {"malformed": f"returned {type(result).__name__}, not a list of (train, validation) pairs"}
    if len(folds) > MAX_FOLDS:
        return {"malformed": f"returned {len(folds)} folds"}
    out = []
    for i, fold in enumerate(folds):
        try:
            pair = list(fold)
        except TypeError:
            return {"malformed": f"fold {i} is {type(fold).__name__}, not a (train, validation) pair"}
        if len(pair) != 2:
            return {"malformed": f"fold {i} has {len(pair)} parts, not 2 (train, validation)"}
        try:
            out.append([index_list(pair[0]), index_list(pair[1])])
        except (ValueError, TypeError) as e:
            return {"malformed": f"fold {i}: {e}"}
    return out


def main():
    with open(os.path.join("inputs", "vectors.json")) as f:
        cases = json.load(f)
    try:
        import solution
    except Exception:
        traceback.print_exc()
        print("mlgrade: solution.py could not be imported", file=sys.stderr)
        sys.exit(1)
    for name in ("kfold", "stratified_kfold"):
        if not callable(getattr(solution, name, None)):
            print(f"mlgrade: solution.py must define a function named {name}", file=sys.stderr)
            sys.exit(1)

    report = []
    for case in cases:
        n, k = int(case["n"]), int(case["k"])
        y = numpy.array(case["y"])
        entry = {"id": case["id"]}
        for name in ("kfold", "stratified_kfold"):
            fn = getattr(solution, name)
            runs = {}
            for run, seed in (("first", case["seed"]), ("again", case["seed"]), ("other", case["other_seed"])):
                try:
                    if name == "kfold":
                        result = fn(n, k, int(seed))
                    else:
                        result = fn(y.copy(), k, int(seed))
                except Exception:
                    traceback.print_exc()
                    print(f"mlgrade: {name} raised on case {case['id']} "
                          f"(n={n}, k={k}, seed={seed}, {case.get('note', '')})", file=sys.stderr)
                    sys.exit(1)
                runs[run] = read_folds(result)
            entry[name] = runs
        report.append(entry)

    sys.stdout.flush()
    json.dump({"cases": report}, _out, separators=(",", ":"))
    _out.flush()


if __name__ == "__main__":
    main()
