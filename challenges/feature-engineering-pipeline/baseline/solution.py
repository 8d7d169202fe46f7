"""Baseline: keep the columns pandas read as numbers, fill gaps with 0, plain logistic regression.

No feature engineering, no categories (merchant, postcode, employment and device are dropped), and
no thought about when each column is known: `collections_calls` goes in like any other number.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class Model:
    def __init__(self, **params):
        pass

    def _matrix(self, X):
        return X[self.columns_].apply(lambda c: c.astype(float)).fillna(0).to_numpy(dtype=float)

    def fit(self, X, y):
        self.columns_ = list(X.select_dtypes(include="number").columns)
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(self._matrix(X), np.asarray(y))
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._matrix(X))

    def predict(self, X):
        return self.model_.predict(self._matrix(X))
