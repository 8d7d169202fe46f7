"""Starter for "Decision tree from scratch".

Fill in the three methods below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


class Model:
    def __init__(self, max_depth=5, **params):
        """Store the hyper-parameters.

        The grader calls ``Model(**params)`` with the keyword arguments from the
        challenge (here ``max_depth=5``). Accept anything else you want to tune
        locally with defaults.
        """
        self.max_depth = max_depth
        self.params = params

    def fit(self, X, y):
        """Learn from training data.

        X: numpy float64 array of shape (n_samples, 30).
        y: numpy integer array of shape (n_samples,), labels 0 (malignant) or 1 (benign).
        Return ``self``.
        """
        # TODO: grow a decision tree (e.g. CART with Gini impurity).
        raise NotImplementedError("fit is not written yet")

    def predict(self, X):
        """Return a 1-D array of n_samples labels, each one of the labels seen in fit."""
        # TODO: walk each row down the tree to a leaf and return its majority label.
        raise NotImplementedError("predict is not written yet")

    def predict_proba(self, X):
        """Optional: return an (n_samples, n_classes) array of class probabilities.

        Columns follow the sorted class labels (column 0 = label 0, column 1 =
        label 1) and each row sums to 1. Delete this method if you do not need it.
        """
        # TODO: return the class frequencies of the leaf each row falls into.
        raise NotImplementedError("predict_proba is not written yet")
