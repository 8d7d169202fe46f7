"""Baseline: always pull the first arm. Its regret is whatever the first arm's gap happens to be."""


class Policy:
    def __init__(self, n_arms, horizon, seed):
        pass

    def update(self, arms, rewards):
        pass

    def select(self, n):
        return [0] * n
