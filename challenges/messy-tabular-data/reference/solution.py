"""Reference solution: clean with pandas, then a scikit-learn Pipeline.

Cleaning (a stateless function, applied identically to training and test
rows, so nothing leaks from one into the other):

* `customer_id` is dropped: an identifier carries no signal, and a model
  that uses it can only memorise.
* `income` is text with thousands separators ("52,300"): remove the commas
  and convert with ``pd.to_numeric(errors="coerce")``.
* `income`, `balance` and `tenure_months` are heavily right-skewed, so they
  enter the model as log(1 + x).
* `num_products` takes five values whose effect is not monotone (one product
  and four or more both go with churn), so it is treated as a category.
* `has_card`, `region`, `plan`: strip spaces, lower-case, and map the
  abbreviations and typos seen in the training rows to one spelling
  ("y" -> "yes", "nrth" -> "north", "center" -> "centre", ...). Anything else
  is left as it is; the encoder ignores categories it did not see in
  training (the test rows hold a new region).

Model, all in one Pipeline: numeric columns get median imputation plus a
missing-value indicator (satisfaction is missing more often for unhappy
customers, so the fact that it is missing is informative), then
standardisation; categorical columns get a constant "missing" category and
one-hot encoding; then a logistic regression. On the training rows, 5-fold
cross-validated ROC AUC chose this over a histogram gradient-boosting model
(about 0.85 against 0.83) and showed the regularisation strength hardly
matters (C from 0.1 to 10).
"""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["age", "income", "tenure_months", "balance", "satisfaction"]
SKEWED = ["income", "tenure_months", "balance"]
CATEGORICAL = ["has_card", "region", "plan", "num_products"]

SPELLINGS = {
    "has_card": {"y": "yes", "n": "no"},
    "region": {"nrth": "north", "noth": "north", "souht": "south", "sth": "south",
               "eats": "east", "est": "east", "wset": "west", "wets": "west",
               "center": "centre", "cntre": "centre"},
    "plan": {},
}


def clean(df):
    """A tidy copy of a raw frame: numbers as floats, categories as one lower-case spelling or NaN."""
    out = pd.DataFrame(index=df.index)
    income = df["income"]
    if not pd.api.types.is_numeric_dtype(income):
        income = income.astype("string").str.replace(",", "", regex=False).str.strip()
    out["income"] = pd.to_numeric(income, errors="coerce")
    for col in ["age", "tenure_months", "balance", "satisfaction"]:
        out[col] = pd.to_numeric(df[col], errors="coerce")
    for col in SKEWED:
        out[col] = np.log1p(out[col].clip(lower=0))
    for col in ["has_card", "region", "plan"]:
        s = df[col].astype("string").str.strip().str.lower().replace(SPELLINGS[col])
        out[col] = s.astype(object).where(s.notna(), np.nan)
    products = pd.to_numeric(df["num_products"], errors="coerce")
    out["num_products"] = products.map(lambda v: np.nan if pd.isna(v) else str(int(v))).astype(object)
    return out[NUMERIC + CATEGORICAL]


def build(C=1.0):
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    prep = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
    return Pipeline([("prep", prep), ("clf", LogisticRegression(C=C, max_iter=2000))])


class Model:
    def __init__(self, C=1.0, **params):
        self.C = C

    def fit(self, X, y):
        self.pipeline_ = build(self.C).fit(clean(X), np.asarray(y).astype(int))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X):
        return self.pipeline_.predict_proba(clean(X))

    def predict(self, X):
        return self.pipeline_.predict(clean(X))
