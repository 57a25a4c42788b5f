"""Independent checks of a registration answer, so a confident-looking but wrong peak is not trusted."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Tuple

import numpy as np
from scipy import ndimage

from .filters import edge_strength
from .peaks import quadratic_peak
from .result import LOW_CONFIDENCE, OK, MethodOutcome
from .transform import AnyTransform, Transform, apply_transform, rotation

# An answer whose edges line up best farther than this (px) from it is not confirmed by the edges.
MAX_EDGE_OFFSET = 0.5
# The rotation probe turns the moving image until its corners move this far (px).
_ROTATION_PROBE_PX = 2.0
# A probe rotation must raise the edge correlation by more than this to count as a hint.
_ROTATION_MARGIN = 1e-3
# Images are binned 2 x 2 (at most `_MAX_BINNINGS` times) while their shorter side stays at least this long,
# to keep the check cheap; the edge blur never drops below 1 binned px.
_CHECK_SIZE = 128
_MAX_BINNINGS = 2


def _bin2(image: np.ndarray) -> np.ndarray:
    """2 x 2 block mean (a trailing odd row or column dropped); a mask stays a mask of all-usable blocks.

    Four strided slices summed: numpy reduces the blocks of a reshaped array ten times slower."""
    rows, cols = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    corners = [image[i:rows:2, j:cols:2] for i in (0, 1) for j in (0, 1)]
    if image.dtype == bool:
        return np.asarray(corners[0] & corners[1] & corners[2] & corners[3])
    return np.asarray((corners[0] + corners[1] + corners[2] + corners[3]) * 0.25)


@dataclass(frozen=True)
class EdgeCheck:
    """Where the edges of both images line up best, near a registration answer.

    `offset` (dy, dx) is the further shift (px) that would line the edges up best, `peak` their correlation
    there, `at_limit` whether that best shift lies on the border of the searched window (the edges want to
    move even farther), `rotation_hint` a further rotation (deg) that lines them up better still (0 = none),
    `agrees` whether the answer is confirmed: best shift within `MAX_EDGE_OFFSET` and no rotation hint.
    `rotation_fit` (only when asked for: `edge_check(fit_rotation=True)`) is the further rotation (deg) under
    which the edges line up best, fitted to subdegree; NaN when their correlation does not peak there.
    """

    offset: Tuple[float, float]
    peak: float
    at_limit: bool
    rotation_hint: float = 0.0
    rotation_fit: Optional[float] = None

    @property
    def distance(self) -> float:
        return float(np.hypot(*self.offset))

    @property
    def agrees(self) -> bool:
        return not self.at_limit and self.distance <= MAX_EDGE_OFFSET and self.rotation_hint == 0.0

    def message(self) -> str:
        parts = []
        if self.at_limit or self.distance > MAX_EDGE_OFFSET:
            where = "beyond" if self.at_limit else "at"
            parts.append(f"the edges of the two images line up best {where} {self.distance:.1f} px from this "
                         f"answer (further shift {self.offset[0]:+.2f}, {self.offset[1]:+.2f})")
        if self.rotation_hint:
            parts.append(f"a further rotation of {self.rotation_hint:+.2f} deg lines them up better (the images "
                         "are rotated beyond this answer: turn rotation on or widen its range)")
        return "; ".join(parts) + "; the answer is not confirmed" if parts else ""


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) of two arrays of one shape (views welcome), without BLAS: OpenBLAS threads its dot
    product, and on a busy machine those threads spin (measured up to 10x the CPU time of one core);
    einsum's own loop needs neither threads nor a temporary."""
    letters = "ij"[:a.ndim]
    return float(np.einsum(f"{letters},{letters}->", a, b))


def _ncc(count: float, sa: float, sb: float, sab: float, saa: float, sbb: float) -> float:
    """Correlation from the sums over the counted pixels (NaN below 16 pixels, 0 for a constant side)."""
    if count < 16:
        return float("nan")
    cov = sab - sa * sb / count
    var_a = saa - sa * sa / count
    var_b = sbb - sb * sb / count
    return cov / np.sqrt(var_a * var_b) if var_a > 0 and var_b > 0 else 0.0


def _weighted_ncc(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    """Correlation of `a` and `b` over the pixels where `weight` is 1 (weight is 0 or 1)."""
    a_in = a * weight
    b_in = b * weight
    return _ncc(float(weight.sum()), float(a_in.sum()), float(b_in.sum()), _inner(a_in, b), _inner(a_in, a),
                _inner(b_in, b))


def _shift_surface(edges_fixed: np.ndarray, edges_moving: np.ndarray, usable: np.ndarray, radius: int,
                   stride: int) -> np.ndarray:
    """Edge correlation for every further integer shift (i, j) within `radius` of the warped moving edges
    (`edges_moving`, 0 where not `usable`): the value at p comes from p - (i, j); every `stride`-th pixel.

    The fixed side's sums are formed once; since moving's edges are 0 where unusable, each shift needs
    six inner products over views and no copies."""
    rows, cols = edges_fixed.shape
    r = radius
    centre = (slice(r, rows - r, stride), slice(r, cols - r, stride))
    u = usable[centre].astype(np.float64)
    au = edges_fixed[centre] * u
    aau = au * edges_fixed[centre]
    moving = edges_moving.astype(np.float64, copy=False)
    weights = usable.astype(np.float64)
    surface = np.full((2 * r + 1, 2 * r + 1), np.nan)
    for i in range(-r, r + 1):
        for j in range(-r, r + 1):
            window = (slice(r - i, rows - r - i, stride), slice(r - j, cols - r - j, stride))
            b, v = moving[window], weights[window]
            ub = u * b
            surface[i + r, j + r] = _ncc(_inner(u, v), _inner(au, v), float(ub.sum()), _inner(au, b),
                                         _inner(aau, v), _inner(ub, b))
    return surface


def edge_check(fixed: np.ndarray, moving: np.ndarray, transform: AnyTransform,
               fixed_mask: Optional[np.ndarray] = None, moving_mask: Optional[np.ndarray] = None,
               sigma: float = 2.0, radius: int = 3, stride: int = 2, binnings: int = _MAX_BINNINGS,
               fit_rotation: bool = False) -> EdgeCheck:
    """Correlate edge strength (gradient magnitude, blur `sigma`) of `fixed` with that of `moving` resampled
    by `transform`, over every further integer shift within `radius` px, and fit the best one to subpixel.

    Edge strength is indifferent to the contrast and background changes across an absorption edge, which
    fool gray-value costs (a flat SSD valley, a histogram artefact in MI), so it is an independent witness.
    Every `stride`-th pixel enters the sums (the blurred edge map varies slowly) and large images are first
    binned down to about `_CHECK_SIZE` px (sigma and radius scale with them), which keeps this cheap.
    `fit_rotation` also fits the rotation under which the edges line up best (`EdgeCheck.rotation_fit`).
    """
    if binnings > 0 and min(fixed.shape) // 2 >= _CHECK_SIZE:
        fixed, moving = _bin2(fixed), _bin2(moving)
        fixed_mask, moving_mask = (None if mask is None else _bin2(mask) for mask in (fixed_mask, moving_mask))
        # Binned pixel i covers pixels 2i and 2i + 1, so the image centres coincide and shifts halve.
        half = transform.scaled(0.5)
        found = edge_check(fixed, moving, half, fixed_mask, moving_mask, max(1.0, sigma / 2), max(2, radius // 2),
                           stride, binnings - 1, fit_rotation)
        return replace(found, offset=(2 * found.offset[0], 2 * found.offset[1]))
    # the blurred gradient spreads a masked-out feature about 3 sigma into the usable pixels: drop those
    margin = int(np.ceil(3 * sigma))
    fixed_mask, moving_mask = (None if m is None else ndimage.binary_erosion(m, iterations=margin, border_value=1)
                               for m in (fixed_mask, moving_mask))
    edges_fixed = edge_strength(fixed, sigma)
    raw_edges_moving = edge_strength(moving, sigma)
    edges_moving, usable = _warp_edges(raw_edges_moving, moving_mask, fixed_mask, transform)
    edges_fixed = edges_fixed.astype(np.float64, copy=False)
    surface = _shift_surface(edges_fixed, edges_moving, usable, radius, stride)
    r = radius
    if not np.isfinite(surface).any():
        return EdgeCheck((0.0, 0.0), 0.0, True, rotation_fit=float("nan") if fit_rotation else None)
    best = np.unravel_index(int(np.nanargmax(surface)), surface.shape)
    at_limit = bool(min(best) == 0 or max(best) == 2 * r)
    offset = np.asarray(best, dtype=float) - r
    if not at_limit and np.isfinite(surface).all():
        offset = offset + quadratic_peak(surface, best)
    hint, fit = 0.0, float("nan") if fit_rotation else None
    if not at_limit:
        hint, fit = _rotation_hint(edges_fixed, raw_edges_moving, moving_mask, fixed_mask,
                                   transform.then(Transform(best[0] - r, best[1] - r)), fit_rotation)
    return EdgeCheck((float(offset[0]), float(offset[1])), float(surface[best]), at_limit, hint, fit)


def _warp_edges(edges_moving: np.ndarray, moving_mask: Optional[np.ndarray], fixed_mask: Optional[np.ndarray],
                transform: AnyTransform) -> Tuple[np.ndarray, np.ndarray]:
    """Moving's edge map resampled by `transform` (0 where unusable) and the map of usable pixels."""
    warped = apply_transform(edges_moving, transform, order=1)
    usable = np.isfinite(warped)
    if moving_mask is not None:
        usable &= apply_transform(moving_mask.astype(np.float64), transform, order=1, cval=0.0) > 0.999
    if fixed_mask is not None:
        usable &= fixed_mask
    return np.where(usable, warped, 0.0), usable


def _rotation_hint(edges_fixed: np.ndarray, edges_moving: np.ndarray, moving_mask: Optional[np.ndarray],
                   fixed_mask: Optional[np.ndarray], transform: AnyTransform, fit: bool = False,
                   stride: int = 2) -> Tuple[float, Optional[float]]:
    """(the further rotation (+-probe, deg) under which the edges agree better than at `transform`, or 0;
    with `fit`, the further rotation (deg) under which they agree best, from a parabola through the
    correlations at the answer and both probes (NaN when it does not peak), else None).

    The hint alone cannot see a residual rotation moving the corners by less than about the probe (0.6 deg
    at 256 px); the fit can.  On 65 phasecorr answers (5 natural images, the TVDM paper's noise families)
    it was within 0.4 binned px (at the corners) of the truth at 0, 0.3 and 0.6 deg; two more probes at
    +-1 px narrowed that by 0.04 px for 5 % of phasecorr's time.
    Only every `stride`-th pixel is resampled (map_coordinates at those points), which keeps this cheap.
    """
    rows, cols = edges_fixed.shape
    grid = np.mgrid[0:rows:stride, 0:cols:stride].reshape(2, -1).astype(np.float64)
    centre = (np.array([rows, cols], dtype=np.float64) - 1) / 2
    fixed_values = edges_fixed[::stride, ::stride].ravel()
    fixed_usable = np.ones(fixed_values.shape, bool) if fixed_mask is None else fixed_mask[::stride, ::stride].ravel()
    deg_per_px = np.degrees(1.0 / (0.5 * np.hypot(rows, cols)))  # turn moving the corners by 1 px
    probe = _ROTATION_PROBE_PX * deg_per_px
    moved = grid - (centre + transform.shift)[:, None]
    scores = {}
    for turn in (0.0, -probe, probe):
        # p = R(turn) A (q - c) + c + d  =>  q = (R(turn) A)^-1 (p - c - d) + c  (A = R(a) when rigid);
        # the 2 x 2 inverse applied by hand: np.linalg.solve on the points took half of each probe's time
        inverse = np.linalg.inv(rotation(turn) @ transform.linear())
        source = np.stack([inverse[0, 0] * moved[0] + inverse[0, 1] * moved[1] + centre[0],
                           inverse[1, 0] * moved[0] + inverse[1, 1] * moved[1] + centre[1]])
        values = ndimage.map_coordinates(edges_moving, source, order=1, cval=np.nan)
        usable = fixed_usable & np.isfinite(values)
        if moving_mask is not None:
            usable &= ndimage.map_coordinates(moving_mask.astype(np.float64), source, order=1, cval=0.0) > 0.999
        scores[turn] = _weighted_ncc(fixed_values, np.where(usable, values, 0.0), usable.astype(np.float64))
    best = max(scores, key=lambda turn: scores[turn] if np.isfinite(scores[turn]) else -np.inf)
    hint = float(best) if scores[best] > scores[0.0] + _ROTATION_MARGIN else 0.0
    return hint, (_parabola_peak(probe, scores[-probe], scores[0.0], scores[probe]) if fit else None)


def _parabola_peak(step: float, left: float, centre: float, right: float) -> float:
    """Abscissa of the top of the parabola through (-step, left), (0, centre), (step, right); NaN unless it
    opens downwards."""
    curvature = left - 2.0 * centre + right
    if not np.isfinite(curvature) or curvature >= 0:
        return float("nan")
    return float(step * (left - right) / (2.0 * curvature))


def confirm(outcome: MethodOutcome, fixed: np.ndarray, moving: np.ndarray,
            fixed_mask: Optional[np.ndarray] = None, moving_mask: Optional[np.ndarray] = None) -> MethodOutcome:
    """`outcome` kept OK only when the images' edges confirm its transform (`edge_check`); otherwise it
    becomes LOW_CONFIDENCE with the reason.  Answers already not OK are returned unchanged."""
    if outcome.status != OK:
        return outcome
    edges = edge_check(fixed, moving, outcome.transform, fixed_mask, moving_mask)
    details = {**outcome.details, "edge_offset_px": list(edges.offset), "edge_peak": edges.peak}
    if edges.agrees:
        return replace(outcome, details=details)
    return replace(outcome, status=LOW_CONFIDENCE, message=edges.message(), details=details)
