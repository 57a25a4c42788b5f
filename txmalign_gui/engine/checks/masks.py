"""Pixel masks drawn by hand (polygon, brush) or made by thresholding an image; True = selected pixel."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import numpy.typing as npt
from skimage.draw import disk, polygon

from ..errors import InputError


def polygon_mask(shape: Sequence[int], vertices: npt.ArrayLike) -> np.ndarray:
    """True for the pixels whose centres lie inside the polygon with `vertices` [(row, col), ...]."""
    vertices = np.asarray(vertices, dtype=float)
    if vertices.ndim != 2 or vertices.shape[1] != 2 or len(vertices) < 3:
        raise InputError("a polygon needs at least 3 corners")
    mask = np.zeros(shape, dtype=bool)
    rows, cols = polygon(vertices[:, 0], vertices[:, 1], shape=shape)
    mask[rows, cols] = True
    return mask


def brush_mask(mask: npt.ArrayLike, centre: Union[Sequence[float], np.ndarray], radius: float,
               value: bool = True) -> np.ndarray:
    """A copy of `mask` with the disk of `radius` pixels around `centre` (row, col) set to `value`."""
    out = np.array(mask, dtype=bool, copy=True)
    if radius <= 0:
        raise InputError(f"the brush radius must be positive, got {radius}")
    rows, cols = disk(tuple(float(c) for c in centre), float(radius), shape=out.shape)
    out[rows, cols] = bool(value)
    return out


def brush_stroke(mask: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike, radius: float,
                 value: bool = True) -> np.ndarray:
    """A copy of `mask` painted with disks of `radius` at every pixel step from `start` to `end` (row, col),
    so a fast drag leaves no gaps."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    steps = max(1, int(np.ceil(np.hypot(*(end - start)))))
    out = np.array(mask, dtype=bool, copy=True)
    for t in np.linspace(0.0, 1.0, steps + 1):
        out = brush_mask(out, start + t * (end - start), radius, value)
    return out


def threshold_mask(image: npt.ArrayLike, low: Optional[float] = None, high: Optional[float] = None) -> np.ndarray:
    """True where low <= image <= high (either bound may be None); NaN pixels are never selected."""
    image = np.asarray(image, dtype=np.float64)
    if low is not None and high is not None and low > high:
        raise InputError(f"the lower threshold {low:g} is above the upper one {high:g}")
    mask: np.ndarray = np.isfinite(image)
    if low is not None:
        mask &= image >= low
    if high is not None:
        mask &= image <= high
    return mask
