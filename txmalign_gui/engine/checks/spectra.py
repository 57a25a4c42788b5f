"""Intensity against frame (energy) at a pixel or over a region of a stack; NaN pixels (outside an aligned
frame) are left out."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from ..errors import InputError

STATISTICS = ("mean", "sum", "max")


def _stack_shape(stack: Any) -> Tuple[int, ...]:
    shape = tuple(getattr(stack, "shape", np.shape(stack)))
    if len(shape) != 3:
        raise InputError(f"expected a stack of shape (images, rows, columns), got {shape}")
    return shape


def point_spectrum(stack: Any, row: int, col: int) -> np.ndarray:
    """The value of pixel (row, col) in every frame, as float64."""
    _, height, width = _stack_shape(stack)
    if not (0 <= row < height and 0 <= col < width):
        raise InputError(f"pixel (x {col}, y {row}) is outside the {width} x {height} image")
    return np.asarray(stack[:, row, col], dtype=np.float64)


def rect_mask(shape: Sequence[int], rect: Sequence[float]) -> np.ndarray:
    """A bool image of `shape` that is True inside `rect` = (y0, y1, x0, x1), clipped to the image."""
    y0, y1, x0, x1 = (int(round(v)) for v in rect)
    mask = np.zeros(shape, dtype=bool)
    mask[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = True
    return mask


def region_spectrum(stack: Any, mask: npt.ArrayLike, statistic: str = "mean") -> np.ndarray:
    """The mean, sum or max over the True pixels of `mask` in every frame (NaN pixels ignored)."""
    count, height, width = _stack_shape(stack)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (height, width):
        raise InputError(f"the region has shape {mask.shape} but the frames are {(height, width)}")
    if statistic not in STATISTICS:
        raise InputError(f"unknown statistic {statistic!r}; choose one of {', '.join(STATISTICS)}")
    if not mask.any():
        raise InputError("the region holds no pixel")
    rows, cols = np.nonzero(mask)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    inner = mask[y0:y1, x0:x1]
    values = np.asarray(stack[:, y0:y1, x0:x1], dtype=np.float64)[:, inner]
    reduce = dict[str, Callable[..., np.ndarray]](mean=np.nanmean, sum=np.nansum, max=np.nanmax)[statistic]
    with warnings.catch_warnings():  # frames whose region is all NaN give NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        out = reduce(values, axis=1)
    out[~np.isfinite(values).any(axis=1)] = np.nan
    return out


def absorbance(values: npt.ArrayLike) -> np.ndarray:
    """-ln(values) for transmission values; NaN where a value is not positive."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    positive = values > 0
    out[positive] = -np.log(values[positive])
    return out

