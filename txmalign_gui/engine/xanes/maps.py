"""Per-pixel XANES maps of a stack (edge energy, white-line energy, edge step) and a score of how much
false chemistry misalignment paints at particle edges.

Misregistered frames mix the spectra of neighbouring pixels, so at the boundary of two phases (or of a
particle and empty space) the edge and white-line energies come out between or beyond the true ones:
rims of false chemistry.  After a good alignment the maps show clean phases up to their boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ..errors import InputError
from .edge import smoothed_derivative
from .normalize import default_edge_ranges

# A pixel is mapped only when its edge step is at least this fraction of the 99th-percentile step.
DEFAULT_MIN_STEP_FRACTION = 0.2


@dataclass(frozen=True)
class EdgeMaps:
    """Maps (H, W) float32 in eV (NaN where masked): edge energy at the derivative maximum, at half the
    edge step, and the white-line (peak) energy; the edge step (OD units) and the mask of mapped pixels."""

    edge_derivative: np.ndarray
    edge_half_step: np.ndarray
    peak: np.ndarray
    edge_step: np.ndarray
    mask: np.ndarray
    pre_range: Tuple[float, ...]
    post_range: Tuple[float, ...]


def _level(e: np.ndarray, values: np.ndarray, energy_range: Sequence[float], name: str) -> np.ndarray:
    """Per pixel, the mean value over `energy_range`.

    Maps use flat pre- and post-edge levels, not fitted lines: one pixel's spectrum is noisy, and a line
    fitted over a short range and extrapolated to the edge swings the step by more than the noise."""
    inside = (e >= energy_range[0]) & (e <= energy_range[1])
    if inside.sum() < 2:
        raise InputError(f"the {name} range {energy_range[0]:.2f}-{energy_range[1]:.2f} eV holds fewer than "
                         "two energies; widen it")
    level: np.ndarray = values[inside].mean(axis=0)
    return level


def _parabolic_vertex(e: np.ndarray, values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per pixel, the energy of the vertex of the parabola through index-1, index, index+1 (falls back to
    e[index] at the ends or when the three points do not bend down)."""
    k = np.clip(index, 1, len(e) - 2)
    x0, x1, x2 = e[k - 1], e[k], e[k + 1]
    take: Callable[[int], np.ndarray] = (  # noqa: E731
        lambda offset: np.take_along_axis(values, (k + offset)[None], axis=0)[0])
    y0, y1, y2 = take(-1), take(0), take(1)
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
    b = (x2 ** 2 * (y0 - y1) + x1 ** 2 * (y2 - y0) + x0 ** 2 * (y1 - y2)) / denom
    with np.errstate(invalid="ignore", divide="ignore"):
        vertex = np.clip(-b / (2 * a), x0, x2)
    good = (a < 0) & (index == k) & np.isfinite(vertex)
    vertices: np.ndarray = np.where(good, vertex, e[index])
    return vertices


def edge_maps(energies: npt.ArrayLike, od: npt.ArrayLike, pre: Optional[Sequence[float]] = None,
              post: Optional[Sequence[float]] = None, smooth_ev: float = 1.0,
              min_step_fraction: float = DEFAULT_MIN_STEP_FRACTION) -> EdgeMaps:
    """Maps of the OD stack `od` (N, H, W) at `energies` (eV, increasing).  Pre/post-edge levels are
    averaged per pixel over `pre` and `post` (default the first and last 15 % of the scan); edges and the white
    line are searched between the two ranges on spectra smoothed by `smooth_ev`.  Pixels whose step is
    below `min_step_fraction` of the 99th-percentile step (thin or empty), or that hold NaN (outside an
    aligned frame) are masked."""
    e = np.asarray(energies, dtype=float).ravel()
    od = np.asarray(od, dtype=np.float64)
    if od.ndim != 3 or len(e) != len(od):
        raise InputError(f"expected {len(e)} OD images (N, H, W), got shape {od.shape}")
    if len(e) < 5 or np.any(np.diff(e) <= 0):
        raise InputError("maps need at least five frames with increasing energies")
    default_pre, default_post = default_edge_ranges(e)
    pre = tuple(sorted(pre)) if pre is not None else default_pre
    post = tuple(sorted(post)) if post is not None else default_post
    window = np.flatnonzero((e > pre[1]) & (e < post[0]))
    if len(window) < 3:
        raise InputError("fewer than three energies lie between the pre- and post-edge ranges")
    finite = np.isfinite(od).all(axis=0)
    filled = np.where(np.isfinite(od), od, 0.0)
    pre_level, post_level = _level(e, filled, pre, "pre-edge"), _level(e, filled, post, "post-edge")
    step = post_level - pre_level
    step_ = float(np.median(np.diff(e)))
    smooth = ndimage.gaussian_filter1d(filled, smooth_ev / step_, axis=0, mode="nearest") if smooth_ev > 0 \
        else filled
    derivative = smoothed_derivative(e, smooth, 0.0, axis=0)
    edge_index = window[np.argmax(derivative[window], axis=0)]
    e0 = _parabolic_vertex(e, derivative, edge_index)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalized = (smooth - pre_level[None]) / step[None]
    half = _half_step(e, normalized, window)
    peak = _parabolic_vertex(e, smooth, window[np.argmax(smooth[window], axis=0)])
    reference = np.percentile(step[finite], 99) if finite.any() else 0.0
    mask = finite & (step > 0) & (step >= min_step_fraction * reference) & np.isfinite(half)
    hide: Callable[[np.ndarray], np.ndarray] = lambda a: np.where(mask, a, np.nan).astype(np.float32)  # noqa: E731
    return EdgeMaps(edge_derivative=hide(e0), edge_half_step=hide(half), peak=hide(peak),
                    edge_step=np.where(finite, step, np.nan).astype(np.float32), mask=mask,
                    pre_range=tuple(map(float, pre)), post_range=tuple(map(float, post)))


def _half_step(e: np.ndarray, normalized: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Per pixel, the first energy in `window` where `normalized` crosses 0.5 upwards (NaN when none)."""
    lo = max(int(window[0]), 1)
    hi = int(window[-1]) + 1
    before, after = normalized[lo - 1:hi - 1], normalized[lo:hi]
    crossing = (before < 0.5) & (after >= 0.5)
    found = crossing.any(axis=0)
    first = np.argmax(crossing, axis=0)
    a = np.take_along_axis(before, first[None], axis=0)[0]
    b = np.take_along_axis(after, first[None], axis=0)[0]
    e_a, e_b = e[lo - 1 + first], e[lo + first]
    with np.errstate(invalid="ignore", divide="ignore"):
        energy = e_a + (0.5 - a) / (b - a) * (e_b - e_a)
    return np.where(found, energy, np.nan)


def phase_rim_fraction(edge_map: npt.ArrayLike, labels: npt.ArrayLike, threshold: float, width: int = 2
                       ) -> Dict[str, Any]:
    """How often a two-phase edge map names the wrong phase, at boundaries and inside the phases.

    `labels` (H, W) int is the truth: 0 = no phase (thin), 1 = phase with the lower edge, 2 = the higher;
    a mapped pixel (finite in `edge_map`) is called phase 1 below `threshold` eV and 2 above.  Boundary
    pixels are labelled pixels within `width` px of a pixel with another label.  Returns the fraction of
    wrong calls among boundary pixels and among interior pixels, their counts, and `spurious_pixels`:
    mapped pixels where the truth has no phase (false chemistry painted beside a particle)."""
    edge_map = np.asarray(edge_map, dtype=float)
    labels = np.asarray(labels)
    if edge_map.shape != labels.shape:
        raise InputError(f"the map {edge_map.shape} and the labels {labels.shape} differ in shape")
    mapped = np.isfinite(edge_map) & (labels > 0)
    called = np.where(edge_map > threshold, 2, 1)
    footprint = np.ones((2 * width + 1,) * 2, dtype=bool)
    near_other = ndimage.maximum_filter(labels, footprint=footprint) != ndimage.minimum_filter(labels,
                                                                                              footprint=footprint)
    wrong = called != labels
    out = {}
    for name, where in (("boundary", mapped & near_other), ("interior", mapped & ~near_other)):
        count = int(where.sum())
        out[f"{name}_wrong"] = float(wrong[where].mean()) if count else float("nan")
        out[f"{name}_pixels"] = count
    out["spurious_pixels"] = int((np.isfinite(edge_map) & (labels == 0)).sum())
    return out
