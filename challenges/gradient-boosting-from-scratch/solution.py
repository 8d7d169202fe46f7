"""Starter for "Gradient boosting from scratch".

Fill in the methods below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


class Model:
    def __init__(self, n_estimators=400, learning_rate=0.02, max_depth=2, **params):
        """Store the hyper-parameters.

        The grader calls ``Model(**params)`` with ``n_estimators=400``,
        ``learning_rate=0.02`` and ``max_depth=2``. Accept anything else you
        want to tune locally with defaults.
        """
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.params = params

    def fit(self, X, y):
        """Learn from training data.

        X: numpy float64 array of shape (n_samples, 10).
        y: numpy float64 array of shape (n_samples,), the progression target.
        Return ``self``.
        """
        # TODO: start from a constant (the mean of y), then repeatedly fit a
        # small regression tree to the residuals y - F(X) and add
        # learning_rate * tree(X) to F.
        raise NotImplementedError("fit is not written yet")

    def predict(self, X):
        """Return a 1-D float array of n_samples predictions."""
        # TODO: the constant plus learning_rate times the sum of every tree's output.
        raise NotImplementedError("predict is not written yet")
