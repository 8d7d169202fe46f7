"""Starter for "Neural network from scratch".

Fill in the methods below. Only numpy (and pandas) are available: no
scikit-learn, no scipy, no PyTorch. The forward pass, the loss, its gradient
(backpropagation) and the optimiser are yours to write.
"""

import numpy as np


class Model:
    def __init__(self, **params):
        """Store the hyper-parameters.

        The grader calls ``Model()`` with no arguments: give every
        hyper-parameter (layer sizes, learning rate, epochs, batch size,
        regularisation, random seed, ...) a default value.
        """
        self.params = params

    def fit(self, X, y):
        """Train the network.

        X: numpy float64 array of shape (n_samples, 10).
        y: numpy integer array of shape (n_samples,), values 0, 1, 2.
        Return ``self``.
        """
        # TODO: standardise X; initialise the weights; repeat: forward pass,
        # softmax cross-entropy, backpropagate the gradients, update.
        raise NotImplementedError("fit is not written yet")

    def predict_proba(self, X):
        """Optional: an (n_samples, 3) array of class probabilities, columns in the order 0, 1, 2."""
        raise NotImplementedError("predict_proba is not written yet")

    def predict(self, X):
        """Return a 1-D array with one label (0, 1 or 2) per row."""
        raise NotImplementedError("predict is not written yet")
