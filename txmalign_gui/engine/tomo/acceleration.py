"""Extrapolation of the slow, smooth part of consistency-alignment steps.

On real series the horizontal corrections settle in two speeds: per-projection jitter within a few rounds,
but the rotation axis' position and smooth (low-harmonic in angle) deformations of dx only by about 3 % per
round, because a reprojection built mostly from neighbouring angles barely sees a shift that its
neighbours share.  Left alone, that mode drifts on after the tolerance has stopped the loop and leaves
smooth errors of 0.1 px.  Its steps keep their shape and shrink by a steady ratio r, so the remaining
distance is the geometric tail r / (1 - r) times the last step (Richardson / Aitken extrapolation): after
two plain rounds that measure r on the smooth part, that tail is added at once.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

# Harmonics of the angle that make up the "smooth" part of a step (0 is the axis offset).
HARMONICS = 6
# Ratios r outside this range are not a steady slow mode (noise, overshoot, or already fast).
_MIN_RATIO, _MAX_RATIO = 0.5, 0.99
# The smooth part must carry at least this share of the step's energy to be extrapolated.
_MIN_SMOOTH_SHARE = 0.5
# Largest multiple of the last step added at once (r = 0.97 gives 32).
_MAX_FACTOR = 40.0


def smooth_basis(angles_deg, harmonics: int = HARMONICS) -> np.ndarray:
    """(N, 2 * harmonics + 1) orthonormal columns spanning 1, cos(k t), sin(k t) for k = 1..harmonics."""
    theta = np.deg2rad(np.asarray(angles_deg, dtype=float))
    columns = [np.ones_like(theta)]
    for k in range(1, harmonics + 1):
        columns += [np.cos(k * theta), np.sin(k * theta)]
    basis, _ = np.linalg.qr(np.stack(columns, axis=1))
    return basis


class SmoothModeExtrapolator:
    """Fed the step of every round of one resolution level; returns the extra correction to add, if any.

    Steps are (N, 2) arrays (dy, dx).  After a plain round whose smooth part keeps the previous plain
    round's shape and shrinks by a ratio r in [0.5, 0.99], it returns r / (1 - r) times that smooth part;
    the next two rounds are plain again (a round right after a jump does not measure r).
    """

    def __init__(self, angles_deg):
        self.basis = smooth_basis(angles_deg)
        self.previous: Optional[np.ndarray] = None
        self.jumps = 0

    def smooth(self, step: np.ndarray) -> np.ndarray:
        """The part of `step` (N, 2) in the span of the low harmonics, per column."""
        return self.basis @ (self.basis.T @ step)

    def extra(self, step: np.ndarray) -> Optional[np.ndarray]:
        """The extrapolated remainder of the smooth mode after this round's `step`, or None."""
        smooth = self.smooth(step)
        previous, self.previous = self.previous, smooth
        if previous is None:
            return None
        norm = float(np.sum(previous * previous))
        if norm == 0.0 or np.sum(smooth * smooth) < _MIN_SMOOTH_SHARE * np.sum(step * step):
            return None
        ratio = float(np.sum(smooth * previous)) / norm
        # the shape must persist: the step is mostly the previous one scaled
        residual = smooth - ratio * previous
        if not _MIN_RATIO <= ratio <= _MAX_RATIO or np.sum(residual ** 2) > 0.1 * np.sum(smooth ** 2):
            return None
        self.previous = None  # the next round, after the jump, starts a new measurement
        self.jumps += 1
        return smooth * min(ratio / (1.0 - ratio), _MAX_FACTOR)
