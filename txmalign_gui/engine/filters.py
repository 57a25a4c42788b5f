"""Gaussian smoothing and edge strength, as scipy.ndimage computes them but faster on large images."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def gaussian(image: np.ndarray, sigma: float, mode: str = "reflect") -> np.ndarray:
    """scipy's `gaussian_filter(image, sigma, mode=mode)` (truncated at 4 sigma; mode 'reflect' or
    'nearest'), faster on large images.

    ndimage filters along rows one strided column at a time, three to four times slower than along
    columns; here the pass along rows is a weighted sum of whole row blocks of a padded copy instead,
    which gives the same numbers (to float rounding) in a fraction of the time."""
    if mode not in ("reflect", "nearest"):
        raise ValueError(f"mode must be 'reflect' or 'nearest', not {mode!r}")
    if not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float64)
    radius = int(4.0 * sigma + 0.5)
    if image.ndim != 2 or image.shape[0] <= radius or radius == 0:
        return ndimage.gaussian_filter(image, sigma, mode=mode)
    taps = np.exp(-0.5 * (np.arange(radius + 1) / sigma) ** 2)
    taps = (taps / (2.0 * taps.sum() - taps[0])).astype(image.dtype)
    rows = image.shape[0]
    if mode == "reflect":
        above, below = image[radius - 1::-1], image[:rows - radius - 1:-1]
    else:
        above, below = np.repeat(image[:1], radius, axis=0), np.repeat(image[-1:], radius, axis=0)
    padded = np.concatenate([above, image, below], axis=0)
    out = padded[radius:radius + rows] * taps[0]
    pair = np.empty_like(out)
    for k in range(1, radius + 1):
        np.add(padded[radius - k:radius - k + rows], padded[radius + k:radius + k + rows], out=pair)
        pair *= taps[k]
        out += pair
    return ndimage.gaussian_filter1d(out, sigma, axis=1, mode=mode)


def edge_strength(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gradient magnitude of `image` smoothed by `sigma` (central differences): one smoothing instead of
    the two derivative-of-Gaussian filters of `ndimage.gaussian_gradient_magnitude`, for the same edges."""
    smoothed = gaussian(image, sigma)
    gy, gx = np.gradient(smoothed)
    return np.hypot(gy, gx)
