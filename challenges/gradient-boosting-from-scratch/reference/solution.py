"""Reference solution: gradient-boosted regression trees written from scratch with numpy.

Squared loss, so each round fits a small regression tree to the current
residuals (the negative gradient) and adds it to the ensemble scaled by the
learning rate. Two classic regularisers keep the ensemble from memorising its
noisy rows: shallow trees with a minimum leaf size, and row subsampling
(stochastic gradient boosting, Friedman 2002) with a fixed random seed so that
the result is reproducible.

Each tree is grown greedily: for every node and feature the rows are sorted
once, residual sums are accumulated with a cumulative sum, and the reduction
in squared error of every candidate threshold is evaluated in one vectorised
step.
"""

import numpy as np


class RegressionTree:
    """A CART regression tree (squared error), stored in flat arrays."""

    def __init__(self, max_depth=2, min_samples_leaf=5):
        self.max_depth = int(max_depth)
        self.min_samples_leaf = max(1, int(min_samples_leaf))

    def fit(self, X, r):
        self.feature, self.threshold, self.left, self.right, self.value = [], [], [], [], []
        self._grow(X, r, 0)
        self.feature = np.array(self.feature)
        self.threshold = np.array(self.threshold)
        self.left = np.array(self.left)
        self.right = np.array(self.right)
        self.value = np.array(self.value)
        return self

    def _leaf(self, r):
        self.feature.append(-1)
        self.threshold.append(0.0)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(float(r.mean()))
        return len(self.feature) - 1

    def _grow(self, X, r, depth):
        node = self._leaf(r)
        if depth >= self.max_depth or len(r) < 2 * self.min_samples_leaf:
            return node
        split = self._best_split(X, r)
        if split is None:
            return node
        f, t = split
        go_left = X[:, f] <= t
        self.feature[node], self.threshold[node] = f, t
        self.left[node] = self._grow(X[go_left], r[go_left], depth + 1)
        self.right[node] = self._grow(X[~go_left], r[~go_left], depth + 1)
        return node

    def _best_split(self, X, r):
        n = len(r)
        leaf = self.min_samples_leaf
        total = r.sum()
        # Minimising the children's squared error = maximising sum_L^2/n_L + sum_R^2/n_R.
        parent = total * total / n
        best_gain, best = 1e-12, None
        n_left = np.arange(1, n, dtype=np.float64)
        n_right = n - n_left
        for f in range(X.shape[1]):
            order = np.argsort(X[:, f], kind="stable")
            xs = X[order, f]
            s_left = np.cumsum(r[order])[:-1]
            s_right = total - s_left
            gain = s_left ** 2 / n_left + s_right ** 2 / n_right - parent
            valid = xs[1:] > xs[:-1]
            valid[: leaf - 1] = False
            if leaf > 1:
                valid[-(leaf - 1):] = False
            if not valid.any():
                continue
            gain = np.where(valid, gain, -np.inf)
            i = int(np.argmax(gain))
            if gain[i] > best_gain:
                best_gain = gain[i]
                best = (f, 0.5 * (xs[i] + xs[i + 1]))
        return best

    def predict(self, X):
        node = np.zeros(len(X), dtype=np.int64)
        rows = np.arange(len(X))
        while True:
            feat = self.feature[node]
            inner = feat >= 0
            if not inner.any():
                return self.value[node]
            r, nd = rows[inner], node[inner]
            go_left = X[r, feat[inner]] <= self.threshold[nd]
            node[r] = np.where(go_left, self.left[nd], self.right[nd])


class Model:
    def __init__(self, n_estimators=400, learning_rate=0.02, max_depth=2,
                 min_samples_leaf=20, subsample=0.8, random_state=0):
        self.n_estimators = int(n_estimators)
        self.learning_rate = float(learning_rate)
        self.max_depth = int(max_depth)
        self.min_samples_leaf = int(min_samples_leaf)
        self.subsample = float(subsample)
        self.random_state = random_state

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        rng = np.random.default_rng(self.random_state)
        n = len(y)
        self.init_ = float(y.mean())  # the best constant under squared loss
        pred = np.full(n, self.init_)
        self.trees_ = []
        for _ in range(self.n_estimators):
            residual = y - pred  # negative gradient of 1/2 (y - F)^2
            if self.subsample < 1.0:
                rows = rng.choice(n, size=max(2, int(round(self.subsample * n))), replace=False)
            else:
                rows = np.arange(n)
            tree = RegressionTree(self.max_depth, self.min_samples_leaf).fit(X[rows], residual[rows])
            pred += self.learning_rate * tree.predict(X)
            self.trees_.append(tree)
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=np.float64)
        pred = np.full(len(X), self.init_)
        for tree in self.trees_:
            pred += self.learning_rate * tree.predict(X)
        return pred
