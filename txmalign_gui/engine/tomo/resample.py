"""Shifting projections by their current corrections and binning them for one resolution level."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def shift_and_bin(projections: np.ndarray, dy, dx, binning: int) -> np.ndarray:
    """Each projection shifted by (dy[i], dx[i]) (edge values extend), then averaged over binning^2 blocks.

    When a side is not a multiple of `binning` the leftover pixels are trimmed evenly from both ends (with
    a half-pixel shift when their number is odd), so the binned centre stays on the full image's centre.
    """
    count, rows, cols = projections.shape
    (trim_y, half_y), (trim_x, half_x) = _trim(rows, binning), _trim(cols, binning)
    out_rows, out_cols = rows // binning, cols // binning
    out = np.empty((count, out_rows, out_cols), dtype=np.float32)
    for i, image in enumerate(projections):
        moved = ndimage.shift(image, (dy[i] - half_y, dx[i] - half_x), order=1, mode="nearest")
        block = moved[trim_y:trim_y + out_rows * binning, trim_x:trim_x + out_cols * binning]
        out[i] = block.reshape(out_rows, binning, out_cols, binning).mean(axis=(1, 3))
    return out


def _trim(size: int, binning: int) -> tuple:
    """Pixels to drop at the start and the extra half-pixel shift that keeps a binned axis centred."""
    left_over = size % binning
    return left_over // 2, (left_over % 2) / 2.0
