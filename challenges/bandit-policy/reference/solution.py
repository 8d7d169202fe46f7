"""Reference: batched Thompson sampling that adapts to the kind of reward it sees.

Each arm's mean gets a posterior: Beta(1 + successes, 1 + failures) while
every reward seen is 0 or 1, otherwise a normal around the arm's sample mean
with its standard error (the arm's own sample variance, shrunk towards the
variance pooled over all arms while the arm has few pulls). Rewards may be in
any unit: nothing assumes they lie in [0, 1].

A batch of n pulls is chosen without feedback inside it, so each pull takes
its own posterior draw: the batch is split between the arms roughly in
proportion to the chance that each is the best, which explores while the
posteriors overlap and exploits once they do not. Every arm is pulled twice
before any draw, so a variance exists for each.
"""

import numpy as np

FIRST_PULLS = 2


class Policy:
    def __init__(self, n_arms, horizon, seed):
        self.k = int(n_arms)
        self.rng = np.random.default_rng(seed)
        self.n = np.zeros(self.k)
        self.total = np.zeros(self.k)
        self.squares = np.zeros(self.k)
        self.binary = True

    def update(self, arms, rewards):
        arms = np.asarray(arms, dtype=int)
        rewards = np.asarray(rewards, dtype=float)
        self.binary = self.binary and bool(np.all((rewards == 0) | (rewards == 1)))
        np.add.at(self.n, arms, 1)
        np.add.at(self.total, arms, rewards)
        np.add.at(self.squares, arms, rewards ** 2)

    def _draws(self, size):
        """size posterior draws of every arm's mean, as a (size, k) array."""
        if self.binary:
            return self.rng.beta(1 + self.total, 1 + self.n - self.total, size=(size, self.k))
        n = np.maximum(self.n, 1)
        mean = self.total / n
        var = np.maximum(self.squares / n - mean ** 2, 0) * n / np.maximum(n - 1, 1)
        pooled = np.sum(var * (n - 1)) / max(np.sum(n - 1), 1)
        shrunk = (var * (n - 1) + pooled * 3) / (n - 1 + 3)   # three pseudo-observations of the pooled variance
        return self.rng.normal(mean, np.sqrt(shrunk / n), size=(size, self.k))

    def select(self, n):
        choice = []
        short = np.maximum(FIRST_PULLS - self.n, 0).astype(int)
        for arm in range(self.k):
            choice += [arm] * int(short[arm])
        choice = choice[:n]
        rest = n - len(choice)
        if rest > 0:
            if np.any(self.n == 0):
                choice += list(self.rng.integers(0, self.k, size=rest))
            else:
                choice += list(np.argmax(self._draws(rest), axis=1))
        return [int(a) for a in choice]
