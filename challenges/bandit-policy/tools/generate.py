#!/usr/bin/env python3
"""Generate the environments of "Bandit policy".

    python3 generate.py --seed SEED --out DIR

writes two files into DIR:

  environments.json  what the candidate's policy is told: per environment its
                     id, number of arms, horizon, the batch sizes of the six
                     rounds, a seed for the policy and a note on its kind.
  tapes.json         what only the trusted scoring program reads: the true
                     mean reward of every arm and its reward tape, the rewards
                     its 1st, 2nd, 3rd ... pull returns.

The n-th pull of an arm returns the n-th value of that arm's tape, whenever it
happens: the rewards a policy sees depend only on how often it pulled each
arm, so the same choices always meet the same rewards. Regret is measured
against the true means. Every seed gives the same eight kinds of environment,
twice each, in the same order (e01-e08, then e09-e16 again), with other means,
noise and arm order:

  1  Bernoulli rewards, 5 arms, gaps of 0.05 to 0.3
  2  Bernoulli rewards, 10 arms with close means (gaps of 0.03 to 0.15)
  3  rare successes: Bernoulli rates of 2 to 10 % (click-through rates)
  4  Gaussian rewards, 8 arms, each with its own noise (sd 0.5 to 2)
  5  20 Bernoulli arms, one clearly the best
  6  rewards in dollars: Gaussian, means of 20 to 30, sd 10
  7  two Bernoulli arms 0.08 apart
  8  heavy-tailed rewards: log-normal, 5 arms

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed with
a tag of this challenge). Gaussian and log-normal rewards are rounded to 4
decimals.
"""

import argparse
import json
import os

import numpy as np

TAG = 0x62616e64  # "band"
HORIZON = 2000
BATCHES = [40, 80, 160, 320, 560, 840]   # one per round; they add up to HORIZON


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    envs, tapes = [], []

    def add(note, means, draw):
        """draw(arm, size) -> rewards of that arm; arms are shuffled so the best is anywhere."""
        order = rng.permutation(len(means))
        means = [float(means[i]) for i in order]
        tape = [[float(v) for v in draw(int(i), HORIZON)] for i in order]
        eid = f"e{len(envs) + 1:02d}"
        envs.append({"id": eid, "n_arms": len(means), "horizon": HORIZON, "batches": BATCHES,
                     "seed": int(rng.integers(0, 2**31 - 1)), "note": note})
        tapes.append({"id": eid, "means": means, "tapes": tape})

    def bernoulli(p):
        return lambda arm, size: rng.binomial(1, p[arm], size=size)

    def gaussian(mu, sd):
        return lambda arm, size: np.round(rng.normal(mu[arm], sd[arm], size=size), 4)

    for _ in range(2):
        best = rng.uniform(0.55, 0.65)
        p = np.concatenate([[best], best - rng.uniform(0.05, 0.3, size=4)])
        add("Bernoulli rewards, 5 arms", p, bernoulli(p))

        best = rng.uniform(0.45, 0.55)
        p = np.concatenate([[best], best - rng.uniform(0.03, 0.15, size=9)])
        add("Bernoulli rewards, 10 arms with close means", p, bernoulli(p))

        p = rng.uniform(0.02, 0.10, size=6)
        add("rare successes: rates of 2 to 10 %", p, bernoulli(p))

        mu, sd = rng.normal(0.0, 0.5, size=8), rng.uniform(0.5, 2.0, size=8)
        add("Gaussian rewards, 8 arms, each with its own noise", mu, gaussian(mu, sd))

        p = np.concatenate([[rng.uniform(0.65, 0.75)], rng.uniform(0.2, 0.5, size=19)])
        add("20 Bernoulli arms, one clearly the best", p, bernoulli(p))

        mu = rng.uniform(20.0, 30.0, size=6)
        add("rewards in dollars: means of 20 to 30, sd 10", mu, gaussian(mu, np.full(6, 10.0)))

        mid = rng.uniform(0.4, 0.6)
        p = np.array([mid + 0.04, mid - 0.04])
        add("two Bernoulli arms 0.08 apart", p, bernoulli(p))

        m = rng.uniform(0.0, 0.6, size=5)
        add("heavy-tailed rewards: log-normal, 5 arms", np.exp(m + 0.5),
            lambda arm, size: np.round(np.exp(rng.normal(m[arm], 1.0, size=size)), 4))
    return envs, tapes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    envs, tapes = make(args.seed)
    for name, doc in (("environments.json", envs), ("tapes.json", tapes)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
