"""Starter for "Imbalanced classification".

Fill in the methods below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


class Model:
    def __init__(self, **params):
        """Store the hyper-parameters.

        The grader calls ``Model()`` with no parameters: give everything you
        want to tune locally a default value.
        """
        self.params = params

    def fit(self, X, y):
        """Learn from training data.

        X: numpy float64 array of shape (n_samples, 10).
        y: numpy integer array of shape (n_samples,), 1 for the rare class (5 %), else 0.
        Return ``self``.
        """
        # TODO: e.g. a logistic regression on standardised features in which
        # each row of class c is weighted by n / (2 * n_c), or an unweighted
        # one whose decision threshold you move.
        raise NotImplementedError("fit is not written yet")

    def predict(self, X):
        """Return a 1-D array of n_samples labels, 0 or 1."""
        # TODO
        raise NotImplementedError("predict is not written yet")
