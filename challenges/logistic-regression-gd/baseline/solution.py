"""Baseline: give every row the training class frequencies as its probabilities (log loss ~0.67)."""

import numpy as np


class Model:
    def __init__(self, **params):
        self.params = params

    def fit(self, X, y):
        self.classes_, counts = np.unique(np.asarray(y), return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(X), 1))

    def predict(self, X):
        return np.full(len(X), self.classes_[np.argmax(self.prior_)])
