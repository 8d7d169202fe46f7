"""Starter for "Bandit policy".

Write the class below with numpy only: scikit-learn and scipy are NOT
installed in the grading container.
"""

import numpy as np


class Policy:
    def __init__(self, n_arms, horizon, seed):
        """A fresh policy for one environment: arms 0..n_arms-1, `horizon` pulls in all.

        Take every random choice from `seed` (e.g. np.random.default_rng(seed)):
        the grader replays your policy from the start each round.
        """
        self.n_arms = n_arms
        self.rng = np.random.default_rng(seed)

    def select(self, n):
        """The next batch: a list of n arm indices. No reward arrives until the batch is over."""
        # TODO
        return [int(a) for a in self.rng.integers(0, self.n_arms, size=n)]

    def update(self, arms, rewards):
        """The batch's results: arms[i] was pulled and returned rewards[i] (a float)."""
        # TODO
        pass
