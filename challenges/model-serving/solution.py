"""Starter for "Model serving".

The grader runs this file as a program:  python3 solution.py
with two environment variables:

    PORT       the port to listen on, on 127.0.0.1 (the sandbox has no other network)
    TRAIN_CSV  the path of the training rows (the columns of the statement, label `late`)

Fit your model at start, then serve until the grader stops the process:

    GET  /health   -> 200 {"status": "ok"} once the model is ready
    POST /predict  {"rows": [{"distance_km": 3.2, "items": 2, ...}, ...]}
                   -> 200 {"predictions": [0, 1, ...]}   one 0/1 label per row, in order
    bad input      -> 400 {"error": {"message": "..."}}  (see the statement for what counts)
    unknown path   -> 404

Python 3.11 with the standard library (http.server, wsgiref, json, csv) and numpy 1.24,
pandas 1.5, scipy 1.10 and scikit-learn 1.2. No other packages.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        # TODO: /health, and 404 for anything else
        raise NotImplementedError

    def do_POST(self):
        # TODO: validate the body, predict, answer JSON
        raise NotImplementedError


def main():
    # TODO: read os.environ["TRAIN_CSV"] and fit a model
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
