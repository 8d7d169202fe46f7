#!/usr/bin/env python3
"""Generate the data of "Feature-engineering pipeline".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (3,000 rows) and DIR/test.csv (2,000 rows) of made-up
buy-now-pay-later loan applications with the binary label `defaulted`. The
service runs this with a secret per-deployment seed, so the hidden rows have
no public copy; public/sample.csv was made with the public seed 1 (see
make_sample.py).

How the rows are made, for any seed:

1. Each application gets a date in 2025, the applicant's age, monthly
   income, the amount borrowed, an employment type, the merchant the
   purchase was made at (one of 400, a few large and a long tail of small
   ones: about half of the training rows come from merchants with fewer
   than 20 rows), a postcode (an area code of two letters, one of 30, then
   a district and a unit: nearly every postcode is unique, the area is
   not) and the device's operating system.
2. The label comes from a logistic model: weekend applications, young
   applicants, a high loan-to-income ratio, a missing income, some
   employment types, the merchant (each has its own effect) and the
   postcode area (each area has its own effect) raise the risk. Effect
   sizes are drawn per seed; about 20 % default. The best possible model
   reaches a ROC AUC of about 0.80.
3. `collections_calls` is the number of calls the collections team made in
   the 90 days after the loan was issued. It is filled in for the training
   rows (old loans, whose outcome is known: defaulters get many calls) and
   empty for the test rows, which are new applications at the moment of the
   decision. A model that uses it learns from the outcome itself.
4. Missing cells (empty in the CSV): age 6 %, monthly_income 10 %,
   employment_type 3 %, device_os 8 %.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import csv
import datetime
import os
import string

import numpy as np

TAG = 0x66657069  # "fepi"
N_TRAIN, N_TEST = 3000, 2000
LABEL = "defaulted"
COLUMNS = ["application_id", "applied_on", "age", "monthly_income", "loan_amount", "employment_type",
           "merchant", "postcode", "device_os", "collections_calls", LABEL]
N_MERCHANTS, N_AREAS = 400, 30
EMPLOYMENT = ["salaried", "self-employed", "contractor", "retired", "student", "unemployed"]
EMPLOYMENT_SHARE = [0.55, 0.12, 0.1, 0.1, 0.08, 0.05]
EMPLOYMENT_EFFECT = [0.0, 0.3, 0.4, -0.3, 0.5, 1.0]
DEVICES = ["android", "ios", "windows", "macos", "linux"]
DEVICE_SHARE = [0.45, 0.35, 0.12, 0.06, 0.02]
TARGET_RATE = 0.20


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    n = N_TRAIN + N_TEST
    # Merchants: Zipf-like shares, names unrelated to their effect.
    merchant_names = [f"M{v:04d}" for v in rng.choice(10000, size=N_MERCHANTS, replace=False)]
    merchant_share = 1.0 / np.arange(1, N_MERCHANTS + 1) ** 0.9
    merchant_share /= merchant_share.sum()
    merchant_effect = rng.normal(0.0, 1.0, size=N_MERCHANTS)
    letters = string.ascii_uppercase
    areas = sorted({"".join(rng.choice(list(letters), size=2)) for _ in range(200)})[:N_AREAS]
    area_effect = rng.normal(0.0, 0.9, size=len(areas))
    jitter = rng.uniform(0.8, 1.2, size=6)

    day = rng.integers(0, 365, size=n)
    dates = [datetime.date(2025, 1, 1) + datetime.timedelta(days=int(d)) for d in day]
    weekend = np.array([d.weekday() >= 5 for d in dates], dtype=float)
    age = np.clip(rng.gamma(6.0, 6.5, size=n) + 18, 18, 85).round()
    income = np.exp(rng.normal(np.log(2600), 0.55, size=n)).round(-1)
    loan = np.clip(np.exp(rng.normal(np.log(450), 0.8, size=n)), 30, 8000).round(2)
    employment = rng.choice(len(EMPLOYMENT), size=n, p=EMPLOYMENT_SHARE)
    merchant = rng.choice(N_MERCHANTS, size=n, p=merchant_share)
    area = rng.integers(0, len(areas), size=n)
    postcodes = [f"{areas[a]}{rng.integers(1, 30)} {rng.integers(1, 10)}{''.join(rng.choice(list(letters), size=2))}" for a in area]
    device = rng.choice(len(DEVICES), size=n, p=DEVICE_SHARE)
    income_missing = rng.random(n) < 0.10

    z = (jitter[0] * 0.5 * weekend
         + jitter[1] * 0.6 * np.clip((30 - age) / 10, 0, None)
         + jitter[2] * 0.45 * np.log(loan / income * 10)
         + 0.5 * income_missing
         + jitter[3] * np.array(EMPLOYMENT_EFFECT)[employment]
         + jitter[4] * merchant_effect[merchant]
         + jitter[5] * area_effect[area]
         + 0.2 * (device == DEVICES.index("windows")))
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(z + mid)))) > TARGET_RATE:
            hi = mid
        else:
            lo = mid
    y = (rng.random(n) < 1 / (1 + np.exp(-(z + lo)))).astype(int)
    # Recorded after the outcome: many calls to defaulters, a few to late payers who then paid.
    calls = np.where(y == 1, rng.poisson(3.0, size=n), rng.poisson(0.15, size=n))

    ids = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    rows = []
    for i in range(n):
        test = i >= N_TRAIN
        rows.append([
            f"APP-{ids[i]}",
            dates[i].isoformat(),
            "" if rng.random() < 0.06 else f"{age[i]:g}",
            "" if income_missing[i] else f"{income[i]:g}",
            f"{loan[i]:.2f}",
            "" if rng.random() < 0.03 else EMPLOYMENT[employment[i]],
            merchant_names[merchant[i]],
            postcodes[i],
            "" if rng.random() < 0.08 else DEVICES[device[i]],
            "" if test else str(int(calls[i])),
            int(y[i]),
        ])
    return rows


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = make(args.seed)
    write(os.path.join(args.out, "train.csv"), rows[:N_TRAIN])
    write(os.path.join(args.out, "test.csv"), rows[N_TRAIN:])


if __name__ == "__main__":
    main()
