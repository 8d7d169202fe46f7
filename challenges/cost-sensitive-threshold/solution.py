"""Starter for "Cost-sensitive decisions".

scikit-learn 1.2, scipy 1.10, pandas 1.5 and numpy 1.24 are available.
X arrives as a 2-D float64 numpy array with the eight columns of the
statement, in its order; y as a 1-D integer array (1 = defaulted).
"""

import numpy as np

# What each decision costs (the grader's cost matrix, rows = truth, columns = decision):
#                       decide 0 (approve)   decide 1 (reject)
#   repaid     (y = 0)          0                   1
#   defaulted  (y = 1)         10                   0


class Model:
    def __init__(self, **params):
        """The grader calls ``Model()`` with no parameters: give everything a default."""
        self.params = params

    def fit(self, X, y):
        """Learn from the training rows; return ``self``."""
        # TODO: a model of P(default), and a decision rule that minimises the expected cost.
        raise NotImplementedError("fit is not written yet")

    def predict(self, X):
        """The decision for each row: 1 = reject (predicted to default), 0 = approve. This is what is scored."""
        # TODO
        raise NotImplementedError("predict is not written yet")

    def predict_proba(self, X):
        """Optional: (n_rows, 2) probabilities, column 1 = P(default). Shown to interviewers, not scored."""
        raise NotImplementedError("predict_proba is not written yet")
