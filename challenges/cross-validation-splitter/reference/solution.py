"""Reference solution: k-fold and stratified k-fold splitters in numpy.

kfold: shuffle 0..n-1 with a generator seeded by `seed`, cut the permutation
into k nearly equal blocks (sizes differ by at most one); fold i validates on
block i and trains on the rest.

stratified_kfold: shuffle the rows of each class (seeded), lay the classes
out one after another, and deal the resulting sequence round-robin into the
k folds (row at position p goes to fold p mod k). Because every class
occupies one contiguous stretch of the sequence, each fold receives
floor(n_c / k) or ceil(n_c / k) rows of class c, and because the dealing
continues across class boundaries (instead of restarting at fold 0 for every
class), fold sizes also differ by at most one. This is the allocation
scikit-learn's StratifiedKFold uses. Finally the fold order is shuffled too,
which keeps both properties. Classes with fewer than k members simply leave
some folds without that class: no error.
"""

import numpy as np


def _folds_from_assignment(fold_of, k):
    n = len(fold_of)
    everything = np.arange(n)
    return [(everything[fold_of != f], everything[fold_of == f]) for f in range(k)]


def _check(n, k):
    if not (isinstance(k, (int, np.integer)) and 2 <= k <= n):
        raise ValueError(f"k must be an integer with 2 <= k <= n; got k={k}, n={n}")


def kfold(n, k, seed):
    """k (train_indices, validation_indices) pairs for rows 0..n-1, shuffled with `seed`."""
    n, k = int(n), int(k)
    _check(n, k)
    rng = np.random.default_rng(seed)
    fold_of = np.empty(n, dtype=np.int64)
    for f, block in enumerate(np.array_split(rng.permutation(n), k)):
        fold_of[block] = f
    return _folds_from_assignment(fold_of, k)


def stratified_kfold(y, k, seed):
    """Like kfold, but every validation fold holds each class in (nearly) its overall proportion."""
    y = np.asarray(y)
    n, k = len(y), int(k)
    _check(n, k)
    rng = np.random.default_rng(seed)
    _, y_idx = np.unique(y, return_inverse=True)
    # Rows grouped by class, shuffled within each class.
    sequence = np.concatenate([rng.permutation(np.flatnonzero(y_idx == c)) for c in range(y_idx.max() + 1)])
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[sequence] = np.arange(n) % k
    fold_of = rng.permutation(k)[fold_of]  # random fold order
    return _folds_from_assignment(fold_of, k)
