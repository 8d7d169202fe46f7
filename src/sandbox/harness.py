"""Runs in the sandbox next to the candidate's code: trains their Model and reports predictions.

The service grades nothing here. This file only turns the candidate's Model into predictions on the
training rows and the (unlabelled) test rows; every metric is computed outside the container.

Data: numpy input arrives as .npy arrays (features as float64 matrices, training labels as their
text), read without parsing any text; pandas input arrives as CSV files for pandas' own reader.

Channels: the candidate's prints go to stderr, which the service keeps as the log. stdout is kept for
the result this harness writes after the candidate's code has returned: one JSON line, then the .npy
arrays it names. Numeric predictions travel as those arrays; anything else stays JSON, as returned.
"""
import io
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
    return os.fdopen(result_fd, "wb")


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


def packed(values, numpy, arrays):
    """A 1-D or 2-D array of numbers or booleans as a .npy array in the result's tail (float64, int64
    or bool, the types the JSON route gave), named by its place; any other value as JSON."""
    try:
        arr = numpy.asarray(values)
    except Exception:
        return repr(values)[:200]
    kind = arr.dtype.kind
    fits = kind in "bif" or (kind == "u" and (arr.size == 0 or int(arr.max()) < 2**63))
    if arr.ndim not in (1, 2) or not fits:
        return as_json(values, numpy)
    target = {"b": numpy.bool_, "i": "<i8", "u": "<i8", "f": "<f8"}[kind]
    buffer = io.BytesIO()
    numpy.save(buffer, numpy.ascontiguousarray(arr, dtype=target), allow_pickle=False)
    arrays.append(buffer.getvalue())
    return {"npy": len(arrays) - 1}


def load_numpy(numpy, supervised):
    """Float64 feature matrices as the service wrote them; labels parsed from their text as before."""
    def load(name):
        return numpy.load(name, allow_pickle=False)

    y_train = numpy.array(parse_labels(load("y_train.npy").tolist())) if supervised else None
    return load("x_train.npy"), y_train, load("x_test.npy")


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
    arrays = []
    out = {
        "test": packed(model.predict(copy(x_test)), numpy, arrays),
        "train": packed(model.predict(copy(x_train)), numpy, arrays),
    }
    if job.get("probabilities") and callable(getattr(model, "predict_proba", None)):
        try:
            out["test_proba"] = packed(model.predict_proba(copy(x_test)), numpy, arrays)
            out["train_proba"] = packed(model.predict_proba(copy(x_train)), numpy, arrays)
        except Exception as e:
            if job.get("probabilities_scored"):
                raise
            # Not scored: the service notes the failure and grades the labels.
            traceback.print_exc()
            out.pop("test_proba", None)
            out.pop("train_proba", None)
            out["proba_error"] = f"{type(e).__name__}: {e}"[:300]
    cv_score = getattr(model, "cv_score_", None)
    if cv_score is not None:
        try:
            out["cv_score"] = json_value(float(cv_score))
        except (TypeError, ValueError):
            out["cv_score"] = repr(cv_score)
    # Only arrays still named are sent (a failed predict_proba may leave one behind), in order.
    named = []
    for v in out.values():
        if isinstance(v, dict):
            named.append(arrays[v["npy"]])
            v["npy"] = len(named) - 1
    out["npy_lengths"] = [len(a) for a in named]
    sys.stdout.flush()
    result.write(json.dumps(out).encode() + b"\n")
    for a in named:
        result.write(a)
    result.flush()


if __name__ == "__main__":
    main()
