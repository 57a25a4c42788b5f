"""Masked normalised cross-correlation (Padfield 2012) with a subpixel quadratic peak fit; translation only.

Only pixels usable in both images (e.g. outside a static beam block) enter the correlation at each shift,
so a fixed obstruction cannot pull the answer towards zero shift.  Without masks every pixel is used.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from scipy import fft, ndimage

from ..params import Param, ParamSet
from ..peaks import quadratic_peak
from ..quality import confirm
from ..result import FAILED, LOW_CONFIDENCE, OK, MethodOutcome
from ..transform import Transform
from ._common import standardise
from .registry import MethodSpec, register_method

PARAMS = ParamSet((
    Param("min_overlap", "Minimum overlap", float, 0.3,
          "Shifts where the usable pixels shared by both images fall below this fraction of the most "
          "they can share are not considered.", minimum=0.05, maximum=1.0),
    Param("max_shift", "Maximum shift (px)", float, 0.0,
          "Largest shift, in pixels along each axis, that the search considers; 0 means no limit.",
          minimum=0.0),
))

# A peak whose NCC times the square root of its overlap (pixels) is below this is indistinguishable from noise.
_MIN_PEAK_SCORE = 8.0
# A second peak this close to the best one (as a fraction of it) makes the answer ambiguous.
_AMBIGUOUS = 0.9
# Radius (px) around the best peak inside which other maxima belong to the same peak.
_PEAK_RADIUS = 4
# A second maximum is a rival peak only behind a valley deeper than this many times the surface's roughness;
# shallower, it is a noise bump on the shoulder of the best peak (strong noise raises many).
_VALLEY_ROUGHNESS = 4.0


def _correlate(a_hat: np.ndarray, b_hat: np.ndarray, shape) -> np.ndarray:
    """Real cross-correlation sum_p a(p) b(p - d) for every shift d from the real FFTs of a and b."""
    return fft.irfft2(a_hat * b_hat.conj(), s=shape)


def masked_ncc_surface(fixed: np.ndarray, moving: np.ndarray, fixed_mask: Optional[np.ndarray] = None,
                       moving_mask: Optional[np.ndarray] = None,
                       min_overlap: float = 0.3) -> Tuple[np.ndarray, np.ndarray]:
    """NCC between fixed(p) and moving(p - d) over the pixels usable in both, for every integer shift d.

    Returns (surface, overlap), both of shape (2 H - 1, 2 W - 1) with shift d at index d + (H - 1, W - 1);
    the surface is NaN where the overlap is below `min_overlap` times its maximum or has no contrast.
    """
    rows, cols = fixed.shape
    mf = np.ones(fixed.shape) if fixed_mask is None else fixed_mask.astype(np.float64)
    mm = np.ones(moving.shape) if moving_mask is None else moving_mask.astype(np.float64)
    f = standardise(fixed, fixed_mask) * mf
    m = standardise(moving, moving_mask) * mm
    shape = (fft.next_fast_len(2 * rows - 1, real=True), fft.next_fast_len(2 * cols - 1, real=True))
    spectra = {name: fft.rfft2(array, s=shape) for name, array in
               (("mf", mf), ("mm", mm), ("f", f), ("m", m), ("ff", f * f), ("mm2", m * m))}
    overlap = _correlate(spectra["mf"], spectra["mm"], shape)
    sum_f = _correlate(spectra["f"], spectra["mm"], shape)
    sum_m = _correlate(spectra["mf"], spectra["m"], shape)
    sum_ff = _correlate(spectra["ff"], spectra["mm"], shape)
    sum_mm = _correlate(spectra["mf"], spectra["mm2"], shape)
    sum_fm = _correlate(spectra["f"], spectra["m"], shape)

    overlap = np.round(overlap)
    safe = np.maximum(overlap, 1.0)
    var_f = sum_ff - sum_f ** 2 / safe
    var_m = sum_mm - sum_m ** 2 / safe
    floor = 1e-6 * safe
    valid = (overlap >= min_overlap * overlap.max()) & (var_f > floor) & (var_m > floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        ncc = (sum_fm - sum_f * sum_m / safe) / np.sqrt(var_f * var_m)
    ncc = np.where(valid, np.clip(ncc, -1.0, 1.0), np.nan)

    # Reorder the circular result so that index (H - 1, W - 1) is zero shift.
    iy = np.arange(-(rows - 1), rows) % shape[0]
    ix = np.arange(-(cols - 1), cols) % shape[1]
    return ncc[np.ix_(iy, ix)], overlap[np.ix_(iy, ix)]


def _limit_shift(surface: np.ndarray, max_shift: float) -> np.ndarray:
    """The surface with shifts beyond `max_shift` (either axis) set to NaN; 0 leaves it unchanged."""
    if max_shift <= 0:
        return surface
    rows, cols = surface.shape
    dy = np.abs(np.arange(rows) - (rows - 1) // 2)[:, None]
    dx = np.abs(np.arange(cols) - (cols - 1) // 2)[None, :]
    return np.where((dy <= max_shift) & (dx <= max_shift), surface, np.nan)


def _second_peak(surface: np.ndarray, best) -> Tuple[float, Optional[Tuple[int, int]]]:
    """(value, index) of the highest local maximum farther than `_PEAK_RADIUS` from the best peak
    ((NaN, None) when there is none)."""
    filled = np.nan_to_num(surface, nan=-np.inf)
    maxima = (filled == ndimage.maximum_filter(filled, size=3)) & np.isfinite(filled)
    rows, cols = np.nonzero(maxima)
    far = np.hypot(rows - best[0], cols - best[1]) > _PEAK_RADIUS
    if not far.any():
        return float("nan"), None
    pick = int(np.argmax(filled[rows[far], cols[far]]))
    return float(filled[rows[far][pick], cols[far][pick]]), (int(rows[far][pick]), int(cols[far][pick]))


def surface_roughness(surface: np.ndarray) -> float:
    """Robust standard deviation of the surface's pixel-to-pixel fluctuation (median absolute 2 x 2 second
    difference / 0.6745): how high a bump noise alone raises on the surface."""
    a, b, c, d = surface[:-1, :-1], surface[:-1, 1:], surface[1:, :-1], surface[1:, 1:]
    values = np.abs(a - b - c + d).ravel() / 2.0
    values = values[np.isfinite(values)]
    return float(np.median(values) / 0.6745) if values.size else 0.0


def valley_depth(surface: np.ndarray, best, other) -> float:
    """How far the surface dips below the lower of two maxima along the straight line between them
    (NaN samples count as a dip to -inf): a separate peak stands behind a valley, a noise bump on the
    shoulder of the best peak does not."""
    steps = int(max(abs(other[0] - best[0]), abs(other[1] - best[1]))) + 1
    t = np.linspace(0.0, 1.0, steps + 1)
    rows = np.rint(best[0] + t * (other[0] - best[0])).astype(int)
    cols = np.rint(best[1] + t * (other[1] - best[1])).astype(int)
    path = np.nan_to_num(surface[rows, cols], nan=-np.inf)
    return float(min(surface[best], surface[other]) - path.min())


def run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    progress.update(0.1, "masked cross-correlation")
    surface, overlap = masked_ncc_surface(fixed, moving, fixed_mask, moving_mask, params["min_overlap"])
    surface = _limit_shift(surface, params["max_shift"])
    progress.update(0.8, "locating the peak")
    if not np.isfinite(surface).any():
        return MethodOutcome(Transform(), cost=1.0, confidence=0.0, status=FAILED,
                             message="no shift leaves enough usable, non-uniform overlap to correlate")
    best = np.unravel_index(int(np.nanargmax(surface)), surface.shape)
    peak = float(surface[best])
    window = surface[max(best[0] - 1, 0):best[0] + 2, max(best[1] - 1, 0):best[1] + 2]
    at_limit = window.shape != (3, 3) or not np.isfinite(window).all()
    offset = np.zeros(2) if at_limit else quadratic_peak(surface, best)
    centre = np.array([(surface.shape[0] - 1) // 2, (surface.shape[1] - 1) // 2])
    shift = np.asarray(best) - centre + offset

    score = peak * np.sqrt(overlap[best])
    second, second_index = _second_peak(surface, best)
    rival = (second_index is not None and second > _AMBIGUOUS * peak
             and valley_depth(surface, best, second_index) > _VALLEY_ROUGHNESS * surface_roughness(surface))
    distinct = 1.0 if not np.isfinite(second) else float(np.clip((peak - second) / max(peak, 1e-12) / 0.2,
                                                                 0.0, 1.0))
    confidence = float(np.clip(peak, 0.0, 1.0)) * distinct
    if score < _MIN_PEAK_SCORE:
        status, message = FAILED, f"no correlation peak stands out from noise (NCC {peak:.3f})"
    elif rival:
        status, message = LOW_CONFIDENCE, (f"ambiguous: a second peak ({second:.3f}) is almost as high as "
                                           f"the best ({peak:.3f}); repetitive structure or too little detail")
    elif at_limit:
        status, message = LOW_CONFIDENCE, "the best shift lies at the edge of the searched range"
    else:
        status, message = OK, ""
    outcome = MethodOutcome(Transform(float(shift[0]), float(shift[1]), 0.0), cost=1.0 - peak,
                            confidence=confidence, status=status, message=message,
                            details={"peak_ncc": peak, "second_peak_ncc": second,
                                     "overlap_px": int(overlap[best])})
    return confirm(outcome, fixed, moving, fixed_mask, moving_mask)


SPEC = register_method(MethodSpec(
    name="masked_ncc", label="Masked cross-correlation",
    description="Normalised cross-correlation over the pixels usable in both images, with subpixel peak "
                "fit; translation only, for data with a static mask such as a beam block.",
    params=PARAMS, run=run, supports_rotation=False))
