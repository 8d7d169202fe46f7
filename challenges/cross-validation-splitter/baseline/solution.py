"""Baseline: contiguous, unshuffled folds that ignore both the seed and the labels."""

import numpy as np


def kfold(n, k, seed):
    blocks = np.array_split(np.arange(n), k)
    return [(np.concatenate(blocks[:i] + blocks[i + 1:]), block) for i, block in enumerate(blocks)]


def stratified_kfold(y, k, seed):
    return kfold(len(y), k, seed)
