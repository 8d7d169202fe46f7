"""Reference solution: a small prediction service on the standard library's HTTP server.

Start-up: read TRAIN_CSV, fit the model, then listen on 127.0.0.1:PORT. Fitting at start keeps the
service self-contained (no model file to ship); it takes well under a second here. Everything the
model needs at request time is fitted once; a request does no more than validate, transform and
predict.

The model: a logistic regression on features that follow how deliveries go wrong (distance, and
distance again for bikes; rain; parcel weight on two wheels; the evening rush; weekends), plus
one-hot vehicles. An unseen vehicle gets all-zero vehicle columns: the service still answers.

Validation happens before any prediction, for the whole request: a request with one bad row is
refused as a whole (400, naming the row and the field), so a client never gets predictions that
silently skipped or guessed a row. NaN and Infinity, which Python's json module would accept, are
refused at parse time. Bodies over 5 MB get 413. Every error body is {"error": {"message": ...}}.

ThreadingHTTPServer serves each connection on its own thread; the fitted model is only read, so
requests need no lock.
"""

import csv
import json
import math
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

NUMERIC = ["distance_km", "items", "weight_kg", "hour", "weekday", "rain_mm"]
VEHICLES = ["bike", "scooter", "van"]
MAX_BODY = 5 << 20


class BadRequest(Exception):
    pass


def design(numeric, vehicle):
    """Feature matrix from an (n, 6) array of the numeric columns and a list of vehicle names."""
    distance, items, weight, hour, weekday, rain = numeric.T
    onehot = np.array([[v == name for name in VEHICLES] for v in vehicle], dtype=float).reshape(len(vehicle), 3)
    bike, two_wheels = onehot[:, 0], onehot[:, 0] + onehot[:, 1]
    return np.column_stack([
        distance, distance * bike, rain, weight * two_wheels, items,
        ((hour >= 17) & (hour <= 19)).astype(float), (weekday >= 5).astype(float), onehot,
    ])


class Model:
    def __init__(self, train_csv):
        with open(train_csv, newline="") as f:
            rows = list(csv.DictReader(f))
        numeric = np.array([[float(r[c]) for c in NUMERIC] for r in rows])
        vehicle = [r["vehicle"] for r in rows]
        y = np.array([int(r["late"]) for r in rows])
        X = design(numeric, vehicle)
        self.scaler = StandardScaler().fit(X)
        self.clf = LogisticRegression(max_iter=2000).fit(self.scaler.transform(X), y)

    def predict(self, rows):
        numeric = np.array([[r[c] for c in NUMERIC] for r in rows], dtype=float).reshape(len(rows), len(NUMERIC))
        X = self.scaler.transform(design(numeric, [r["vehicle"] for r in rows]))
        proba = self.clf.predict_proba(X)[:, 1]
        return [int(p >= 0.5) for p in proba], [round(float(p), 6) for p in proba]


def refuse_constant(name):
    raise BadRequest(f"{name} is not a number JSON allows")


def parse_rows(body):
    """The validated rows of a request body, or BadRequest saying what is wrong and where."""
    try:
        doc = json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text")
    except ValueError as e:
        raise BadRequest(f"the body is not valid JSON: {e}")
    if not isinstance(doc, dict) or "rows" not in doc:
        raise BadRequest('the body must be a JSON object {"rows": [...]}')
    rows = doc["rows"]
    if not isinstance(rows, list):
        raise BadRequest('"rows" must be a list of objects')
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadRequest(f"rows[{i}] must be an object with the feature names as keys")
        for name in NUMERIC:
            if name not in row:
                raise BadRequest(f"rows[{i}] has no {name}")
            v = row[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise BadRequest(f"rows[{i}].{name} must be a finite number, not {json.dumps(v)}")
        if not isinstance(row.get("vehicle"), str):
            raise BadRequest(f"rows[{i}].vehicle must be text")
    return rows


class Handler(BaseHTTPRequestHandler):
    model = None
    protocol_version = "HTTP/1.1"

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.reply(status, {"error": {"message": message}})

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        else:
            self.error(404, f"no route GET {self.path}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self.error(413, f"the body is over {MAX_BODY} bytes")
        body = self.rfile.read(length)
        if self.path != "/predict":
            return self.error(404, f"no route POST {self.path}")
        try:
            rows = parse_rows(body)
        except BadRequest as e:
            return self.error(400, str(e))
        if not rows:
            return self.reply(200, {"predictions": [], "probabilities": []})
        labels, proba = self.model.predict(rows)
        self.reply(200, {"predictions": labels, "probabilities": proba})

    def log_message(self, fmt, *args):
        pass  # one line per request would drown the log


def main():
    Handler.model = Model(os.environ["TRAIN_CSV"])
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    print(f"listening on 127.0.0.1:{server.server_port}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
