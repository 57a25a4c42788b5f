"""The learned first guess of the correlative map (the trained two-branch network of `engine.learned`).

The network is trained on synthetic X-ray / EM pairs and predicts a similarity (rotation, scale, shift); the
classic refinement then starts from it.  When the predictor is not part of this installation the request
fails with a clear message instead of silently falling back.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .geometry import PointMap


def learned_available() -> bool:
    """Whether a learned correlative predictor is installed."""
    try:
        from ..learned import correlative  # noqa: F401
    except ImportError:
        return False
    return True


def learned_guess(xray: np.ndarray, em: np.ndarray) -> PointMap:
    """The predictor's similarity map from `em` (row, col) to `xray` (row, col)."""
    try:
        from ..learned.correlative import predict_point_map
    except ImportError:
        raise InputError("the learned initial guess is not available in this installation; start from the "
                         "landmarks or from identity") from None
    matrix = predict_point_map(xray, em)
    return PointMap(np.asarray(matrix, dtype=float))
