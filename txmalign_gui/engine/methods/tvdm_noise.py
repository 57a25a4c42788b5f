"""Noise level of an image pair and the smoothing TVDM needs on each pyramid level to see past it.

TVDM compares gradients, and differencing amplifies pixel noise: at the paper's strongest noise the
gradient of the noise is several times the gradient of the features at the default sigma = 1, so the
finest levels cannot resolve the minimum.  The noise standard deviation is estimated from the images
(median absolute 2 x 2 second difference, which smooth image content barely feeds), the variance that
noise leaves in a smoothed gradient follows exactly from the Gaussian kernel, and each level is smoothed
just enough for the features to dominate the gradients again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence, Tuple

import numpy as np

from .tvdm_cost import Gradients

# Smoothing widths (px of the level) tried in turn when noise dominates at the requested one.
SIGMA_STEPS = (1.5, 2.0, 3.0, 4.0, 6.0)
# A level is noise-dominated while noise makes up more than this fraction of its gradients' variance.
MAX_NOISE_FRACTION = 0.5
# The noise estimate looks at every this-many-th row and column of large images (it is a median).
_STRIDE_ABOVE = 128 * 128


def noise_sigma(image: np.ndarray) -> float:
    """Robust estimate of the standard deviation of white noise in `image` (NaN pixels ignored).

    (a - b - c + d) / 2 over each 2 x 2 block has the noise's standard deviation and cancels gradients;
    its median absolute value / 0.6745 ignores the edges where image content leaks in."""
    work = image
    if work.size > 4 * _STRIDE_ABOVE:
        step = int(math.sqrt(work.size / _STRIDE_ABOVE))
        rows = (work.shape[0] - 1) // step * step
        cols = (work.shape[1] - 1) // step * step
        a, b = work[0:rows:step, 0:cols:step], work[0:rows:step, 1:cols + 1:step]
        c, d = work[1:rows + 1:step, 0:cols:step], work[1:rows + 1:step, 1:cols + 1:step]
    else:
        a, b, c, d = work[:-1, :-1], work[:-1, 1:], work[1:, :-1], work[1:, 1:]
    values = np.abs(a - b - c + d).ravel() / 2.0
    values = values[np.isfinite(values)]
    return float(np.median(values) / 0.6745) if values.size else 0.0


@lru_cache(maxsize=64)
def _kernel_overlaps(sigma: float) -> Tuple[float, float]:
    """(sum w_k^2, sum w_k w_k+1) of scipy's 1-D Gaussian kernel of `sigma` (the identity for 0)."""
    if sigma <= 0:
        return 1.0, 0.0
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    w /= w.sum()
    return float(np.dot(w, w)), float(np.dot(w[:-1], w[1:]))


def gradient_noise_variance(noise: float, sigma: float) -> float:
    """Variance of one forward-difference gradient component of white noise (std `noise`) smoothed by a
    Gaussian of `sigma` px: 2 noise^2 a0 (a0 - a1), a_d the kernel's overlap with itself shifted by d."""
    a0, a1 = _kernel_overlaps(float(sigma))
    return 2.0 * noise ** 2 * a0 * (a0 - a1)


@dataclass(frozen=True)
class LevelSmoothing:
    """Smoothing chosen for one level: `sigma` (px of the level), the share of gradient variance that is
    still noise there, whether noise forced more smoothing than requested, and the noise standard
    deviations estimated for the two images."""

    sigma: float
    noise_fraction: float
    adapted: bool
    noise: Tuple[float, ...]


def choose_smoothing(gradients_at: Sequence[Callable[[float], Gradients]], noises: Sequence[float],
                     requested: float) -> LevelSmoothing:
    """The requested smoothing, or the least of SIGMA_STEPS above it that leaves noise no more than
    MAX_NOISE_FRACTION of the gradient variance of every image.

    `gradients_at[i](sigma)` gives the gradients of image i smoothed by `sigma` (it knows the image's mask and
    may cache them: the caller reuses the chosen ones), `noises[i]` its noise standard deviation."""
    candidates = [requested] + [s for s in SIGMA_STEPS if s > requested]
    fraction = 1.0
    for sigma in candidates:
        fractions = []
        for gradient_of, noise in zip(gradients_at, noises):
            power = gradient_of(sigma).power
            fractions.append(min(gradient_noise_variance(noise, sigma) / power, 1.0) if power > 0 else 1.0)
        fraction = max(fractions)
        if fraction <= MAX_NOISE_FRACTION:
            return LevelSmoothing(sigma, fraction, sigma != requested, tuple(noises))
    return LevelSmoothing(candidates[-1], fraction, True, tuple(noises))
