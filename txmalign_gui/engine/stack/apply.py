"""Resample a whole stack with its transforms (one interpolation per image)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..progress import as_progress
from ..transform import apply_transform, from_row, table_kind


def apply_transforms(stack, transforms, *, order: int = 1, fill: float = np.nan, progress=None) -> np.ndarray:
    """Resample every image with its transform, in one interpolation each.

    Parameters
    ----------
    stack : array_like (N, H, W)
        The images to move.
    transforms : array_like (N, 3), (N, 4) or (N, 6)
        Rows in the convention of `register_pair` (e.g. ``StackResult.transforms``): rigid (dy, dx,
        angle_deg), similarity (dy, dx, angle_deg, scale) or affine (dy, dx, a11, a12, a21, a22); see
        `engine.transform`.
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
    try:
        table_kind(table)
    except ValueError as error:
        raise InputError(str(error)) from None
    if table.shape[0] != shape[0]:
        raise InputError(f"need one transform row per image: {shape[0]} rows, got {table.shape[0]}")
    if not np.isfinite(table).all():
        raise InputError("the transforms contain NaN or infinite values")
    reporter = as_progress(progress)
    out = np.empty(tuple(shape), dtype=np.float32)
    for index in range(shape[0]):
        frame = np.asarray(stack[index], dtype=np.float32)
        out[index] = apply_transform(frame, from_row(table[index]), order=order, cval=fill)
        reporter.update((index + 1) / shape[0], f"applied {index + 1} of {shape[0]} transforms")
    return out
