"""Correlative registration of an electron-microscopy image onto an X-ray image.

`PointMap` (2 x 3 matrix: EM (row, col) -> X-ray (row, col), absolute pixels), `fit_landmarks` (least-squares
similarity or affine from >= 3 clicked pairs, with residuals), `correlate` (mutual-information refinement on
a pyramid, from landmarks, from nothing or from the learned guess, with an honest status) and `resample_em`
(the EM image drawn in the X-ray frame, NaN outside).
"""

from .correlate import CORRELATE_PARAMS, STARTS, CorrelativeResult, correlate
from .geometry import PointMap, resample_em
from .initial import learned_available
from .landmarks import MODELS, LandmarkFit, fit_landmarks, residuals_of

__all__ = ["CORRELATE_PARAMS", "STARTS", "MODELS", "CorrelativeResult", "correlate", "PointMap", "resample_em",
           "LandmarkFit", "fit_landmarks", "residuals_of", "learned_available"]
