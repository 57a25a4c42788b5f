"""The TVDM cost: mean absolute gradient of (smoothed fixed - smoothed, transformed moving) over the overlap.

The gradient is linear, so for an integer shift the cost only needs the two images' gradients, computed
once: each candidate is slicing, a subtraction and a sum.  Unusable pixels (masks, outside the image) are
NaN and drop out; dividing by the number of compared pixels keeps small overlaps from looking good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from scipy import ndimage


def smooth(image: np.ndarray, mask: Optional[np.ndarray], sigma: float) -> np.ndarray:
    """Gaussian-filtered float32 copy of `image`; masked pixels neither contribute nor survive (NaN)."""
    if mask is None:
        out = ndimage.gaussian_filter(image, sigma) if sigma > 0 else image
        return out.astype(np.float32)
    if sigma > 0:
        weight = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
        blurred = ndimage.gaussian_filter(np.where(mask, image, 0.0), sigma)
        out = blurred / np.maximum(weight, 1e-12)
    else:
        out = image.copy()
    out = out.astype(np.float32)
    out[~mask] = np.nan
    return out


@dataclass(frozen=True)
class Gradients:
    """Forward differences along rows (gy) and columns (gx); `has_nan` says whether any sample is unusable."""

    gy: np.ndarray
    gx: np.ndarray
    has_nan: bool

    @classmethod
    def of(cls, image: np.ndarray) -> "Gradients":
        gy = image[1:, :] - image[:-1, :]
        gx = image[:, 1:] - image[:, :-1]
        return cls(gy, gx, bool(np.isnan(gy).any() or np.isnan(gx).any()))

    @property
    def shape(self) -> Tuple[int, int]:
        return self.gx.shape[0], self.gy.shape[1]


def _abs_sum(fixed: np.ndarray, moving: np.ndarray, has_nan: bool) -> Tuple[float, int]:
    diff = np.abs(fixed - moving)
    if not has_nan:
        return float(diff.sum(dtype=np.float64)), diff.size
    unusable = np.isnan(diff)
    return float(np.sum(diff, where=~unusable, dtype=np.float64)), diff.size - int(np.count_nonzero(unusable))


def aligned_cost(fixed: Gradients, moving: Gradients, min_count: int = 1) -> float:
    """TVDM of two gradient sets already on the same pixel grid; inf when fewer than `min_count` samples."""
    has_nan = fixed.has_nan or moving.has_nan
    total, count = 0.0, 0
    for a, b in ((fixed.gy, moving.gy), (fixed.gx, moving.gx)):
        s, n = _abs_sum(a, b, has_nan)
        total += s
        count += n
    return total / count if count >= max(min_count, 1) else np.inf


def _overlap(length: int, shift: int) -> Tuple[slice, slice]:
    """Slices of fixed and moving along one axis for moving displaced by `shift` pixels."""
    return slice(max(0, shift), min(length, length + shift)), slice(max(0, -shift), min(length, length - shift))


def shift_cost(fixed: Gradients, moving: Gradients, dy: int, dx: int, min_count: int = 1) -> float:
    """TVDM for moving shifted by the integer (dy, dx), compared on the overlap only (no wrap-around)."""
    has_nan = fixed.has_nan or moving.has_nan
    total, count = 0.0, 0
    for a, b in ((fixed.gy, moving.gy), (fixed.gx, moving.gx)):
        fy, my = _overlap(a.shape[0], dy)
        fx, mx = _overlap(a.shape[1], dx)
        if fy.start >= fy.stop or fx.start >= fx.stop:
            continue
        s, n = _abs_sum(a[fy, fx], b[my, mx], has_nan)
        total += s
        count += n
    return total / count if count >= max(min_count, 1) else np.nan


def v_fit(before: float, at: float, after: float) -> float:
    """Subpixel offset in [-0.5, 0.5] of the minimum of a V-shaped (L1) cost sampled at -1, 0 and +1.

    The equiangular fit suits a sum of absolute values, whose minimum is a kink rather than a parabola.
    """
    rise = max(before, after) - at
    if not np.isfinite(rise) or rise <= 0:
        return 0.0
    return float(np.clip((before - after) / (2.0 * rise), -0.5, 0.5))
