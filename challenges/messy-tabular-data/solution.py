"""Starter for "Messy tabular data".

scikit-learn 1.2, scipy 1.10, pandas 1.5 and numpy 1.24 are available.
X arrives as a pandas DataFrame exactly as pandas.read_csv reads the CSV:
text stays text, empty cells are NaN.
"""

import numpy as np
import pandas as pd


class Model:
    def __init__(self, **params):
        """The grader calls ``Model()`` with no parameters: give everything a default."""
        self.params = params

    def fit(self, X, y):
        """Learn from training data.

        X: pandas DataFrame with the columns customer_id, age, income,
           tenure_months, num_products, balance, satisfaction, has_card,
           region, plan (raw, messy).
        y: pandas Series of integer labels, 1 = churned, 0 = stayed.
        Return ``self``.
        """
        # TODO: clean (the same way for training and test rows), impute,
        # encode categories, fit a model, ideally all in one sklearn Pipeline.
        raise NotImplementedError("fit is not written yet")

    def predict_proba(self, X):
        """REQUIRED: an (n_rows, 2) array, column 1 = P(churned = 1), rows summing to 1."""
        # TODO
        raise NotImplementedError("predict_proba is not written yet")

    def predict(self, X):
        """Return a 1-D array of labels, 0 or 1."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
