"""Starter for "Cross-validation splitter".

Write the two functions below. Only numpy (and pandas) are available:
scikit-learn and scipy are NOT installed in the grading container.
"""

import numpy as np


def kfold(n, k, seed):
    """Split rows 0..n-1 into k folds after shuffling them with `seed`.

    n, k, seed: Python ints, 2 <= k <= n.
    Return a list of k pairs (train_indices, validation_indices), each a 1-D
    array (or list) of integer row indices. Every row is in exactly one
    validation fold; validation fold sizes differ by at most one; the same
    seed gives the same folds, another seed a different split.
    """
    # TODO
    raise NotImplementedError("kfold is not written yet")


def stratified_kfold(y, k, seed):
    """Like kfold(len(y), k, seed), but each validation fold keeps the class proportions of y.

    y: 1-D numpy array of class labels (integers or strings).
    Return a list of k pairs (train_indices, validation_indices). In every
    validation fold, a class with n_c rows must appear floor(n_c / k) or
    ceil(n_c / k) times, also when n_c < k; fold sizes still differ by at
    most one.
    """
    # TODO
    raise NotImplementedError("stratified_kfold is not written yet")
