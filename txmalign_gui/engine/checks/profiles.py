"""Line profiles with a width: samples every pixel step along a line, averaged across it (NaN ignored)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ..errors import InputError


def _sample_grid(p0: npt.ArrayLike, p1: npt.ArrayLike, width: int) -> np.ndarray:
    """(rows, cols) sampling coordinates of shape (width, length) for the line from p0 to p1 (row, col)."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    length = float(np.hypot(*(p1 - p0)))
    if length < 1.0:
        raise InputError("the line is shorter than one pixel; draw a longer line")
    if int(width) < 1:
        raise InputError(f"the line width must be 1 pixel or more, got {width}")
    count = int(np.floor(length)) + 1
    along = (p1 - p0) / length
    across = np.array([-along[1], along[0]])
    t = np.arange(count, dtype=float)
    s = np.arange(int(width), dtype=float) - (int(width) - 1) / 2.0
    points: np.ndarray = (p0[:, None, None] + along[:, None, None] * t[None, None, :]
                          + across[:, None, None] * s[None, :, None])
    return points


def line_profile(image: npt.ArrayLike, p0: npt.ArrayLike, p1: npt.ArrayLike, width: int = 1) -> np.ndarray:
    """Values along the line from p0 to p1 ((row, col), one sample per pixel of length, both ends
    included), each the mean of `width` samples spaced one pixel apart across the line (bilinear)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise InputError(f"a line profile needs a 2-D image, got shape {image.shape}")
    points = _sample_grid(p0, p1, width)
    samples = ndimage.map_coordinates(image, points, order=1, mode="constant", cval=np.nan)
    inside = ((points[0] >= 0) & (points[0] <= image.shape[0] - 1) & (points[1] >= 0)
              & (points[1] <= image.shape[1] - 1))
    samples[~inside] = np.nan
    with warnings.catch_warnings():  # columns that are all NaN give NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        profile: np.ndarray = np.nanmean(samples, axis=0)
        return profile


def stack_profiles(stack: Any, p0: npt.ArrayLike, p1: npt.ArrayLike, width: int = 1) -> np.ndarray:
    """The profile of every frame along the same line: (frames, positions)."""
    return np.stack([line_profile(stack[i], p0, p1, width) for i in range(len(stack))])
