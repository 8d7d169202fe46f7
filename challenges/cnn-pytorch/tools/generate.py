#!/usr/bin/env python3
"""Generate the data of "Convolutional network in PyTorch".

    python3 generate.py --seed SEED --out DIR

writes DIR/train.csv (3,000 images) and DIR/test.csv (1,000 images): one
image per row, 16 x 16 grey pixels flattened row by row into the columns
p1..p256 (p1 is the top-left pixel, p16 the top-right one, p17 the first
pixel of the second row), and the column `shape`: ring, square, triangle or
cross. The service runs this with a secret per-deployment seed, so the hidden
images have no public copy; the `shape` column of the test rows never enters
the sandbox. public/sample.csv was made with the public seed 1 (see
make_sample.py).

How an image is made, for any seed:

* A shape outline drawn with an anti-aliased pen: a ring, the outline of a
  square or of an equilateral triangle, or a cross (two strokes at right
  angles through the centre). The four classes are equally frequent.
* Everything else varies at random: the size (circumradius 3 to 6.5 px),
  the position (anywhere the shape fits), the rotation, the pen's width
  (0.7 to 1.5 px) and brightness (0.5 to 1), a faint brightness gradient
  across the background, and Gaussian pixel noise (sd 0.12). A small
  square and a small ring differ by a few pixels; that is what makes the
  task a vision task rather than a lookup.
* Pixels are written with 3 decimals; they are roughly in [-0.4, 1.4].

Deterministic for a given seed (numpy's PCG64 through SeedSequence, mixed
with a tag of this challenge).
"""

import argparse
import os

import numpy as np

TAG = 0x636E6E73  # "cnns"
N_TRAIN, N_TEST = 3000, 1000
SIDE = 16
SHAPES = ["ring", "square", "triangle", "cross"]
NOISE = 0.12
LABEL = "shape"

# Pixel centres, shape (SIDE * SIDE, 2) as (x, y), row by row.
_ys, _xs = np.mgrid[0:SIDE, 0:SIDE] + 0.5
GRID = np.stack([_xs.ravel(), _ys.ravel()], axis=1)


def segment_distance(p, a, b):
    """Distance from each point in p to the segment from a to b."""
    ab = b - a
    t = np.clip(((p - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def outline_distance(shape, centre, radius, angle):
    """Distance from every pixel centre to the shape's outline."""
    if shape == "ring":
        return np.abs(np.linalg.norm(GRID - centre, axis=1) - 0.8 * radius)
    if shape == "cross":
        ends = [centre + radius * np.array([np.cos(a), np.sin(a)]) for a in angle + np.arange(4) * np.pi / 2]
        return np.minimum(segment_distance(GRID, ends[0], ends[2]), segment_distance(GRID, ends[1], ends[3]))
    corners = 4 if shape == "square" else 3
    vertices = [centre + radius * np.array([np.cos(a), np.sin(a)]) for a in angle + np.arange(corners) * 2 * np.pi / corners]
    return np.min([segment_distance(GRID, vertices[i], vertices[(i + 1) % corners]) for i in range(corners)], axis=0)


def draw(rng, shape):
    radius = rng.uniform(3.0, 6.5)
    margin = radius + 0.5
    centre = rng.uniform(margin, SIDE - margin, size=2)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    width = rng.uniform(0.7, 1.5)
    ink = rng.uniform(0.5, 1.0)
    d = outline_distance(shape, centre, radius, angle)
    image = ink * np.clip(1.0 - np.maximum(d - width / 2, 0.0) / 0.75, 0.0, 1.0)
    gradient = rng.normal(0.0, 0.08, size=2)
    image += (GRID - SIDE / 2) @ gradient / SIDE
    return image + rng.normal(0.0, NOISE, size=image.shape)


def make(seed):
    rng = np.random.default_rng([TAG, int(seed) % (1 << 128)])
    out = []
    for n in (N_TRAIN, N_TEST):
        labels = rng.permutation(np.arange(n) % len(SHAPES))
        images = np.array([draw(rng, SHAPES[k]) for k in labels])
        out.append((images, [SHAPES[k] for k in labels]))
    return out


def write(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"p{j + 1}" for j in range(x.shape[1])] + [LABEL]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.3f}" for v in row) + f",{label}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    (x_train, y_train), (x_test, y_test) = make(args.seed)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.csv"), x_train, y_train)
    write(os.path.join(args.out, "test.csv"), x_test, y_test)


if __name__ == "__main__":
    main()
