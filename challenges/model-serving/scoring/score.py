"""Scores what harness.py recorded of the candidate's service. Trusted: runs in its own sandbox, never
sees the candidate's code.

Reads ./candidate.json (what the harness printed) and ./references/truth.json (the labels of the
request rows), prints one JSON object on stdout:

    {"metrics": {...}, "score_metric": "serving_quality"}

Notes for hiring teams: what each metric means
----------------------------------------------
* model_quality    -- accuracy of the batched answers on the hidden rows, as a share of the way
                      from always answering the majority class (0) to QUALITY_MARGIN above it (1).
                      A plain logistic regression on the raw columns gets 0.91-1 (seeds 1-12: 0.073
                      to 0.13 above the majority share), the reference 1; this is a serving
                      challenge, so a model that merely works gets (nearly) full marks. `accuracy` and
                      `majority_share` are reported beside it.
* consistency      -- share of the rows sent both alone and in batches whose answers agree in all
                      three: batching must not change a row's prediction (row order mix-ups,
                      statistics computed over the batch, ...).
* batch_handling   -- share of the batch requests (batches of 100, and all rows at once) answered
                      with 200 and one prediction per row.
* bad_input        -- share of the bad and awkward requests answered as the contract says: 400
                      (any 4xx counts) with a JSON object holding "error" for malformed JSON, wrong
                      shapes, missing or non-numeric features, null, NaN and infinity, one bad row
                      in a batch, an empty body; 200 with predictions for an unseen vehicle, an
                      extra field and an empty batch; 404 for an unknown path.
* survives         -- 1 if, after all of that, the service still answers GET /health with 200 and
                      gives row 0 the same prediction as before.
* latency          -- from the 95th percentile of the single-row requests, timed by the harness in
                      the candidate's sandbox: 1 at P95_FULL_MS or less, 0 at P95_ZERO_MS, linear in
                      between. The sandbox shares a CPU with the harness and the host, so the bounds
                      are wide: only a service that does real work per request (refitting, reading
                      the training file again) loses here. p50_ms and p95_ms are reported as measured
                      and are advisory.

serving_quality, the score metric, is the weighted mean
    0.40 model_quality + 0.15 consistency + 0.10 batch_handling + 0.25 bad_input
    + 0.05 survives + 0.05 latency.
A service that never answers GET /health within the startup time scores 0 everywhere.

A malformed candidate.json fails every check it would have been part of; this program never crashes
on candidate output.
"""
import json
import math
import sys

QUALITY_MARGIN = 0.08
P95_FULL_MS = 100.0
P95_ZERO_MS = 1000.0
WEIGHTS = {"model_quality": 0.40, "consistency": 0.15, "batch_handling": 0.10, "bad_input": 0.25,
           "survives": 0.05, "latency": 0.05}


def label(p):
    """A prediction as 0 or 1, or None when it is neither (bools and text are not labels)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        return None
    return int(p) if p in (0, 1) else None


def as_list(v):
    return v if isinstance(v, list) else []


def as_dict(v):
    return v if isinstance(v, dict) else {}


def clamp(x):
    return min(1.0, max(0.0, x))


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    pos = (len(values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def batched_predictions(report, n):
    """Row -> label from the batches of BATCH_ROWS (None where a batch failed)."""
    out = [None] * n
    for b in as_list(report.get("batches")):
        b = as_dict(b)
        start, preds = b.get("start"), b.get("predictions")
        if type(start) is not int or not isinstance(preds, list):
            continue
        for i, p in enumerate(preds):
            if 0 <= start + i < n:
                out[start + i] = label(p)
    return out


def bad_input_passed(case):
    case = as_dict(case)
    expect, status = case.get("expect"), case.get("status")
    if type(status) is not int:
        return False
    if expect == "error":
        return 400 <= status < 500 and case.get("json_error") is True
    if expect == "not_found":
        return status == 404
    if isinstance(expect, str) and expect.startswith("ok:"):
        preds = case.get("predictions")
        return status == 200 and isinstance(preds, list) and len(preds) == int(expect[3:]) \
            and all(label(p) is not None for p in preds)
    return False


def score(report, truth):
    n = len(truth)
    zero = {m: 0.0 for m in WEIGHTS}
    majority = max(sum(truth), n - sum(truth)) / n
    if not isinstance(report, dict) or report.get("started") is not True:
        return dict(zero, accuracy=0.0, majority_share=majority, started=0.0, serving_quality=0.0)

    batched = batched_predictions(report, n)
    accuracy = sum(1 for p, t in zip(batched, truth) if p == t) / n
    metrics = {"started": 1.0, "accuracy": accuracy, "majority_share": majority,
               "model_quality": clamp((accuracy - majority) / QUALITY_MARGIN)}

    everything = as_dict(report.get("all_at_once")).get("predictions")
    everything = [label(p) for p in everything] if isinstance(everything, list) and len(everything) == n else [None] * n
    single = as_list(report.get("single"))
    agree = 0
    for i, s in enumerate(single[:n]):
        p = label(as_dict(s).get("prediction"))
        agree += p is not None and p == batched[i] == everything[i]
    metrics["consistency"] = agree / len(single) if single else 0.0

    batch_answers = [as_dict(b).get("predictions") for b in as_list(report.get("batches"))]
    batch_answers.append(as_dict(report.get("all_at_once")).get("predictions"))
    expected_batches = math.ceil(n / 100) + 1
    metrics["batch_handling"] = sum(isinstance(p, list) for p in batch_answers) / expected_batches

    cases = as_list(report.get("bad_requests"))
    metrics["bad_input"] = sum(bad_input_passed(c) for c in cases) / max(len(cases), 17)

    after = as_dict(report.get("after"))
    metrics["survives"] = float(after.get("health") == 200 and label(after.get("prediction")) is not None
                                and label(after.get("prediction")) == batched[0])

    times = [as_dict(s).get("ms") for s in single]
    times = [float(t) for t in times if isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t)]
    answered = [t for t, s in zip(times, single) if as_dict(s).get("status") == 200]
    p50, p95 = percentile(answered, 0.5), percentile(answered, 0.95)
    metrics["p50_ms"] = p50 if p50 is not None else P95_ZERO_MS
    metrics["p95_ms"] = p95 if p95 is not None else P95_ZERO_MS
    metrics["latency"] = clamp((P95_ZERO_MS - metrics["p95_ms"]) / (P95_ZERO_MS - P95_FULL_MS)) if answered else 0.0

    metrics["serving_quality"] = sum(w * metrics[m] for m, w in WEIGHTS.items())
    return metrics


def main():
    with open("references/truth.json") as f:
        truth = [int(v) for v in json.load(f)["late"]]
    try:
        with open("candidate.json") as f:
            candidate = json.load(f)
    except (OSError, ValueError, RecursionError):
        candidate = None
    # No catch-all here: malformed candidate output is handled check by check above, so an
    # exception would be a bug in this program and must show as one (blamed on the challenge).
    metrics = score(candidate, truth)
    metrics = {m: (float(v) if math.isfinite(v) else 0.0) for m, v in metrics.items()}
    json.dump({"metrics": metrics, "score_metric": "serving_quality"}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
