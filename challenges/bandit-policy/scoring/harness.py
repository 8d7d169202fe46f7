"""Runs in the sandbox next to the candidate's solution.py and asks its policy for the next batch of pulls.

The game is played in rounds, one sandbox run per round. This sandbox holds
no reward that has not been earned: inputs/environments.json says what each
environment looks like (arms, horizon, batch sizes, a seed), and from the
second round on feedback.json holds what the trusted scoring program revealed
so far: for every environment, each past batch's arms and the rewards they
returned. For every environment this harness

    policy = Policy(n_arms, horizon, seed)
    for each past batch:  policy.select(len(batch)); policy.update(batch arms, batch rewards)
    arms = policy.select(size of this round's batch)

replaying the policy from its start (a policy is deterministic given its seed
and what it observed; when a replayed choice differs from the recorded one,
the recorded pulls are what happened and the log says so), and writes one JSON
document to the result channel (the original stdout):

    {"round": 2, "pulls": {"e01": [3, 0, 3, ...], ...}}

The scoring program, in its own sandbox, checks the pulls and reveals their
rewards for the next round. The candidate's prints go to stderr (the log); an
exception in the policy, or a batch that is not n arm indices, ends the run
with a non-zero exit code and the reason in the log.
"""
import os, sys

_out = os.fdopen(os.dup(1), "w")  # the result channel
os.dup2(2, 1)                     # candidate prints -> log
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)

import json
import random
import traceback

import numpy


def arms_of(value, n, n_arms, where):
    """The policy's answer as a list of n ints in 0..n_arms-1; exits with the reason otherwise."""
    try:
        arr = numpy.asarray(value)
        ok = arr.shape == (n,) and (arr.size == 0 or arr.dtype.kind in "iu")
    except Exception:
        ok = False
    if not ok:
        print(f"mlgrade: {where}: select({n}) must return {n} integer arm indices, got {str(value)[:200]}", file=sys.stderr)
        sys.exit(1)
    arms = [int(a) for a in arr.tolist()]
    if any(not 0 <= a < n_arms for a in arms):
        print(f"mlgrade: {where}: arm indices must be in 0..{n_arms - 1}", file=sys.stderr)
        sys.exit(1)
    return arms


def call(where, fn, *args):
    try:
        return fn(*args)
    except Exception:
        traceback.print_exc()
        print(f"mlgrade: the policy raised in {where}", file=sys.stderr)
        sys.exit(1)


def play(solution, env, history, round_index):
    # The same global random state at the start of every environment, in every round, so a policy
    # that uses numpy's or Python's global generator replays its own past exactly.
    random.seed(env["seed"])
    numpy.random.seed(env["seed"] % (1 << 32))
    eid, k = env["id"], int(env["n_arms"])
    policy = call(f"{eid}: Policy(...)", solution.Policy, k, int(env["horizon"]), int(env["seed"]))
    differed = 0
    for b, batch in enumerate(history):
        where = f"{eid}, replaying round {b + 1}"
        replayed = arms_of(call(where, policy.select, len(batch["arms"])), len(batch["arms"]), k, where)
        differed += replayed != batch["arms"]
        call(where, policy.update, list(batch["arms"]), list(batch["rewards"]))
    if differed:
        print(f"mlgrade: {eid}: on replay the policy chose other arms than it had in {differed} earlier round(s); "
              "the recorded pulls stand. Seed every random choice from the `seed` argument.", file=sys.stderr)
    n = int(env["batches"][round_index])
    where = f"{eid}, round {round_index + 1}"
    return arms_of(call(where, policy.select, n), n, k, where)


def main():
    with open(os.path.join("inputs", "environments.json")) as f:
        envs = json.load(f)
    feedback = {"round": 0, "history": {}}
    if os.path.exists("feedback.json"):
        with open("feedback.json") as f:
            feedback = json.load(f)
    try:
        import solution
    except Exception:
        traceback.print_exc()
        print("mlgrade: solution.py could not be imported", file=sys.stderr)
        sys.exit(1)
    if not callable(getattr(solution, "Policy", None)):
        print("mlgrade: solution.py must define a class named Policy", file=sys.stderr)
        sys.exit(1)
    round_index = int(feedback["round"])
    pulls = {env["id"]: play(solution, env, feedback["history"].get(env["id"], []), round_index) for env in envs}
    sys.stdout.flush()
    json.dump({"round": round_index + 1, "pulls": pulls}, _out, separators=(",", ":"))
    _out.flush()


if __name__ == "__main__":
    main()
