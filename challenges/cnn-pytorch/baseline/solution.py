"""Baseline: softmax regression on the raw pixels (a linear model, numpy only).

One weight per pixel and class. A shape can sit anywhere in the image, at any
size and angle, so no fixed pixel template describes a class: a linear model
learns little more than "where the ink usually is".
"""

import numpy as np


class Model:
    def __init__(self, learning_rate=0.5, max_iter=300, **params):
        self.learning_rate = float(learning_rate)
        self.max_iter = int(max_iter)

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        self.classes_, idx = np.unique(np.asarray(y), return_inverse=True)
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0) + 1e-12
        X = (X - self.mean_) / self.scale_
        Y = np.eye(len(self.classes_))[idx]
        self.W = np.zeros((X.shape[1], len(self.classes_)))
        self.b = np.zeros(len(self.classes_))
        for _ in range(self.max_iter):
            P = self._softmax(X @ self.W + self.b)
            self.W -= self.learning_rate * (X.T @ (P - Y) / len(X) + 1e-3 * self.W)
            self.b -= self.learning_rate * (P - Y).mean(axis=0)
        return self

    @staticmethod
    def _softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        X = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return self._softmax(X @ self.W + self.b)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
