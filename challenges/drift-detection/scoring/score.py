"""Scores the signals reported by harness.py. Trusted: runs in its own sandbox, never sees the candidate's code.

Reads ./candidate.json (what the harness printed) and ./references/changes.json
(the hidden change points), prints one JSON object:

    {"metrics": {...}, "score_metric": "detection_score"}

Notes for hiring teams: what each metric means
----------------------------------------------
A change at batch c is *detected* by the first signal in its window
[c, c + 25) (cut short by the next change or the end of the stream). The
detection earns a credit of 1 - delay / 25, where delay = signal - c in
batches: a signal on the very batch of the change earns 1, one 24 batches late
earns 0.04. Every other signal is a false alarm: before any change, outside
every window, or a second signal for a change already detected.

* detection_score  -- the delay-weighted F1 over all streams pooled:
                      2 * (sum of credits) / (signals + changes). Precision and
                      recall with each true positive counted by its credit.
                      Never signalling scores 0; signalling on every batch
                      scores about 0.01.
* recall           -- fraction of changes detected within their window.
* precision        -- fraction of signals that detected a change (0 without signals).
* false_alarms     -- the number of false alarms over all streams.
* mean_delay       -- mean delay of the detected changes, in batches (25 when none is detected).

Only detection_score is in [0, 1] and gives the score (0 -> 0, 1 -> 100).
This program never crashes on candidate output: a missing or malformed stream
counts as a stream without signals.
"""
import json
import math
import sys

WINDOW = 25


def signals_of(entry, n_batches):
    """The sorted, distinct, in-range batch indices of one stream's signals."""
    raw = entry.get("signals") if isinstance(entry, dict) else None
    if not isinstance(raw, list):
        return []
    return sorted({i for i in raw if type(i) is int and 0 <= i < n_batches})


def match(changes, signals, n_batches):
    """(credits, delays) of the detected changes and the number of false alarms."""
    credits, delays, used = [], [], set()
    for j, c in enumerate(changes):
        end = min([c + WINDOW, n_batches] + [later for later in changes[j + 1:]])
        hit = next((s for s in signals if c <= s < end), None)
        if hit is not None:
            used.add(hit)
            delays.append(hit - c)
            credits.append(1.0 - (hit - c) / WINDOW)
    return credits, delays, len(signals) - len(used)


def score(candidate, truths):
    reported = {}
    if isinstance(candidate, dict) and isinstance(candidate.get("streams"), list):
        for entry in candidate["streams"]:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                reported.setdefault(entry["id"], entry)
    credits, delays, false_alarms, n_signals, n_changes = [], [], 0, 0, 0
    for truth in truths:
        n = truth["n_batches"]
        signals = signals_of(reported.get(truth["id"]), n)
        c, d, f = match(sorted(truth["changes"]), signals, n)
        credits += c
        delays += d
        false_alarms += f
        n_signals += len(signals)
        n_changes += len(truth["changes"])
    detected = len(delays)
    return {
        "detection_score": 2 * sum(credits) / (n_signals + n_changes) if n_signals + n_changes else 1.0,
        "recall": detected / n_changes if n_changes else 1.0,
        "precision": detected / n_signals if n_signals else 0.0,
        "false_alarms": float(false_alarms),
        "mean_delay": sum(delays) / detected if detected else float(WINDOW),
    }


def main():
    with open("references/changes.json") as f:
        truths = json.load(f)
    try:
        with open("candidate.json") as f:
            candidate = json.load(f)
    except (OSError, ValueError, RecursionError):
        candidate = None
    metrics = score(candidate, truths)
    metrics = {m: (float(v) if math.isfinite(v) else 0.0) for m, v in metrics.items()}
    json.dump({"metrics": metrics, "score_metric": "detection_score"}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
