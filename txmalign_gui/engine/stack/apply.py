"""Resample a whole stack with its transforms (one interpolation per image)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..progress import as_progress
from ..transform import Transform, apply_transform


def apply_transforms(stack, transforms, order: int = 1, fill: float = np.nan, progress=None) -> np.ndarray:
    """Return the aligned stack as float32 (N, H, W); pixels from outside an image get `fill`."""
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
