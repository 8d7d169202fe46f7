"""Baseline: keep the first k columns as they are (no rotation at all)."""

import numpy as np


class PCA:
    def __init__(self, n_components):
        self.n_components = int(n_components)

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        k, d = self.n_components, X.shape[1]
        self.mean_ = X.mean(axis=0)
        self.components_ = np.eye(d)[:k]
        variances = X.var(axis=0, ddof=1)
        self.explained_variance_ = variances[:k]
        self.explained_variance_ratio_ = variances[:k] / variances.sum()
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=np.float64) @ self.components_ + self.mean_
