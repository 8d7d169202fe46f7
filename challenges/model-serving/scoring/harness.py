"""Runs in the sandbox next to the candidate's solution.py: starts it as an HTTP service and probes it.

The candidate's service is started as

    python3 solution.py        with PORT=<a free port> and TRAIN_CSV=<path of the training rows>

and must listen on 127.0.0.1:PORT (the sandbox has no network, only loopback). The harness then

  1. waits up to STARTUP_SECONDS for GET /health to answer 200;
  2. sends the first SINGLE_ROWS request rows one at a time (POST /predict, one row per request),
     timing each request on its own clock: the latency figures;
  3. sends every request row again in batches of BATCH_ROWS, and once all of them in one request;
  4. sends the bad and awkward requests of BAD_REQUESTS and records the status and whether the
     body was a JSON object with an "error" key;
  5. checks the service still answers GET /health and the first row again.

Each request waits at most REQUEST_TIMEOUT seconds, and all of them together PROBE_SECONDS: requests
past that budget are not sent and count as unanswered.

It writes one JSON document to the result channel (the original stdout). Nothing is judged here:
the labels of the request rows are not in this sandbox; scoring/score.py, in a separate sandbox
without the candidate's code, compares the answers with them. The candidate's prints, and anything
the service writes, go to the log.
"""
import os, sys

_out = os.fdopen(os.dup(1), "w")  # the result channel
os.dup2(2, 1)                     # candidate prints -> log
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)

import http.client
import json
import socket
import subprocess
import time

STARTUP_SECONDS = 30.0
REQUEST_TIMEOUT = 5.0
# Wall-clock budget for all the probes after start-up, well inside the sandbox's own deadline: a
# service that hangs gets its remaining requests recorded as unanswered instead of a time-out verdict.
PROBE_SECONDS = 90.0
SINGLE_ROWS = 150
BATCH_ROWS = 100
MAX_BODY = 1 << 20


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port, deadline=None):
        self.port = port
        self.deadline = deadline
        self.skipped = 0

    def call(self, method, path, body=None, content_type="application/json"):
        """(status, parsed JSON body or None, seconds); status None when no HTTP answer came back."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.skipped += 1
            return None, None, 0.0
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Content-Type": content_type} if body is not None else {}
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read(MAX_BODY)
            seconds = time.perf_counter() - start
            try:
                parsed = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                parsed = None
            return resp.status, parsed, seconds
        except (OSError, http.client.HTTPException) as e:
            print(f"mlgrade: {method} {path} got no answer: {type(e).__name__}: {e}", file=sys.stderr)
            return None, None, time.perf_counter() - start
        finally:
            conn.close()


def predictions_of(status, body, expected):
    """The list of predictions an answer carries, or None when it is not a 200 with `expected` of them."""
    if status != 200 or not isinstance(body, dict):
        return None
    preds = body.get("predictions")
    if not isinstance(preds, list) or len(preds) != expected:
        return None
    return [p if isinstance(p, (int, float, str, bool)) or p is None else repr(p)[:40] for p in preds]


def encode(obj):
    return json.dumps(obj).encode()


def bad_requests(rows):
    """(name, method, path, body, what a correct service answers): 'error' = a 4xx with a JSON error,
    'ok' = 200 with one prediction per row, 'not_found' = 404."""
    good = dict(rows[0])
    missing = dict(good)
    del missing["rain_mm"]
    wrong_type = dict(good, distance_km="far")
    null_value = dict(good, hour=None)
    unseen = dict(good, vehicle="drone")
    extra = dict(good, note="fragile")
    nan_body = encode({"rows": [good]}).replace(str(good["distance_km"]).encode(), b"NaN", 1)
    inf_body = encode({"rows": [good]}).replace(str(good["weight_kg"]).encode(), b"Infinity", 1)
    return [
        ("malformed_json", "POST", "/predict", b'{"rows": [{"distance_km": 1.5,', "error"),
        ("not_json", "POST", "/predict", b"distance_km=1.5&items=2", "error"),
        ("not_an_object", "POST", "/predict", encode([good]), "error"),
        ("no_rows_key", "POST", "/predict", encode({"data": [good]}), "error"),
        ("rows_not_a_list", "POST", "/predict", encode({"rows": good}), "error"),
        ("row_not_an_object", "POST", "/predict", encode({"rows": [[1, 2, 3]]}), "error"),
        ("missing_feature", "POST", "/predict", encode({"rows": [missing]}), "error"),
        ("text_for_a_number", "POST", "/predict", encode({"rows": [wrong_type]}), "error"),
        ("null_for_a_number", "POST", "/predict", encode({"rows": [null_value]}), "error"),
        ("nan_value", "POST", "/predict", nan_body, "error"),
        ("infinite_value", "POST", "/predict", inf_body, "error"),
        ("one_bad_row_in_a_batch", "POST", "/predict", encode({"rows": [good, wrong_type, good]}), "error"),
        ("empty_body", "POST", "/predict", b"", "error"),
        ("unseen_vehicle", "POST", "/predict", encode({"rows": [unseen]}), "ok:1"),
        ("extra_field", "POST", "/predict", encode({"rows": [extra]}), "ok:1"),
        ("empty_batch", "POST", "/predict", encode({"rows": []}), "ok:0"),
        ("unknown_path", "GET", "/no-such-path", None, "not_found"),
    ]


def probe(client, rows, report):
    status, body, _ = client.call("GET", "/health")
    report["health"] = {"status": status, "json": isinstance(body, dict)}

    single = []
    for row in rows[:SINGLE_ROWS]:
        status, body, seconds = client.call("POST", "/predict", encode({"rows": [row]}))
        preds = predictions_of(status, body, 1)
        single.append({"status": status, "prediction": preds[0] if preds else None, "ms": round(seconds * 1000, 3)})
    report["single"] = single

    batches = []
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = rows[start:start + BATCH_ROWS]
        status, body, seconds = client.call("POST", "/predict", encode({"rows": chunk}))
        batches.append({"start": start, "rows": len(chunk), "status": status,
                        "predictions": predictions_of(status, body, len(chunk)), "ms": round(seconds * 1000, 3)})
    report["batches"] = batches
    status, body, seconds = client.call("POST", "/predict", encode({"rows": rows}))
    report["all_at_once"] = {"rows": len(rows), "status": status,
                             "predictions": predictions_of(status, body, len(rows)), "ms": round(seconds * 1000, 3)}

    bad = []
    for name, method, path, payload, expect in bad_requests(rows):
        status, body, _ = client.call(method, path, payload)
        answer = {"name": name, "expect": expect, "status": status,
                  "json_error": isinstance(body, dict) and "error" in body}
        if expect.startswith("ok:"):
            answer["predictions"] = predictions_of(status, body, int(expect[3:]))
        bad.append(answer)
    report["bad_requests"] = bad

    status, _, _ = client.call("GET", "/health")
    again = client.call("POST", "/predict", encode({"rows": [rows[0]]}))
    preds = predictions_of(again[0], again[1], 1)
    report["after"] = {"health": status, "prediction": preds[0] if preds else None}


def main():
    with open(os.path.join("inputs", "requests.json")) as f:
        rows = json.load(f)["rows"]
    port = free_port()
    env = dict(os.environ, PORT=str(port), TRAIN_CSV=os.path.abspath(os.path.join("inputs", "train.csv")))
    report = {"started": False, "rows": len(rows)}
    server = subprocess.Popen([sys.executable, "-u", "solution.py"], stdin=subprocess.DEVNULL,
                              stdout=2, stderr=2, env=env)
    try:
        began = time.monotonic()
        while time.monotonic() - began < STARTUP_SECONDS:
            if server.poll() is not None:
                print(f"mlgrade: solution.py exited with code {server.returncode} before answering GET /health", file=sys.stderr)
                break
            status, _, _ = Client(port).call("GET", "/health") if _listening(port) else (None, None, 0)
            if status == 200:
                report["started"] = True
                break
            time.sleep(0.1)
        report["startup_seconds"] = round(time.monotonic() - began, 3)
        if report["started"]:
            client = Client(port, deadline=time.monotonic() + PROBE_SECONDS)
            probe(client, rows, report)
            report["skipped_requests"] = client.skipped
            if client.skipped:
                print(f"mlgrade: the probes passed their {PROBE_SECONDS:g} s budget; {client.skipped} requests were not sent",
                      file=sys.stderr)
        else:
            print(f"mlgrade: nothing answered 200 on GET http://127.0.0.1:{port}/health within {STARTUP_SECONDS:g} s",
                  file=sys.stderr)
    finally:
        server.kill()
        server.wait()
    sys.stdout.flush()
    json.dump(report, _out, separators=(",", ":"))
    _out.flush()


def _listening(port):
    """Whether something accepts connections on the port yet (saves logging a refused request per poll)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
