"""Resample a whole stack with its transforms (one interpolation per image)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..progress import as_progress
from ..transform import Transform, apply_transform


def apply_transforms(stack, transforms, *, order: int = 1, fill: float = np.nan, progress=None) -> np.ndarray:
    """Resample every image with its transform, in one interpolation each.

    Parameters
    ----------
    stack : array_like (N, H, W)
        The images to move.
    transforms : array_like (N, 3)
        Rows (dy, dx, angle_deg) in the convention of `register_pair` (e.g. ``StackResult.transforms``).
    order : int
        Spline order of the interpolation (1 = linear, 3 = cubic).
    fill : float
        Value of pixels that come from outside an image (NaN by default, so they are easy to exclude).
    progress : Progress or callable, optional
        As for `register_pair`.

    Returns
    -------
    numpy.ndarray, float32 (N, H, W)
        The aligned stack.

    Raises
    ------
    InputError
        When the shapes disagree or a transform would move an image out of its frame.
    """
    shape = getattr(stack, "shape", None) or np.shape(stack)
    table = np.asarray(transforms, dtype=float)
    if len(shape) != 3:
        raise InputError(f"expected a stack of shape (images, rows, columns), got {tuple(shape)}")
    if table.shape != (shape[0], 3):
        raise InputError(f"need one (dy, dx, angle_deg) row per image: {shape[0]} x 3, got {table.shape}")
    if not np.isfinite(table).all():
        raise InputError("the transforms contain NaN or infinite values")
    reporter = as_progress(progress)
    out = np.empty(tuple(shape), dtype=np.float32)
    for index in range(shape[0]):
        frame = np.asarray(stack[index], dtype=np.float32)
        out[index] = apply_transform(frame, Transform(*table[index]), order=order, cval=fill)
        reporter.update((index + 1) / shape[0], f"applied {index + 1} of {shape[0]} transforms")
    return out
