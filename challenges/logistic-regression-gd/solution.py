"""Starter for "Logistic regression by gradient descent".

Fill in the methods below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


class Model:
    def __init__(self, learning_rate=0.5, max_iter=3000, **params):
        """Store the hyper-parameters.

        The grader calls ``Model(**params)`` with ``learning_rate=0.5`` and
        ``max_iter=3000``. Accept anything else you want to tune locally with
        defaults.
        """
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.params = params

    def fit(self, X, y):
        """Learn from training data.

        X: numpy float64 array of shape (n_samples, 8), features on very
           different scales (standardise them).
        y: numpy integer array of shape (n_samples,), labels 0 or 1.
        Return ``self``.
        """
        # TODO: standardise X, then repeat max_iter times:
        #   p = sigmoid(X @ w + b); w -= lr * X.T @ (p - y) / n; b -= lr * mean(p - y)
        raise NotImplementedError("fit is not written yet")

    def predict_proba(self, X):
        """Return an (n_samples, 2) array: column 0 = P(y=0), column 1 = P(y=1)."""
        # TODO: apply the same standardisation as in fit, then the sigmoid.
        raise NotImplementedError("predict_proba is not written yet")

    def predict(self, X):
        """Return a 1-D array of n_samples labels, 0 or 1."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
