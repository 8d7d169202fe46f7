"""Baseline: put every point in cluster 0 (adjusted Rand index 0)."""

import numpy as np


class Model:
    def __init__(self, **params):
        self.params = params

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)
