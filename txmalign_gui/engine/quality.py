"""Independent checks of a registration answer, so a confident-looking but wrong peak is not trusted."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .transform import Transform, apply_transform

# Edge agreement below which the edges of the two images are taken not to coincide after registration.
MIN_EDGE_AGREEMENT = 0.15


def edge_agreement(fixed: np.ndarray, moving: np.ndarray, transform: Transform, sigma: float = 2.0) -> float:
    """Correlation (-1..1) of the edge strength of `fixed` and of `moving` resampled with `transform`.

    Edge strength (gradient magnitude) survives changes of contrast and background, so a correct
    alignment keeps it high (about 0.3 or more on TXM images) while a peak caused by a background
    pattern gives nearly zero.
    """
    edges_fixed = ndimage.gaussian_gradient_magnitude(fixed, sigma)
    edges_moving = apply_transform(ndimage.gaussian_gradient_magnitude(moving, sigma), transform)
    overlap = np.isfinite(edges_moving)
    if overlap.sum() < 16:
        return 0.0
    a = edges_fixed[overlap] - edges_fixed[overlap].mean()
    b = edges_moving[overlap] - edges_moving[overlap].mean()
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm > 0 else 0.0
