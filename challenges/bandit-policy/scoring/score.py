"""The trusted side of "Bandit policy": reveals the rewards of the candidate's pulls, round by round, and
scores the regret at the end. Runs in its own sandbox and never sees the candidate's code.

Each round it reads ./candidate.json (the pulls the policy chose for this
round), ./references/environments.json and ./references/tapes.json (the true
means and reward tapes), and from the second round on ./state.json (what it
handed the service last round; it never passes through the candidate's
sandbox). Before the last round it prints

    {"next": {"feedback": {"round": r, "history": {...}}, "state": {...}}}

where the history holds, per environment, each past batch's arms and the
rewards they returned: only rewards the policy has earned. After the last
round it prints {"metrics": {...}, "score_metric": "regret_score"}.

Notes for hiring teams: what each metric means
----------------------------------------------
The pseudo-regret of an environment is the sum over all 2,000 pulls of
(best arm's mean - pulled arm's mean): what the policy's choices cost in
expectation, free of the luck of the draws. It is compared with the regret
of pulling arms uniformly at random, horizon * (best mean - average mean):

* regret_eNN      -- that ratio for environment NN: 0 is perfect, 1 is no
                     better than random (above 1 is worse than random).
* regret_score    -- 1 - the mean of the eight ratios: the share of the
                     random policy's regret the policy avoids. It gives the
                     score (see the manifest for the scale).
* invalid_pulls   -- pulls in candidate.json that were not valid arm indices,
                     or batches of the wrong size (the harness refuses them,
                     so only a tampered output has any). Each counts as a pull
                     of the worst arm.

This program never crashes on candidate output.
"""
import json
import math
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def valid_batch(pulls, n, n_arms):
    return (isinstance(pulls, list) and len(pulls) == n
            and all(type(a) is int and 0 <= a < n_arms for a in pulls))


def main():
    envs = load("references/environments.json")
    tapes = {t["id"]: t for t in load("references/tapes.json")}
    state = load("state.json") if os.path.exists("state.json") else {"round": 0, "history": {}, "invalid": 0}
    try:
        candidate = load("candidate.json")
    except (OSError, ValueError, RecursionError):
        candidate = None
    pulls = candidate.get("pulls") if isinstance(candidate, dict) else None
    pulls = pulls if isinstance(pulls, dict) else {}
    r = state["round"]
    history = state["history"]
    invalid = state["invalid"]
    for env in envs:
        eid, k, n = env["id"], env["n_arms"], env["batches"][r]
        means, tape = tapes[eid]["means"], tapes[eid]["tapes"]
        arms = pulls.get(eid)
        if not valid_batch(arms, n, k):
            invalid += n
            worst = min(range(k), key=lambda a: means[a])
            arms = [worst] * n
        past = history.setdefault(eid, [])
        counts = [0] * k
        for batch in past:
            for a in batch["arms"]:
                counts[a] += 1
        rewards = []
        for a in arms:
            rewards.append(tape[a][counts[a]])
            counts[a] += 1
        past.append({"arms": arms, "rewards": rewards})
    r += 1
    if r < len(envs[0]["batches"]):
        json.dump({"next": {"feedback": {"round": r, "history": history},
                            "state": {"round": r, "history": history, "invalid": invalid}}},
                  sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
        return
    metrics = {}
    ratios = []
    for env in envs:
        means = tapes[env["id"]]["means"]
        best = max(means)
        regret = sum(best - means[a] for batch in history[env["id"]] for a in batch["arms"])
        random_regret = env["horizon"] * (best - sum(means) / len(means))
        ratio = regret / random_regret if random_regret > 0 else 0.0
        metrics[f"regret_{env['id']}"] = ratio
        ratios.append(ratio)
    metrics["regret_score"] = 1.0 - sum(ratios) / len(ratios)
    metrics["invalid_pulls"] = float(invalid)
    metrics = {m: (float(v) if math.isfinite(v) else 0.0) for m, v in metrics.items()}
    json.dump({"metrics": metrics, "score_metric": "regret_score"}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
