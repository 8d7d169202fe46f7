"""Reference solution: a small convolutional network in PyTorch, trained on one CPU core.

The flat pixel rows are reshaped to (N, 1, 16, 16) images and standardised
with the training pixels' mean and spread. Two convolution blocks find
strokes and corners wherever they are: a 5x5 convolution with 12 channels
and a 3x3 one with 24, each followed by ReLU and 2x2 max-pooling, give a
24 x 4 x 4 map; a 48-unit dense layer combines them into the four classes.

Training: SGD with momentum 0.9, mini-batches of 32, learning rate 0.03
halved every 5 epochs, 15 epochs, weight decay 5e-4. About 4 s of CPU on one
core for 3,000 images. torch's generator is seeded, so a given dataset
always gives the same network.
"""

import numpy as np
import torch
from torch import nn


def network(height, width, classes):
    return nn.Sequential(
        nn.Conv2d(1, 12, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(24 * (height // 4) * (width // 4), 48), nn.ReLU(),
        nn.Linear(48, classes),
    )


class Model:
    def __init__(self, height=16, width=16, epochs=15, batch_size=32, learning_rate=0.03, seed=0, **params):
        self.height, self.width = int(height), int(width)
        self.epochs, self.batch_size, self.learning_rate, self.seed = int(epochs), int(batch_size), float(learning_rate), seed

    def _images(self, X):
        x = torch.as_tensor(np.asarray(X, dtype=np.float32)).reshape(-1, 1, self.height, self.width)
        return (x - self.mean_) / self.scale_

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_, idx = np.unique(np.asarray(y), return_inverse=True)
        X = np.asarray(X, dtype=np.float32)
        self.mean_, self.scale_ = float(X.mean()), float(X.std()) + 1e-6
        x, target = self._images(X), torch.as_tensor(idx, dtype=torch.long)
        self.net_ = network(self.height, self.width, len(self.classes_))
        opt = torch.optim.SGD(self.net_.parameters(), lr=self.learning_rate, momentum=0.9, weight_decay=5e-4)
        schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
        self.net_.train()
        for _ in range(self.epochs):
            for batch in torch.randperm(len(x)).split(self.batch_size):
                opt.zero_grad()
                nn.functional.cross_entropy(self.net_(x[batch]), target[batch]).backward()
                opt.step()
            schedule.step()
        self.net_.eval()
        return self

    def predict_proba(self, X):
        with torch.no_grad():
            logits = torch.cat([self.net_(b) for b in self._images(X).split(1024)])
        return logits.softmax(dim=1).numpy().astype(np.float64)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
