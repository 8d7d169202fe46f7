"""Reference solution: a CART decision tree written from scratch with numpy.

Splits minimise the weighted Gini impurity of the two children. For each node
and each feature the rows are sorted once, class counts are accumulated with a
cumulative sum, and the impurity of every candidate threshold (midpoints
between distinct consecutive values) is evaluated in one vectorised step.
"""

import numpy as np


class Model:
    def __init__(self, max_depth=5, min_samples_leaf=5, min_samples_split=2):
        self.max_depth = int(max_depth)
        self.min_samples_leaf = max(1, int(min_samples_leaf))
        self.min_samples_split = max(2, int(min_samples_split))

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        onehot = np.eye(self.n_classes_)[y_idx]  # (n, K)

        # The tree is stored in flat lists; node i is a leaf when feature[i] == -1.
        self.feature_, self.threshold_ = [], []
        self.left_, self.right_, self.value_ = [], [], []
        self._grow(X, onehot, depth=0)
        self.feature_ = np.array(self.feature_)
        self.threshold_ = np.array(self.threshold_)
        self.left_ = np.array(self.left_)
        self.right_ = np.array(self.right_)
        self.value_ = np.array(self.value_)
        return self

    def _new_node(self, counts):
        self.feature_.append(-1)
        self.threshold_.append(0.0)
        self.left_.append(-1)
        self.right_.append(-1)
        self.value_.append(counts / counts.sum())
        return len(self.feature_) - 1

    def _grow(self, X, onehot, depth):
        counts = onehot.sum(axis=0)
        node = self._new_node(counts)
        n = len(X)
        if (
            depth >= self.max_depth
            or n < self.min_samples_split
            or n < 2 * self.min_samples_leaf
            or np.count_nonzero(counts) == 1
        ):
            return node
        split = self._best_split(X, onehot, counts)
        if split is None:
            return node
        feature, threshold = split
        go_left = X[:, feature] <= threshold
        self.feature_[node] = feature
        self.threshold_[node] = threshold
        self.left_[node] = self._grow(X[go_left], onehot[go_left], depth + 1)
        self.right_[node] = self._grow(X[~go_left], onehot[~go_left], depth + 1)
        return node

    @staticmethod
    def _gini(counts, sizes):
        # counts: (m, K) class counts; sizes: (m,) row totals. Gini = 1 - sum p^2.
        p = counts / sizes[:, None]
        return 1.0 - np.sum(p * p, axis=1)

    def _best_split(self, X, onehot, counts):
        n = len(X)
        parent = self._gini(counts[None, :], np.array([float(n)]))[0]
        best_score, best = parent - 1e-12, None  # a split must strictly improve
        leaf = self.min_samples_leaf
        # Candidate split after sorted position i (left = first i+1 rows).
        n_left = np.arange(1, n, dtype=np.float64)
        n_right = n - n_left
        for f in range(X.shape[1]):
            order = np.argsort(X[:, f], kind="stable")
            xs = X[order, f]
            left_counts = np.cumsum(onehot[order], axis=0)[:-1]  # (n-1, K)
            right_counts = counts - left_counts
            # Weighted child impurity for every position at once.
            score = (
                n_left * self._gini(left_counts, n_left)
                + n_right * self._gini(right_counts, n_right)
            ) / n
            valid = xs[1:] > xs[:-1]  # only between distinct values
            valid[: leaf - 1] = False  # keep >= min_samples_leaf on each side
            if leaf > 1:
                valid[-(leaf - 1):] = False
            if not valid.any():
                continue
            score = np.where(valid, score, np.inf)
            i = int(np.argmin(score))
            if score[i] < best_score:
                best_score = score[i]
                best = (f, 0.5 * (xs[i] + xs[i + 1]))
        return best

    # -------------------------------------------------------------- predict
    def _leaves(self, X):
        X = np.asarray(X, dtype=np.float64)
        node = np.zeros(len(X), dtype=np.int64)
        rows = np.arange(len(X))
        while True:
            feat = self.feature_[node]
            inner = feat >= 0
            if not inner.any():
                return node
            r, nd = rows[inner], node[inner]
            go_left = X[r, feat[inner]] <= self.threshold_[nd]
            node[r] = np.where(go_left, self.left_[nd], self.right_[nd])

    def predict_proba(self, X):
        return self.value_[self._leaves(X)]

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
