"""Baseline: softmax regression on token counts (a bag of tokens, numpy only).

It sees how often each token occurs and nothing of their order. The counts
of the three marker tokens are drawn independently of the label, so this
model can do no better than guessing among the six orders.
"""

import numpy as np


class Model:
    def __init__(self, vocab_size=13, learning_rate=0.5, max_iter=300, **params):
        self.vocab_size, self.learning_rate, self.max_iter = int(vocab_size), float(learning_rate), int(max_iter)

    def _counts(self, X):
        X = np.asarray(X, dtype=np.int64)
        counts = np.stack([(X == t).sum(axis=1) for t in range(1, self.vocab_size)], axis=1).astype(float)
        return (counts - self.mean_) / self.scale_

    def fit(self, X, y):
        self.mean_, self.scale_ = 0.0, 1.0
        raw = self._counts(X)
        self.mean_, self.scale_ = raw.mean(axis=0), raw.std(axis=0) + 1e-12
        F = self._counts(X)
        self.classes_, idx = np.unique(np.asarray(y), return_inverse=True)
        Y = np.eye(len(self.classes_))[idx]
        self.W = np.zeros((F.shape[1], len(self.classes_)))
        self.b = np.zeros(len(self.classes_))
        for _ in range(self.max_iter):
            P = self._softmax(F @ self.W + self.b)
            self.W -= self.learning_rate * F.T @ (P - Y) / len(F)
            self.b -= self.learning_rate * (P - Y).mean(axis=0)
        return self

    @staticmethod
    def _softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        return self._softmax(self._counts(X) @ self.W + self.b)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
