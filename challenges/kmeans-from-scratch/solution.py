"""Starter for "k-means from scratch".

Fill in the methods below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


class Model:
    def __init__(self, n_clusters=5, **params):
        """Store the hyper-parameters.

        The grader calls ``Model(**params)`` with ``n_clusters=5``. Accept
        anything else you want to tune locally (number of restarts, maximum
        iterations, random seed, ...) with defaults.
        """
        self.n_clusters = n_clusters
        self.params = params

    def fit(self, X, y=None):
        """Learn cluster centres from unlabelled data.

        X: numpy float64 array of shape (n_samples, 8). The grader calls
        ``fit(X)`` with no labels.
        Return ``self``.
        """
        # TODO: k-means++ seeding, then Lloyd iterations (assign each point to
        # its nearest centre, move each centre to the mean of its points) until
        # the centres stop moving; repeat from several seedings and keep the
        # run with the lowest inertia.
        raise NotImplementedError("fit is not written yet")

    def predict(self, X):
        """Return a 1-D integer array: for each row, the id of its nearest centre (0..n_clusters-1)."""
        # TODO: nearest learned centre for every row.
        raise NotImplementedError("predict is not written yet")
