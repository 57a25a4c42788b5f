"""Robust display levels: percentiles that ignore hot pixels and the NaN borders of aligned frames."""

from __future__ import annotations

import numpy as np

LOW_PERCENTILE = 0.5
HIGH_PERCENTILE = 99.5
_MAX_SAMPLES = 1_000_000


def robust_levels(pixels, low: float = LOW_PERCENTILE, high: float = HIGH_PERCENTILE) -> tuple:
    """(black, white) display levels from the finite pixels of one frame or a set of frames."""
    values = np.asarray(pixels, dtype=np.float32).ravel()
    if values.size > _MAX_SAMPLES:
        values = values[:: values.size // _MAX_SAMPLES + 1]
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    black, white = np.percentile(values, (low, high))
    if white <= black:
        white = black + max(abs(float(black)) * 1e-6, 1e-6)
    return float(black), float(white)


def sample_frame_indices(count: int, samples: int = 12) -> list:
    """Evenly spaced frame indices used to estimate whole-stack levels without reading every frame."""
    if count <= samples:
        return list(range(count))
    return sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})
