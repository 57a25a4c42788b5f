"""The modality-independent cost of the correlative search: normalised mutual information of the X-ray and
resampled EM gray values over the pixels they share.

It is the same estimator as the `mi` registration method (joint histogram with linear bin weights over fixed
gray-value ranges, so the value is continuous in the transform), shared rather than copied.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from ..methods.intensity import _normalised_mi

Ranges = Tuple[Tuple[float, float], Tuple[float, float]]


def similarity(xray_values: np.ndarray, em_values: np.ndarray, bins: int, ranges: Ranges) -> float:
    """Normalised mutual information minus one, in [0, 1] (0: independent, 1: one determines the other)."""
    if xray_values.size < 16:
        return 0.0
    return _normalised_mi(xray_values, em_values, bins, ranges)
