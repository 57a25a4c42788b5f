"""Subpixel phase correlation (Guizar-Sicairos upsampled DFT on real FFTs), with an optional band-pass filter.

The images are tapered by a Tukey window, whose fall-off of overlap with the shift is divided out while
refining the peak, so the window neither biases the answer nor discards most of the field.

Fast and accurate when both images share contrast; fails when backgrounds or contrast differ strongly
(the TVDM paper's experiments show where), so every answer is checked against the images' edges.  A weak
peak must also be found again by each quadrant of the overlap on its own (a rotation or a made-up peak
is not), the edges must not line up better after a rotation that moves the field's corners by over 1 px,
and an answer without evidence is tried once more on images blurred against pixel noise.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
from scipy import fft, ndimage

from ..params import Param, ParamSet
from ..peaks import quadratic_peak
from ..quality import edge_check
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
    Param("window", "Tapered window", bool, True,
          "Taper the image edges (Tukey window: the outer quarter of each side) so they do not dominate "
          "the correlation."),
    Param("taper_correction", "Correct the taper's pull", bool, True,
          "Divide the window's overlap out of the correlation, which removes its pull towards zero shift on "
          "content that fills the field. Turn it off for a compact object on an empty background (a "
          "tomographic projection, an isolated particle), which it pushes away from zero instead.",
          advanced=True),
))

# Fraction of each axis the Tukey window tapers (half of it at each end); the central rest keeps full weight,
# so strong noise is averaged over most of the field (a Hann window, tapering everything, gave up to twice
# the error on the paper's noise families), while a narrower taper let the bright borders of smooth images
# (skimage's moon) leak into the correlation.
_TAPER = 0.5
# Peak-to-mean ratio of the normalised cross-power spectrum below which a peak alone is not trusted.
_MIN_PEAK_RATIO = 8.0
# Below `_MIN_PEAK_RATIO` (down to half of it) an answer is still trusted when every quadrant of the
# overlap, correlated on its own, finds its shift within this distance (px) of the whole field's.
_MAX_QUADRANT_SPREAD = 0.5
# An answer without evidence is tried once more on images blurred by this sigma (px) when the user set no
# band-pass: under heavy pixel noise that blur brought the error on the TVDM paper's families from 0.3-1.5 px
# to 0.05-0.9 px, where the edges could confirm it.
_RETRY_BLUR = 1.0
# Each quadrant holds a quarter of the field's information, so pixel noise is blurred away first (sigma, px):
# without it the quadrants of right answers under heavy noise disagreed by 2-3 px.
_QUADRANT_BLUR = 3.0
# Each quadrant looks for its best shift within this distance (px; at least 2 binned px) of the whole field's.
_QUADRANT_RADIUS = 3
# Quadrants shorter than this (px) on a side carry too little for the check.
_MIN_QUADRANT = 24
# The check bins the images 2 x 2 while their quadrants stay at least this long (px).
_QUADRANT_SIZE = 48
# Phase correlation finds a translation only: an answer stays ok only while the rotation under which the
# images' edges line up best (`edge_check(fit_rotation=True)`) moves the field's corners by at most this (px).
_MAX_CORNER_TURN = 1.0


def _taper(x: np.ndarray, length: int) -> np.ndarray:
    """Tukey window over pixels 0 .. length - 1 at (fractional) positions `x`; 0 outside."""
    t = np.asarray(x, dtype=np.float64) / max(length - 1, 1)
    edge = np.minimum(t, 1.0 - t)
    values = np.where(edge < _TAPER / 2, 0.5 * (1.0 - np.cos(2.0 * np.pi * np.clip(edge, 0.0, None) / _TAPER)), 1.0)
    return np.where((t >= 0.0) & (t <= 1.0), values, 0.0)


@lru_cache(maxsize=16)
def _window(length: int) -> np.ndarray:
    """The `_taper` window over `length` pixels (read-only)."""
    window = _taper(np.arange(length), length)
    window.flags.writeable = False
    return window


@lru_cache(maxsize=16)
def _whole_lag_overlap(length: int) -> np.ndarray:
    """sum_g w(g) w(g - lag) for the whole lags -(length - 1) .. length - 1 (read-only)."""
    window = _window(length)
    overlap = np.correlate(window, window, "full")
    overlap.flags.writeable = False
    return overlap


def window_overlap(length: int, lags: np.ndarray) -> np.ndarray:
    """sum_g w(g) w(g - lag) of the window along one axis, for each (fractional) lag.

    Correlating two windowed images multiplies the content's correlation by this: it falls off with the
    lag, which would pull the peak towards zero shift by up to 0.1 px; dividing it out removes that.  The
    overlap varies on the scale of the window, so fractional lags interpolate linearly between whole ones."""
    return np.interp(np.asarray(lags, dtype=np.float64), np.arange(-length + 1, length), _whole_lag_overlap(length))


def _prepare(image: np.ndarray, mask, params: dict) -> np.ndarray:
    work = image.copy()
    if mask is not None:
        work[~mask] = float(work[mask].mean())
    low, high = params["bandpass_low"], params["bandpass_high"]
    # each sigma on its own (skimage's difference_of_gaussians would make an unset high sigma 1.6 x low)
    if low > 0 or high > 0:
        background = ndimage.gaussian_filter(work, high, mode="nearest") if high > 0 else 0.0
        work = (ndimage.gaussian_filter(work, low, mode="nearest") if low > 0 else work) - background
    work = work - work.mean()
    if params["window"]:
        rows, cols = work.shape
        work *= np.outer(_window(rows), _window(cols))
    return work


def _cross_power(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """Half (real-FFT) spectrum of the cross-correlation of fixed and moving."""
    return fft.rfft2(fixed) * fft.rfft2(moving).conj()


def _sampled_surface(product: np.ndarray, shape, centre, step: float, count: int) -> np.ndarray:
    """The cross-correlation (inverse DFT of the half spectrum `product`) on a `count` x `count` grid of
    spacing `step` px centred on `centre` (dy, dx), by matrix-multiply DFT (Guizar-Sicairos 2008)."""
    rows, cols = shape
    offsets = (np.arange(count) - count // 2) * step
    ky = fft.fftfreq(rows)                       # cycles per pixel along rows
    kx = np.arange(product.shape[1]) / cols      # the half spectrum's columns
    # A real signal's inverse DFT from its half spectrum: columns other than 0 (and cols/2) count twice.
    weight = np.full(product.shape[1], 2.0)
    weight[0] = 1.0
    if cols % 2 == 0:
        weight[-1] = 1.0
    along_rows = np.exp(2j * np.pi * np.outer(centre[0] + offsets, ky))                      # (n, rows)
    along_cols = weight[:, None] * np.exp(2j * np.pi * np.outer(kx, centre[1] + offsets))   # (half, n)
    return np.real((along_rows @ product) @ along_cols)


def _refine(product: np.ndarray, shape, shift: np.ndarray, step: float, count: int, windowed: bool) -> np.ndarray:
    """The best grid point of `_sampled_surface` around `shift` (divided by the windows' overlap when
    `windowed`), fitted to subpixel by a quadratic."""
    surface = _sampled_surface(product, shape, shift, step, count)
    if windowed:
        offsets = (np.arange(count) - count // 2) * step
        surface = surface / np.outer(window_overlap(shape[0], shift[0] + offsets),
                                     window_overlap(shape[1], shift[1] + offsets))
    best = np.unravel_index(int(np.argmax(surface)), surface.shape)
    offset = np.asarray(best, dtype=float) + quadratic_peak(surface, best) - count // 2
    return shift + offset * step


def phase_shift(fixed: np.ndarray, moving: np.ndarray, upsample: int = 100, windowed: bool = False):
    """(shift (dy, dx) with fixed(p) ~ moving(p - shift), peak-to-mean ratio of the phase-only surface).

    The shift comes from the plain cross-correlation, which weighs each frequency by its power and so
    resists noise better than the phase-only one; the phase-only surface (every frequency weighted
    equally) gives a sharp peak whose height over the mean says whether there is a match at all.
    The integer peak is refined on a 1.5 px grid of 1/8 px, then on a 5 x 5 grid of 1/upsample px, each
    fitted by a quadratic: as precise as one 1.5 px grid of 1/upsample px at a small fraction of its cost.
    `windowed`: both images carry the `_taper` window, whose overlap is divided out while refining.
    """
    product = _cross_power(fixed, moving)
    phase_only = fft.irfft2(product / np.maximum(np.abs(product), 1e-12), s=fixed.shape)
    ratio = float(phase_only.max() / max(np.abs(phase_only).mean(), 1e-12))
    surface = fft.irfft2(product, s=fixed.shape)
    best = np.unravel_index(int(np.argmax(surface)), surface.shape)
    shift = np.array([b if b <= n // 2 else b - n for b, n in zip(best, surface.shape)], dtype=float)
    return _subpixel(product, fixed.shape, shift, upsample, windowed), ratio


def _subpixel(product: np.ndarray, shape, shift: np.ndarray, upsample: int, windowed: bool) -> np.ndarray:
    """The whole-pixel peak `shift` of the cross-correlation refined to 1/upsample px (see `phase_shift`)."""
    if upsample > 1:
        coarse = min(upsample, 8)
        shift = _refine(product, shape, shift, 1.0 / coarse, int(np.ceil(1.5 * coarse)) | 1, windowed)
        if upsample > coarse:
            shift = _refine(product, shape, shift, 1.0 / upsample, 5, windowed)
    return shift


def local_shift(fixed: np.ndarray, moving: np.ndarray, radius: int, upsample: int = 20,
                windowed: bool = True):
    """(shift, at_limit): the cross-correlation's best shift within `radius` px of zero, to subpixel, and
    whether it lies on that search window's border (the images want to move farther).  Both images carry
    the `_taper` window, whose overlap is divided out when `windowed`."""
    product = _cross_power(fixed, moving)
    surface = fft.irfft2(product, s=fixed.shape)
    lags = np.arange(-radius, radius + 1)
    near = surface[np.ix_(lags % fixed.shape[0], lags % fixed.shape[1])]
    best = np.unravel_index(int(np.argmax(near)), near.shape)
    at_limit = bool(min(best) == 0 or max(best) == 2 * radius)
    return _subpixel(product, fixed.shape, lags[list(best)].astype(float), upsample, windowed), at_limit


def _bin2(image: np.ndarray) -> np.ndarray:
    """2 x 2 block mean (a trailing odd row or column dropped); a mask stays a mask of all-usable blocks.
    Binned pixel i covers pixels 2i and 2i + 1, so both images' centres coincide and shifts halve."""
    rows, cols = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    corners = [image[i:rows:2, j:cols:2] for i in (0, 1) for j in (0, 1)]
    if image.dtype == bool:
        return np.asarray(corners[0] & corners[1] & corners[2] & corners[3])
    return np.asarray((corners[0] + corners[1] + corners[2] + corners[3]) * 0.25)


def quadrant_shifts(fixed: np.ndarray, moving: np.ndarray, shift, params: dict, fixed_mask=None,
                    moving_mask=None):
    """Shifts (dy, dx) found by correlating each quadrant of the overlap on its own (inf where a quadrant's
    best shift lies beyond the searched window), or None when the overlap is too small.  The fixed quadrant
    is matched with the moving block at the whole-field answer's whole-pixel offset and searched within a
    few px of it, so a right answer gives four shifts close to it.

    Phase correlation assumes a pure translation: a rotation (or a magnification) moves the quadrants
    differently, and a peak the noise or a background made up is not found again in each quarter of the
    field, so quadrants that agree are evidence independent of the peak's height.  The images are first
    binned 2 x 2 while the quadrants stay at least `_QUADRANT_SIZE` px, which keeps this cheap and
    averages pixel noise; what is left of the `_QUADRANT_BLUR` blur is applied to the binned quadrants."""
    factor = 1
    while min(fixed.shape) // 4 >= _QUADRANT_SIZE and min(moving.shape) // 4 >= _QUADRANT_SIZE:
        fixed, moving = _bin2(fixed), _bin2(moving)
        fixed_mask, moving_mask = (None if m is None else _bin2(m) for m in (fixed_mask, moving_mask))
        factor *= 2
    shift = np.asarray(shift, dtype=float) / factor
    step = np.rint(shift).astype(int)
    # fixed rows p with 0 <= p - step < rows: the overlap in fixed's frame
    start = np.maximum(step, 0)
    stop = np.minimum(fixed.shape, np.asarray(moving.shape) + step)
    half = (stop - start) // 2
    if min(half) * factor < _MIN_QUADRANT:
        return None
    blur = _QUADRANT_BLUR / factor
    quarter_params = {"window": True, "bandpass_high": params["bandpass_high"] / factor,
                      "bandpass_low": max(params["bandpass_low"] / factor, blur if blur >= 0.5 else 0.0)}
    radius = max(2, int(np.ceil(_QUADRANT_RADIUS / factor)))
    shifts = []
    for qy in (0, 1):
        for qx in (0, 1):
            top = start + half * np.array([qy, qx])
            box = (slice(top[0], top[0] + half[0]), slice(top[1], top[1] + half[1]))
            moved = (slice(top[0] - step[0], top[0] - step[0] + half[0]),
                     slice(top[1] - step[1], top[1] - step[1] + half[1]))
            masks = [None if m is None else m[b] for m, b in ((fixed_mask, box), (moving_mask, moved))]
            if any(m is not None and m.sum() < m.size // 2 for m in masks):
                continue
            a = _prepare(fixed[box], masks[0], quarter_params)
            b = _prepare(moving[moved], masks[1], quarter_params)
            residual, at_limit = local_shift(a, b, radius, 8, params["taper_correction"])
            shifts.append(np.full(2, np.inf) if at_limit else (step + residual) * factor)
    return np.array(shifts) if len(shifts) >= 3 else None


def run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    progress.update(0.3, "phase correlation")
    outcome = _attempt(fixed, moving, params, fixed_mask, moving_mask)
    if outcome.status == OK or params["bandpass_low"] > 0:
        return outcome
    # Pixel noise may have pulled the peak; blurred, the images may give an answer with evidence.
    progress.update(0.7, "phase correlation on the blurred images")
    retry = _attempt(fixed, moving, {**params, "bandpass_low": _RETRY_BLUR}, fixed_mask, moving_mask)
    if retry.status != OK:
        return outcome
    return replace(retry, message=f"found after blurring pixel noise (band-pass low sigma {_RETRY_BLUR:g} px; "
                                  f"unblurred: {outcome.message})",
                   details={**retry.details, "retry_bandpass_low": _RETRY_BLUR})


def _attempt(fixed, moving, params, fixed_mask, moving_mask) -> MethodOutcome:
    """One phase correlation with `params`, its status from the peak, the edges and (for a weak peak) the
    quadrants."""
    a = _prepare(fixed, fixed_mask, params)
    b = _prepare(moving, moving_mask, params)
    shift, ratio = phase_shift(a, b, params["upsample"], params["window"] and params["taper_correction"])
    transform = Transform(float(shift[0]), float(shift[1]), 0.0)
    edges = edge_check(fixed, moving, transform, fixed_mask, moving_mask, fit_rotation=True)
    assert edges.rotation_fit is not None  # asked for
    corner_turn = abs(np.radians(edges.rotation_fit)) * 0.5 * float(np.hypot(*fixed.shape))
    confidence = float(np.clip((ratio - 1.0) / (4 * _MIN_PEAK_RATIO), 0.0, 1.0) * np.clip(edges.peak / 0.3, 0.0, 1.0))
    if ratio < _MIN_PEAK_RATIO / 2:
        status, message = FAILED, f"no clear correlation peak (peak/mean {ratio:.1f})"
    elif not edges.agrees:
        status, message = LOW_CONFIDENCE, edges.message() + "; backgrounds may dominate: try tvdm or a band-pass"
    elif not corner_turn <= _MAX_CORNER_TURN:
        status, message = LOW_CONFIDENCE, (
            "the edges do not show where the rotation lies" if not np.isfinite(corner_turn) else
            f"the edges line up best after a further rotation of {edges.rotation_fit:+.2f} deg, which moves the "
            f"field's corners by {corner_turn:.1f} px: phase correlation finds a translation only (try tvdm "
            "with rotation)")
    else:
        status, message = OK, ""
    details = {"peak_ratio": ratio, "edge_offset_px": list(edges.offset), "edge_peak": edges.peak,
               "edge_rotation_deg": edges.rotation_fit}
    if status == OK and ratio < _MIN_PEAK_RATIO:
        # the peak alone is not decisive: ask the quadrants
        quadrants = quadrant_shifts(fixed, moving, shift, params, fixed_mask, moving_mask)
        spread = np.inf if quadrants is None else float(np.hypot(*(quadrants - shift).T).max())
        details["quadrant_spread_px"] = spread
        if spread > _MAX_QUADRANT_SPREAD:
            where = ("the overlap is too small to check it on its quadrants" if quadrants is None else
                     f"the quadrants of the overlap disagree by up to {spread:.1f} px (a rotation, a "
                     "magnification or noise)")
            status, message = LOW_CONFIDENCE, f"weak correlation peak (peak/mean {ratio:.1f}) and {where}"
    return MethodOutcome(transform, cost=1.0 - min(ratio / (4 * _MIN_PEAK_RATIO), 1.0),
                         confidence=confidence, status=status, message=message, details=details)


SPEC = register_method(MethodSpec(
    name="phasecorr", label="Phase correlation",
    description="Subpixel phase correlation (upsampled DFT); fast, translation only, "
                "best when both images share contrast.",
    params=PARAMS, run=run, supports_rotation=False))
