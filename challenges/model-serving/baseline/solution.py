"""Baseline: a service that answers, but serves no model and checks nothing.

GET /health says ok; POST /predict answers the training rows' majority class for every row it is
sent. The body goes straight into json.loads and ["rows"]: malformed input raises inside the
handler, and the client gets no answer at all.
"""

import csv
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    majority = 0

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, {"status": "ok"})

    def do_POST(self):
        rows = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["rows"]
        self.reply(200, {"predictions": [self.majority] * len(rows)})


def main():
    with open(os.environ["TRAIN_CSV"], newline="") as f:
        labels = [int(r["late"]) for r in csv.DictReader(f)]
    Handler.majority = int(sum(labels) * 2 > len(labels))
    HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()


if __name__ == "__main__":
    main()
