"""Starter for "PCA from scratch".

Write the class below with numpy only: scikit-learn and scipy are NOT
installed in the grading container.
"""

import numpy as np


class PCA:
    def __init__(self, n_components):
        self.n_components = n_components

    def fit(self, X):
        """Learn the principal components of X (n rows x d features); return self.

        Set:
          mean_                     (d,)   the mean of each feature
          components_               (k, d) orthonormal rows, largest variance first
          explained_variance_       (k,)   variance along each component (divide by n - 1)
          explained_variance_ratio_ (k,)   that variance over the total variance of X
        """
        # TODO
        raise NotImplementedError("fit is not written yet")

    def transform(self, X):
        """Coordinates of the rows of X on the components: (n, k)."""
        # TODO
        raise NotImplementedError

    def inverse_transform(self, Z):
        """Rows back in the original space from their coordinates: (n, d)."""
        # TODO
        raise NotImplementedError
