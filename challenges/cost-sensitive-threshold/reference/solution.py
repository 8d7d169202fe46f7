"""Reference solution: calibrated probabilities, then the decision rule the cost matrix implies.

Two separate questions, answered separately:

1. How likely is this applicant to default? A logistic regression on a few
   transformed features (log income, log loan-to-income, the debt-to-income
   ratio with a hinge at 0.4, a short-employment flag, log inquiries, the
   square root of late payments). Logistic regression is fitted by maximum
   likelihood, so when its form fits the data its probabilities are
   calibrated, which the threshold below relies on.
2. What should we decide? Approving costs 10 if the applicant defaults;
   rejecting costs 1 if they would have repaid. Rejecting is cheaper when
   10 * p > 1 * (1 - p), i.e. when p > 1 / 11 = 0.091. That threshold follows
   from the cost matrix alone; it is not tuned on any data. (A model whose
   probabilities are not calibrated, boosted trees say, would rather choose
   its threshold on out-of-fold predictions.)

Predicting at the default threshold of 0.5 maximises accuracy instead, and
approves most of the defaulters: it costs about as much as rejecting
everyone.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

COST_FALSE_REJECT = 1.0    # costs[0][1]: a good applicant rejected
COST_MISSED_DEFAULT = 10.0  # costs[1][0]: a defaulter approved
THRESHOLD = COST_FALSE_REJECT / (COST_FALSE_REJECT + COST_MISSED_DEFAULT)


def design(X):
    X = np.asarray(X, dtype=float)
    credit, income, loan, dti, employed, accounts, inquiries, late = X.T
    income = np.clip(income, 1e-3, None)
    return np.column_stack([
        credit,
        np.log(income),
        np.log(np.clip(loan, 1e-3, None) / income + 0.05),
        dti,
        np.clip(dti - 0.4, 0, None),
        (employed < 12).astype(float),
        accounts,
        np.log1p(inquiries),
        np.sqrt(np.clip(late, 0, None)),
    ])


class Model:
    def __init__(self, **params):
        self.threshold = THRESHOLD

    def fit(self, X, y):
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        self.pipeline_.fit(design(X), np.asarray(y).astype(int))
        return self

    def predict_proba(self, X):
        return self.pipeline_.predict_proba(design(X))

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > self.threshold).astype(int)
