#!/usr/bin/env python3
"""Generate the data of "Model serving".

    python3 generate.py --seed SEED --out DIR

writes three files into DIR:

  train.csv      2,000 made-up deliveries with the binary label `late`
  requests.json  600 more deliveries without their label, as the rows the
                 grader sends to the candidate's service:
                 {"columns": [...], "rows": [{"distance_km": 3.2, ...}, ...]}
  truth.json     their labels, {"late": [0, 1, ...]}: only the trusted
                 scoring program ever reads this file

The service runs this with a secret per-deployment seed; public/sample.json
holds what the public seed 1 makes, cut down (see make_sample.py).

How the rows are made, for any seed: distance, number of items, parcel
weight, hour of the order, day of the week, the courier's vehicle (bike,
scooter, van) and the current rain in mm/h. A delivery is late with a
probability that grows with distance (faster for bikes), rain, heavy
parcels on bikes and scooters, evening rush hours and weekends; effect
sizes are jittered per seed and about 30 % are late. A logistic regression
on sensible features reaches an accuracy of about 0.85; always answering
"on time" gets about 0.70.

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import csv
import json
import os

import numpy as np

TAG = 0x73657276  # "serv"
N_TRAIN, N_REQUESTS = 2000, 600
LABEL = "late"
NUMERIC = ["distance_km", "items", "weight_kg", "hour", "weekday", "rain_mm"]
COLUMNS = NUMERIC + ["vehicle"]
VEHICLES = ["bike", "scooter", "van"]
TARGET_RATE = 0.30


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    n = N_TRAIN + N_REQUESTS
    j = rng.uniform(0.8, 1.2, size=5)
    distance = np.round(rng.gamma(2.0, 2.2, size=n), 2)
    items = 1 + rng.poisson(2.0, size=n)
    weight = np.round(items * rng.gamma(2.0, 0.6, size=n), 2)
    hour = rng.integers(8, 23, size=n)
    weekday = rng.integers(0, 7, size=n)
    rain = np.round(np.where(rng.random(n) < 0.7, 0.0, rng.exponential(2.5, size=n)), 1)
    vehicle = rng.choice(3, size=n, p=[0.4, 0.35, 0.25])
    two_wheels = vehicle < 2
    z = (j[0] * 0.35 * distance * np.where(vehicle == 0, 1.6, 1.0)
         + j[1] * 0.45 * rain
         + j[2] * 0.25 * weight * two_wheels
         + j[3] * 1.6 * ((hour >= 17) & (hour <= 19))
         + j[4] * 0.7 * (weekday >= 5))
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(z + mid)))) > TARGET_RATE:
            hi = mid
        else:
            lo = mid
    y = (rng.random(n) < 1 / (1 + np.exp(-(z + lo)))).astype(int)
    rows = [{"distance_km": float(distance[i]), "items": int(items[i]), "weight_kg": float(weight[i]),
             "hour": int(hour[i]), "weekday": int(weekday[i]), "rain_mm": float(rain[i]),
             "vehicle": VEHICLES[vehicle[i]]} for i in range(n)]
    return rows, y


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows, y = make(args.seed)
    with open(os.path.join(args.out, "train.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS + [LABEL])
        for row, label in zip(rows[:N_TRAIN], y[:N_TRAIN]):
            w.writerow([f"{row[c]:g}" if c != "vehicle" else row[c] for c in COLUMNS] + [int(label)])
    with open(os.path.join(args.out, "requests.json"), "w") as f:
        json.dump({"columns": COLUMNS, "rows": rows[N_TRAIN:]}, f, separators=(",", ":"))
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump({LABEL: [int(v) for v in y[N_TRAIN:]]}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
