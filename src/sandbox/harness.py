"""Runs in the sandbox next to the candidate's code: trains their Model and reports predictions.

The service grades nothing here. This file only turns the candidate's Model into predictions on the
training rows and the (unlabelled) test rows; every metric is computed outside the container.

Channels: the candidate's prints go to stderr, which the service keeps as the log. stdout is kept for
one JSON document this harness writes after the candidate's code has returned.
"""
import csv
import json
import math
import os
import sys
import traceback


def take_result_channel():
    """Moves fd 1 aside for the harness and points the candidate's stdout at the log."""
    result_fd = os.dup(1)  # not inheritable: child processes of the candidate never see it
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    return os.fdopen(result_fd, "w")


def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def parse_labels(cells):
    """Integer labels when every cell is an integer, else floats, else the text."""
    for cast in (int, float):
        try:
            return [cast(c) for c in cells]
        except ValueError:
            pass
    return cells


def json_value(v):
    """A prediction as JSON: non-finite floats become text so they are reported, not lost."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    return repr(v)


def as_json(values, numpy):
    """Whatever predict or predict_proba returned, as nested lists; the service judges its shape."""
    try:
        arr = numpy.asarray(values)
    except Exception:
        return repr(values)[:200]
    if arr.ndim == 0:
        return json_value(arr)
    return [json_value(v) for v in arr.tolist()]


def load_numpy(numpy, supervised):
    header, rows = read_table("train.csv")
    label_at = header.index("label") if supervised else None
    x_train = numpy.array([[float(c) for i, c in enumerate(r) if i != label_at] for r in rows], dtype=float)
    y_train = numpy.array(parse_labels([r[label_at] for r in rows])) if supervised else None
    _, test_rows = read_table("test.csv")
    x_test = numpy.array([[float(c) for c in r] for r in test_rows], dtype=float)
    return x_train, y_train, x_test


def load_pandas(supervised):
    import pandas

    x_train = pandas.read_csv("train.csv")
    y_train = x_train.pop("label") if supervised else None
    return x_train, y_train, pandas.read_csv("test.csv")


def copy(data):
    """Each call gets its own copy, so a Model that edits its input in place cannot skew the next call."""
    return None if data is None else data.copy()


def main():
    result = take_result_channel()
    with open("job.json") as f:
        job = json.load(f)

    import numpy

    supervised = job["task"] != "clustering"
    if job["input"] == "pandas":
        x_train, y_train, x_test = load_pandas(supervised)
    else:
        x_train, y_train, x_test = load_numpy(numpy, supervised)

    try:
        import solution
    except Exception:
        traceback.print_exc()
        print("mlgrade: solution.py could not be imported", file=sys.stderr)
        sys.exit(1)
    model_class = getattr(solution, "Model", None)
    if not isinstance(model_class, type):
        print("mlgrade: solution.py must define a class named Model", file=sys.stderr)
        sys.exit(1)

    model = model_class(**job["params"])
    if supervised:
        model.fit(copy(x_train), copy(y_train))
    else:
        model.fit(copy(x_train))
    out = {
        "test": as_json(model.predict(copy(x_test)), numpy),
        "train": as_json(model.predict(copy(x_train)), numpy),
    }
    if job.get("probabilities") and callable(getattr(model, "predict_proba", None)):
        try:
            out["test_proba"] = as_json(model.predict_proba(copy(x_test)), numpy)
            out["train_proba"] = as_json(model.predict_proba(copy(x_train)), numpy)
        except Exception as e:
            if job.get("probabilities_scored"):
                raise
            # Not scored: the service notes the failure and grades the labels.
            traceback.print_exc()
            out.pop("test_proba", None)
            out["proba_error"] = f"{type(e).__name__}: {e}"[:300]
    cv_score = getattr(model, "cv_score_", None)
    if cv_score is not None:
        try:
            out["cv_score"] = json_value(float(cv_score))
        except (TypeError, ValueError):
            out["cv_score"] = repr(cv_score)
    sys.stdout.flush()
    json.dump(out, result)
    result.flush()


if __name__ == "__main__":
    main()
