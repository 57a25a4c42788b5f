"""Small helpers shared by the baseline methods: standardising and warping with usable-pixel maps."""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..transform import AnyTransform, apply_transform


def standardise(image: np.ndarray, mask: Optional[np.ndarray]) -> np.ndarray:
    """Zero mean and unit standard deviation over the usable pixels (keeps FFT sums well conditioned)."""
    values = image[mask] if mask is not None else image
    spread = float(values.std())
    return (image - float(values.mean())) / (spread if spread > 0 else 1.0)


def warp_with_mask(moving: np.ndarray, moving_mask: Optional[np.ndarray], transform: AnyTransform,
                   order: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """`moving` resampled by `transform` and the map of output pixels that come from usable input pixels."""
    values = apply_transform(moving, transform, order=order)
    source = np.ones(moving.shape) if moving_mask is None else moving_mask.astype(np.float64)
    usable = apply_transform(source, transform, order=1, cval=0.0) > 0.999
    usable &= np.isfinite(values)
    return values, usable
