"""Subpixel phase correlation (upsampled DFT, scikit-image), with an optional band-pass filter.

Fast and accurate when both images share contrast; fails when backgrounds or
contrast differ strongly (the TVDM paper's experiments show where).
"""

from __future__ import annotations

import numpy as np
from skimage.filters import difference_of_gaussians, window
from skimage.registration import phase_cross_correlation

from ..params import Param, ParamSet
from ..quality import MIN_EDGE_AGREEMENT, edge_agreement
from ..result import FAILED, LOW_CONFIDENCE, OK, MethodOutcome
from ..transform import Transform
from .registry import MethodSpec, register_method

PARAMS = ParamSet((
    Param("upsample", "Upsampling factor", int, 100,
          "Subpixel precision is 1/upsample px; 100 gives 0.01 px.", minimum=1, maximum=1000),
    Param("bandpass_low", "Band-pass low sigma (px)", float, 0.0,
          "Gaussian sigma that removes pixel noise before correlating; 0 turns it off.",
          minimum=0.0, maximum=50.0),
    Param("bandpass_high", "Band-pass high sigma (px)", float, 0.0,
          "Gaussian sigma whose blur is subtracted to remove slow backgrounds; 0 turns it off.",
          minimum=0.0, maximum=500.0),
    Param("window", "Hann window", bool, True,
          "Taper the image edges so they do not dominate the correlation."),
))

# Peak-to-mean ratio of the normalised cross-power spectrum below which a peak is not trusted.
_MIN_PEAK_RATIO = 8.0


def _prepare(image: np.ndarray, mask, params: dict) -> np.ndarray:
    work = image.copy()
    if mask is not None:
        work[~mask] = float(work[mask].mean())
    low, high = params["bandpass_low"], params["bandpass_high"]
    if low > 0 or high > 0:
        work = difference_of_gaussians(work, low, high if high > 0 else None)
    work = work - work.mean()
    if params["window"]:
        work = work * window("hann", work.shape)
    return work


def peak_ratio(fixed: np.ndarray, moving: np.ndarray) -> float:
    """Height of the phase-correlation peak over the mean of the correlation surface."""
    product = np.fft.fft2(fixed) * np.fft.fft2(moving).conj()
    product /= np.maximum(np.abs(product), 1e-12)
    surface = np.abs(np.fft.ifft2(product))
    return float(surface.max() / max(surface.mean(), 1e-12))


def run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    a = _prepare(fixed, fixed_mask, params)
    b = _prepare(moving, moving_mask, params)
    progress.update(0.3, "phase correlation")
    shift, error, _ = phase_cross_correlation(a, b, upsample_factor=params["upsample"],
                                              normalization=None)
    ratio = peak_ratio(a, b)
    transform = Transform(float(shift[0]), float(shift[1]), 0.0)
    edges = edge_agreement(fixed, moving, transform)
    confidence = float(np.clip((ratio - 1.0) / (4 * _MIN_PEAK_RATIO), 0.0, 1.0) * np.clip(edges / 0.3, 0.0, 1.0))
    if ratio < _MIN_PEAK_RATIO / 2:
        status, message = FAILED, f"no clear correlation peak (peak/mean {ratio:.1f})"
    elif ratio < _MIN_PEAK_RATIO:
        status, message = LOW_CONFIDENCE, f"weak correlation peak (peak/mean {ratio:.1f})"
    elif edges < MIN_EDGE_AGREEMENT:
        status, message = LOW_CONFIDENCE, (f"edges do not coincide after the shift (agreement {edges:.2f}); "
                                           "backgrounds may dominate: try tvdm or a band-pass")
    else:
        status, message = OK, ""
    return MethodOutcome(transform, cost=float(error),
                         confidence=confidence, status=status, message=message,
                         details={"peak_ratio": ratio, "edge_agreement": edges})


SPEC = register_method(MethodSpec(
    name="phasecorr", label="Phase correlation",
    description="Subpixel phase correlation (upsampled DFT); fast, translation only, "
                "best when both images share contrast.",
    params=PARAMS, run=run, supports_rotation=False))
