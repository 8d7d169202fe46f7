"""Reference: PCA through the SVD of the centred data.

Centring first (and subtracting the mean in float64) keeps the digits a
covariance computed as E[x^2] - E[x]^2 would lose around a large offset. The
right singular vectors of the centred matrix are the principal directions;
squared singular values over n - 1 are the variances. The SVD never forms
X^T X, so it works as well for wide data (d > n) as for tall.
"""

import numpy as np


class PCA:
    def __init__(self, n_components):
        self.n_components = int(n_components)

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        n = X.shape[0]
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        variance = s ** 2 / (n - 1)
        total = centred.var(axis=0, ddof=1).sum()
        k = self.n_components
        self.components_ = vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = variance[:k] / total
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=np.float64) @ self.components_ + self.mean_
