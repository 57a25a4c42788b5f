"""The learned first guess of the correlative map (the trained two-branch network of `engine.learned`).

The network is trained on synthetic X-ray / EM pairs and predicts a similarity (rotation, scale, shift); the
classic refinement then starts from it.  When the predictor is not part of this installation the request
fails with a clear message instead of silently falling back.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InputError
from .geometry import PointMap


def learned_available() -> bool:
    """Whether a learned correlative predictor is installed."""
    from ..learned import correlative
    from ..learned.network import weights_path

    return os.path.exists(weights_path(correlative.WEIGHTS))


def learned_guess(xray: np.ndarray, em: np.ndarray) -> PointMap:
    """The predictor's similarity map from `em` (row, col) to `xray` (row, col)."""
    if not learned_available():
        raise InputError("the learned initial guess is not available in this installation; start from the "
                         "landmarks or from identity")
    from ..learned.correlative import predict_point_map

    matrix = predict_point_map(xray, em)
    return PointMap.from_matrix(np.asarray(matrix, dtype=float))
