"""The area that every aligned frame covers, as a rectangle to crop the aligned stack to."""

from __future__ import annotations

from typing import Any, Iterable, Sequence, Tuple

import numpy as np

from ..errors import InputError
from ..transform import coverage, from_row


def covered_by_all(shape: Sequence[int], transforms: Iterable[Any]) -> np.ndarray:
    """Bool image of the pixels that hold data in every frame resampled with its row of `transforms`."""
    table = np.asarray(transforms, dtype=float)
    common = np.ones(tuple(shape), dtype=bool)
    for row in table.reshape(-1, table.shape[-1] if table.size else 3):
        common &= coverage(shape, from_row(row))
    return common


def largest_box(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """A rectangle (y0, y1, x0, x1) holding only True pixels: the bounding box of `mask`, shrunk one line at
    a time on the side with the most False pixels (exact for the intersection of shifted frames)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        raise InputError("no pixel is covered by every frame; the shifts are larger than the image")
    rows, cols = np.nonzero(mask)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    while True:
        box = ~mask[y0:y1, x0:x1]
        if not box.any():
            return (int(y0), int(y1), int(x0), int(x1))
        sides = {"top": box[0].sum(), "bottom": box[-1].sum(), "left": box[:, 0].sum(), "right": box[:, -1].sum()}
        side = max(sides, key=sides.__getitem__)
        if side == "top":
            y0 += 1
        elif side == "bottom":
            y1 -= 1
        elif side == "left":
            x0 += 1
        else:
            x1 -= 1


def common_box(shape: Sequence[int], transforms: Iterable[Any]) -> Tuple[int, int, int, int]:
    """The rectangle (y0, y1, x0, x1) inside which every frame of the aligned stack holds data."""
    return largest_box(covered_by_all(shape, transforms))


def crop_stack(stack: Any, box: Sequence[int]) -> np.ndarray:
    """stack[:, y0:y1, x0:x1] for box = (y0, y1, x0, x1)."""
    y0, y1, x0, x1 = box
    return np.asarray(stack[:, y0:y1, x0:x1])
