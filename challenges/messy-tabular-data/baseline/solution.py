"""Baseline: keep only the columns pandas read as numbers, fill NaN with 0, plain logistic regression.

No cleaning, no scaling, no categories: the text columns (income, has_card,
region, plan) are dropped, the identifier is kept as if it were a feature,
and missing values become 0.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression


class Model:
    def __init__(self, **params):
        self.params = params

    def _matrix(self, X):
        return X[self.columns_].fillna(0).to_numpy(dtype=float)

    def fit(self, X, y):
        self.columns_ = list(X.select_dtypes(include="number").columns)
        self.model_ = LogisticRegression().fit(self._matrix(X), np.asarray(y))
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._matrix(X))

    def predict(self, X):
        return self.model_.predict(self._matrix(X))
