#!/usr/bin/env python3
"""Generate the data of "Messy tabular data".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (2,000 rows) and DIR/test.csv (800 rows) of a made-up
customer table with the binary label `churned`. The service runs this with a
secret per-deployment seed, so the hidden rows have no public copy;
public/sample.csv was made with the public seed 1 (see make_sample.py).

How the rows are made, for any seed:

1. Clean values are drawn for every customer: age, income, tenure in months,
   number of products, account balance, a 1-10 satisfaction score, whether
   they hold a card, region and plan.
2. The label comes from a logistic model of the clean values: additive
   effects of log income, log tenure, age, log balance, satisfaction, card,
   region, plan, and a U-shaped effect of the number of products. The
   effect sizes are jittered (x0.8 to x1.2) and the region effects shuffled
   per seed; about 30 % of customers churn.
3. The clean values are then made messy, as in a real export:
   - `customer_id`: "CU-" and a unique random 6-digit number, unrelated
     to anything.
   - `income`: written as text with thousands separators ("52,300").
   - missing cells (empty in the CSV): age 10 %, income 8 %, tenure 12 %,
     balance 6 %, has_card 5 %, region 4 %; satisfaction about 18 %, more
     often when satisfaction is low (not missing at random).
   - `has_card`, `region`, `plan`: inconsistent case and stray spaces
     ("Yes", "yes", " YES", "y"), and a few typos ("Nrth", "Center").
   - the test rows contain a region, "Islands", never seen in training.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import csv
import os

import numpy as np

TAG = 0x6D657373  # "mess"
N_TRAIN, N_TEST = 2000, 800
LABEL = "churned"
COLUMNS = ["customer_id", "age", "income", "tenure_months", "num_products", "balance",
           "satisfaction", "has_card", "region", "plan", LABEL]

REGIONS = ["North", "South", "East", "West", "Centre"]
REGION_SHARE = [0.25, 0.25, 0.2, 0.2, 0.1]
REGION_EFFECT = [0.0, 0.5, -0.6, 0.9, -0.3]        # shuffled per seed
UNSEEN_REGION, UNSEEN_SHARE, UNSEEN_EFFECT = "Islands", 0.04, 0.5
REGION_TYPOS = {"North": ["Nrth", "Noth"], "South": ["Souht", "Sth"], "East": ["Eats", "Est"],
                "West": ["Wset", "Wets"], "Centre": ["Center", "Cntre"]}
PLANS = ["basic", "standard", "premium", "family"]
PLAN_SHARE = [0.35, 0.3, 0.2, 0.15]
PLAN_EFFECT = [1.3, 0.0, -1.3, -0.6]
PRODUCT_SHARE = [0.35, 0.35, 0.17, 0.09, 0.04]
PRODUCT_EFFECT = [0.5, -0.5, 0.0, 0.9, 1.4]         # for 1..5 products
YES = ["Yes", "Yes", "Yes", "yes", "yes", " YES", "YES", "Y", "y"]
NO = ["No", "No", "No", "no", "no", "NO ", "NO", "N", "n"]


def spell(rng, word):
    """A messy spelling of a category: mostly canonical, sometimes re-cased, padded or mistyped."""
    u = rng.random()
    if u < 0.70:
        return word
    if u < 0.80:
        return word.lower()
    if u < 0.87:
        return word.upper()
    if u < 0.93:
        return rng.choice([" ", "  "]) + word if rng.random() < 0.5 else word + " "
    typos = REGION_TYPOS.get(word)
    if typos:
        return str(rng.choice(typos))
    return word.capitalize() if word.islower() else word.lower()


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    n = N_TRAIN + N_TEST
    jitter = rng.uniform(0.8, 1.2, size=9)
    region_effect = dict(zip(REGIONS, rng.permutation(REGION_EFFECT)))
    region_effect[UNSEEN_REGION] = UNSEEN_EFFECT

    age = rng.integers(18, 81, size=n)
    income = np.exp(rng.normal(np.log(45000), 0.5, size=n))
    tenure = np.minimum(rng.exponential(30.0, size=n).astype(int), 120)
    products = rng.choice(5, size=n, p=PRODUCT_SHARE) + 1
    balance = np.exp(rng.normal(np.log(3000), 1.0, size=n))
    satisfaction = np.clip(np.round(rng.normal(6.5, 2.0, size=n)), 1, 10).astype(int)
    card = rng.random(n) < 0.6
    region = rng.choice(REGIONS, size=n, p=REGION_SHARE).astype(object)
    test_rows = np.arange(N_TRAIN, n)
    region[rng.choice(test_rows, size=int(UNSEEN_SHARE * N_TEST), replace=False)] = UNSEEN_REGION
    plan = rng.choice(PLANS, size=n, p=PLAN_SHARE)

    def z(v):
        return (v - v.mean()) / v.std()

    logit = (
        -1.2
        + jitter[0] * -1.0 * z(np.log(income))
        + jitter[1] * -0.7 * z(np.log1p(tenure))
        + jitter[2] * 0.25 * z(age.astype(float))
        + jitter[3] * 0.3 * z(np.log(balance))
        + jitter[4] * -0.5 * z(satisfaction.astype(float))
        + jitter[5] * np.where(card, -0.6, 0.4)
        + jitter[6] * np.array([region_effect[r] for r in region])
        + jitter[7] * np.array([PLAN_EFFECT[PLANS.index(p)] for p in plan])
        + jitter[8] * np.array(PRODUCT_EFFECT)[products - 1]
    )
    churned = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)

    ids = rng.choice(np.arange(100000, 1000000), size=n, replace=False)
    miss = {c: rng.random(n) < p for c, p in
            [("age", 0.10), ("income", 0.08), ("tenure_months", 0.12), ("balance", 0.06),
             ("has_card", 0.05), ("region", 0.04)]}
    # Unhappy customers skip the survey more often: P(missing) from 40 % (score 1) to 5 % (score 10).
    miss["satisfaction"] = rng.random(n) < 0.40 - 0.35 * (satisfaction - 1) / 9.0
    rows = []
    for i in range(n):
        cells = {
            "customer_id": f"CU-{ids[i]}",
            "age": str(age[i]),
            "income": f"{int(round(income[i], -2)):,}",
            "tenure_months": str(tenure[i]),
            "num_products": str(products[i]),
            "balance": f"{balance[i]:.2f}",
            "satisfaction": str(satisfaction[i]),
            "has_card": str(rng.choice(YES if card[i] else NO)),
            "region": spell(rng, region[i]),
            "plan": spell(rng, plan[i]),
            LABEL: str(churned[i]),
        }
        for c, m in miss.items():
            if m[i]:
                cells[c] = ""
        rows.append([cells[c] for c in COLUMNS])
    return rows[:N_TRAIN], rows[N_TRAIN:]


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    train, test = make(args.seed)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.csv"), train)
    write(os.path.join(args.out, "test.csv"), test)


if __name__ == "__main__":
    main()
