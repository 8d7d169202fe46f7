"""Reference: two-sided CUSUM on robust summaries of each batch.

Each batch is summarised by a vector of statistics that move under the kinds
of change that matter:

  - a trimmed mean per feature (location; the trimming keeps heavy tails from
    moving it),
  - the log of the median absolute deviation per feature (spread),
  - the quadrant correlation of every pair of features, the mean of
    sign(x_i - median_i) * sign(x_j - median_j) (dependence; signs make it
    robust to outliers).

The first REFERENCE batches of a stream (and after every signal) are taken as
"normal": they give the mean and the standard deviation of each statistic.
Every later batch's statistics are standardised with them, and each feeds a
two-sided CUSUM (drift allowance K). A signal is raised when any CUSUM passes
H; the detector then forgets everything and learns "normal" again, so a
second change is measured against the new regime. H grows with the log of the
number of statistics (9 for three features, 65 for ten), for a low false
alarm rate either way: a missed alarm costs one
change, a stream of false alarms costs precision everywhere.
"""

import numpy as np

REFERENCE = 25   # batches that define "normal"
K = 0.5          # CUSUM drift allowance, in standard deviations of a statistic
H0, H_PER_LOG = 8.0, 3.0   # CUSUM threshold: H0 + H_PER_LOG * ln(number of statistics)


def trimmed_mean(x, cut=0.1):
    x = np.sort(x, axis=0)
    k = int(len(x) * cut)
    return x[k:len(x) - k].mean(axis=0)


class Detector:
    def __init__(self, n_features):
        self.d = int(n_features)
        self.pairs = [(i, j) for i in range(self.d) for j in range(i + 1, self.d)]
        n_stats = 2 * self.d + len(self.pairs)
        # More statistics, more chances for one to wander over the line by luck: raise it with their count.
        self.threshold = H0 + H_PER_LOG * np.log(n_stats)
        self._reset()

    def _reset(self):
        self.history = []
        self.centre = None
        self.mu = self.sigma = None
        self.up = self.down = None

    def _summary(self, batch):
        med = np.median(batch, axis=0) if self.centre is None else self.centre
        signs = np.sign(batch - med)
        mad = np.median(np.abs(batch - np.median(batch, axis=0)), axis=0)
        parts = [trimmed_mean(batch), np.log(mad + 1e-12)]
        if self.pairs:
            parts.append(np.array([np.mean(signs[:, i] * signs[:, j]) for i, j in self.pairs]))
        return np.concatenate(parts)

    def update(self, batch):
        batch = np.asarray(batch, dtype=float)
        if self.mu is None:
            self.history.append(batch)
            if len(self.history) == REFERENCE:
                self.centre = np.median(np.vstack(self.history), axis=0)
                stats = np.array([self._summary(b) for b in self.history])
                self.mu = stats.mean(axis=0)
                self.sigma = stats.std(axis=0, ddof=1) + 1e-9
                self.up = np.zeros_like(self.mu)
                self.down = np.zeros_like(self.mu)
                self.history = []
            return False
        z = (self._summary(batch) - self.mu) / self.sigma
        self.up = np.maximum(0.0, self.up + z - K)
        self.down = np.maximum(0.0, self.down - z - K)
        if max(self.up.max(), self.down.max()) > self.threshold:
            self._reset()
            return True
        return False
