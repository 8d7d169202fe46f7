#!/usr/bin/env python3
"""Generate the data of "Cost-sensitive decisions".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (4,000 rows) and DIR/test.csv (3,000 rows) of made-up
loan applications with the binary label `defaulted`. The service runs this
with a secret per-deployment seed, so the hidden rows have no public copy;
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

1. Eight applicant features are drawn, correlated the way credit data is:
   a latent "financial health" factor drives the credit score, income,
   months employed and late payments; the loan amount grows with income;
   debt-to-income, open accounts and recent credit inquiries add their own
   noise.
2. The label comes from a logistic model of those features: additive effects
   of the standardised credit score, log income, debt-to-income (rising
   faster above 0.4), loan-to-income ratio, late payments, recent inquiries
   and a short employment history. The effect sizes are jittered (x0.85 to
   x1.15) per seed and the intercept is set so that about 12 % default.
   The best possible model reaches a ROC AUC of about 0.83.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import csv
import os

import numpy as np

TAG = 0x636F7374  # "cost"
N_TRAIN, N_TEST = 4000, 3000
LABEL = "defaulted"
COLUMNS = ["credit_score", "annual_income_k", "loan_amount_k", "debt_to_income", "months_employed",
           "open_accounts", "recent_inquiries", "late_payments_2y", LABEL]
TARGET_RATE = 0.12


def features(rng, n):
    health = rng.normal(size=n)
    credit = np.clip(680 + 55 * (0.8 * health + 0.6 * rng.normal(size=n)), 300, 850).round()
    income = np.exp(np.log(52) + 0.45 * (0.5 * health + 0.87 * rng.normal(size=n)))
    loan = np.clip(income * np.exp(rng.normal(-1.2, 0.5, size=n)), 1, None)
    dti = np.clip(rng.beta(2.2, 5.5, size=n) - 0.05 * health, 0.0, 0.95)
    employed = np.clip(rng.gamma(2.0, 30 * np.exp(0.3 * health)), 0, 480).round()
    accounts = rng.poisson(np.exp(1.4 + 0.2 * rng.normal(size=n)))
    inquiries = rng.poisson(np.exp(0.2 - 0.35 * health))
    late = rng.poisson(np.exp(-0.8 - 0.9 * health))
    return np.column_stack([credit, income.round(1), loan.round(1), dti.round(3), employed, accounts, inquiries, late])


def logit(X, w):
    credit, income, loan, dti, employed, accounts, inquiries, late = X.T
    z = (w[0] * (credit - 680) / 55
         + w[1] * np.log(income / 52)
         + w[2] * np.log(loan / income + 0.05)
         + w[3] * (dti + 2.5 * np.clip(dti - 0.4, 0, None))
         + w[4] * (employed < 12)
         + w[5] * np.log1p(inquiries)
         + w[6] * np.sqrt(late)
         + w[7] * (accounts - 4) / 2)
    return z


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    w = np.array([-0.9, -0.4, 0.5, 2.6, 0.6, 0.45, 0.55, 0.1]) * rng.uniform(0.85, 1.15, size=8)
    X = features(rng, N_TRAIN + N_TEST)
    z = logit(X, w)
    # Intercept by bisection so that the expected default rate is TARGET_RATE.
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(z + mid)))) > TARGET_RATE:
            hi = mid
        else:
            lo = mid
    p = 1 / (1 + np.exp(-(z + lo)))
    y = (rng.random(len(p)) < p).astype(int)
    return X, y


def write(path, X, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for row, label in zip(X, y):
            w.writerow([f"{v:g}" for v in row] + [int(label)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    X, y = make(args.seed)
    write(os.path.join(args.out, "train.csv"), X[:N_TRAIN], y[:N_TRAIN])
    write(os.path.join(args.out, "test.csv"), X[N_TRAIN:], y[N_TRAIN:])


if __name__ == "__main__":
    main()
