"""Reference solution: k-means written from scratch with numpy.

Lloyd's algorithm (assign every point to its nearest centre, move every
centre to the mean of its points, repeat until the centres stop moving),
started from k-means++ seeds and restarted ``n_init`` times; the run with the
lowest inertia (sum of squared distances to the assigned centres) wins. A
cluster that loses all its points is re-seeded at the point farthest from its
centre. ``predict`` assigns new points to the nearest learned centre.

Everything random comes from one ``numpy.random.default_rng(random_state)``,
so a given dataset always gives the same clustering.
"""

import numpy as np


def sq_dist(X, C):
    """Squared Euclidean distances between the rows of X and C, shape (len(X), len(C))."""
    d = (X * X).sum(axis=1)[:, None] - 2.0 * X @ C.T + (C * C).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


class Model:
    def __init__(self, n_clusters=5, n_init=10, max_iter=300, tol=1e-6, random_state=0):
        self.n_clusters = int(n_clusters)
        self.n_init = int(n_init)
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.random_state = random_state

    def _kmeanspp(self, X, rng):
        """k-means++: each next seed is drawn with probability proportional to D(x)^2."""
        n = len(X)
        centres = [X[rng.integers(n)]]
        closest = sq_dist(X, centres[0][None, :])[:, 0]
        for _ in range(1, self.n_clusters):
            total = closest.sum()
            if total <= 0:  # fewer distinct points than clusters
                idx = rng.integers(n)
            else:
                idx = rng.choice(n, p=closest / total)
            centres.append(X[idx])
            closest = np.minimum(closest, sq_dist(X, X[idx][None, :])[:, 0])
        return np.array(centres)

    def _lloyd(self, X, centres):
        scale = max(float(np.mean(X.var(axis=0))), 1e-12)  # tolerance relative to the data's spread
        for _ in range(self.max_iter):
            d = sq_dist(X, centres)
            labels = d.argmin(axis=1)
            new = centres.copy()
            for k in range(self.n_clusters):
                members = labels == k
                if members.any():
                    new[k] = X[members].mean(axis=0)
                else:  # empty cluster: move it to the worst-served point
                    new[k] = X[d[np.arange(len(X)), labels].argmax()]
            shift = ((new - centres) ** 2).sum()
            centres = new
            if shift <= self.tol * scale:
                break
        d = sq_dist(X, centres)
        labels = d.argmin(axis=1)
        return centres, labels, d[np.arange(len(X)), labels].sum()

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        rng = np.random.default_rng(self.random_state)
        best = None
        for _ in range(self.n_init):
            centres, labels, inertia = self._lloyd(X, self._kmeanspp(X, rng))
            if best is None or inertia < best[2]:
                best = (centres, labels, inertia)
        self.cluster_centers_, self.labels_, self.inertia_ = best
        return self

    def predict(self, X):
        return sq_dist(np.asarray(X, dtype=np.float64), self.cluster_centers_).argmin(axis=1)
