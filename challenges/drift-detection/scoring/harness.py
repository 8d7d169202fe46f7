"""Runs in the sandbox and feeds each stream to the candidate's detector one batch at a time.

The detector runs in a child process that sees only the batches already sent:
this process reads inputs/streams.json, deletes the file, makes itself
non-dumpable (so the child, the same user, can neither trace it nor read its
memory) and then, for every stream,

    sends  {"new": n_features}                  -> the child builds Detector(n_features)
    sends  {"batch": [[row], ...]} per batch    -> the child answers 1 (change signalled) or 0

waiting for each answer before sending the next batch. A detector cannot look
ahead: the future batches exist only in this process. It writes one JSON
document to the result channel (the original stdout):

    {"streams": [{"id": "s01", "signals": [87, 120]}, ...]}

with the indices of the batches at which the detector signalled. Nothing is
judged here: score.py, in a separate sandbox, compares the signals with the
hidden change points.

The candidate's prints go to stderr (the log). An exception raised by the
candidate's code ends the run with a non-zero exit code and its traceback in
the log.
"""
import os, sys

_out = os.fdopen(os.dup(1), "w")  # the result channel
os.dup2(2, 1)                     # prints -> log
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)

import ctypes
import json
import subprocess

# The child: imports solution.py and answers one line per message. Its own stdout is the protocol pipe,
# so the candidate's prints are pointed at stderr first.
CHILD = r"""
import os, sys
proto_out = os.fdopen(os.dup(1), "w", buffering=1)
proto_in = sys.stdin
os.dup2(2, 1)
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
sys.stdin = open(os.devnull)
import json, random, traceback
seed = int(os.environ.get("PYTHONHASHSEED", "0"))
random.seed(seed)
import numpy
numpy.random.seed(seed % (1 << 32))
try:
    import solution
except Exception:
    traceback.print_exc()
    print("mlgrade: solution.py could not be imported", file=sys.stderr)
    sys.exit(1)
if not callable(getattr(solution, "Detector", None)):
    print("mlgrade: solution.py must define a class named Detector", file=sys.stderr)
    sys.exit(1)
detector = None
for line in proto_in:
    message = json.loads(line)
    try:
        if "new" in message:
            detector = solution.Detector(int(message["new"]))
            proto_out.write("ok\n")
        else:
            signal = detector.update(numpy.array(message["batch"], dtype=float))
            proto_out.write("1\n" if bool(signal) else "0\n")
    except Exception:
        traceback.print_exc()
        print(f"mlgrade: Detector raised on {message.get('where', 'a new stream')}", file=sys.stderr)
        sys.exit(1)
"""


def make_non_dumpable():
    PR_SET_DUMPABLE = 4
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def fail(child, why):
    child.kill()
    child.wait()
    print(f"mlgrade: {why}", file=sys.stderr)
    sys.exit(1)


def ask(child, message):
    child.stdin.write(json.dumps(message, separators=(",", ":")) + "\n")
    child.stdin.flush()
    answer = child.stdout.readline()
    if not answer:
        code = child.wait()
        print(f"mlgrade: the detector's process ended (exit code {code})", file=sys.stderr)
        sys.exit(1)
    return answer.strip()


def main():
    path = os.path.join("inputs", "streams.json")
    with open(path) as f:
        streams = json.load(f)
    os.remove(path)
    make_non_dumpable()
    child = subprocess.Popen(
        [sys.executable, "-s", "-B", "-c", CHILD],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=2, text=True, bufsize=1,
    )
    report = []
    try:
        for s in streams:
            if ask(child, {"new": s["n_features"]}) != "ok":
                fail(child, f"the detector did not start on stream {s['id']}")
            signals = []
            for i, batch in enumerate(s["batches"]):
                answer = ask(child, {"batch": batch, "where": f"stream {s['id']}, batch {i}"})
                if answer not in ("0", "1"):
                    fail(child, f"unexpected answer from the detector's process: {answer[:80]!r}")
                if answer == "1":
                    signals.append(i)
            report.append({"id": s["id"], "signals": signals})
    except BrokenPipeError:
        code = child.wait()
        print(f"mlgrade: the detector's process ended (exit code {code})", file=sys.stderr)
        sys.exit(1)
    child.stdin.close()
    child.wait()
    sys.stdout.flush()
    json.dump({"streams": report}, _out, separators=(",", ":"))
    _out.flush()


if __name__ == "__main__":
    main()
