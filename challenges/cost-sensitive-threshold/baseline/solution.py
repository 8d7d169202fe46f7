"""Baseline: a logistic regression on the raw features, deciding at the default threshold of 0.5.

The probabilities are fine; the decision is not. Predicting 1 only when a default is more likely
than not maximises accuracy, which treats a missed default (cost 10) like a rejected good
applicant (cost 1): it approves most of the defaulters.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class Model:
    def __init__(self, **params):
        pass

    def fit(self, X, y):
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(np.asarray(X, dtype=float), np.asarray(y))
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(np.asarray(X, dtype=float))

    def predict(self, X):
        return self.model_.predict(np.asarray(X, dtype=float))
