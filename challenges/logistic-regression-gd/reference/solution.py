"""Reference solution: logistic regression trained by batch gradient descent, from scratch.

The features are standardised first (their raw scales differ by four orders
of magnitude, which would force a tiny step size on plain gradient descent).
The loss is the mean log loss plus a small L2 penalty on the weights (not on
the intercept); every iteration uses the gradient over all training rows. The
sigmoid is evaluated in a numerically stable way so that extreme logits never
give exp overflows or probabilities of exactly 0 or 1.
"""

import numpy as np


def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


class Model:
    def __init__(self, learning_rate=0.5, max_iter=3000, l2=1e-4, tol=1e-7):
        self.learning_rate = float(learning_rate)
        self.max_iter = int(max_iter)
        self.l2 = float(l2)
        self.tol = float(tol)

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        t = (y == self.classes_[-1]).astype(np.float64)  # 1 for the larger label
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        Z = (X - self.mean_) / self.scale_
        n, d = Z.shape
        w = np.zeros(d)
        prior = np.clip(t.mean(), 1e-6, 1 - 1e-6)
        b = np.log(prior / (1 - prior))  # start at the class prior
        for _ in range(self.max_iter):
            p = sigmoid(Z @ w + b)
            err = p - t
            grad_w = Z.T @ err / n + self.l2 * w
            grad_b = err.mean()
            w -= self.learning_rate * grad_w
            b -= self.learning_rate * grad_b
            if max(np.abs(grad_w).max(), abs(grad_b)) < self.tol:
                break
        self.coef_, self.intercept_ = w, b
        return self

    def predict_proba(self, X):
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        p = sigmoid(Z @ self.coef_ + self.intercept_)
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
