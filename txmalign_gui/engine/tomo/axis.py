"""In-plane tilt of the rotation axis, from projections taken half a turn apart.

In parallel beam the projection at t + 180 deg is the mirror image of the one at t about the rotation
axis.  Flipped left-right, it therefore differs from the projection at t by a rotation of twice the
axis' tilt (plus a translation, which holds the axis offset and both projections' jitter).  A rigid
registration of each such pair measures the rotation; jitter cannot bias it.  A series without a pair
near 180 deg apart (a limited angular range) leaves the tilt unmeasured, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..errors import InputError
from ..pair import register_pair
from ..result import FAILED
from ..transform import AnyTransform, Transform, apply_transform

# Most opposite pairs registered, and how far from 180 deg apart (in angular steps) a pair may be.
_MAX_PAIRS = 5
_PAIR_STEPS = 1.01
# Largest tilt looked for (deg): the registration's angle range is twice it.
_MAX_TILT_DEG = 10.0
# Refinement: smoothing (px) against noise, most Gauss-Newton steps, angle step (deg) that ends them.
_SMOOTH = 1.0
_GN_PASSES = 8
_SETTLED_DEG = 0.001


@dataclass(frozen=True)
class AxisTilt:
    """Tilt of the rotation axis (deg, counter-clockwise as displayed with rows down) or why it is unknown.

    Rotating every projection by `-tilt_deg` (skimage convention) makes the axis vertical.  `spread` is
    the standard deviation of the pairs' estimates (deg); `reason` is empty when the tilt was measured.
    """

    tilt_deg: float
    spread: float = 0.0
    pairs: int = 0
    reason: str = ""

    @property
    def measured(self) -> bool:
        return not self.reason


def rotate_series(projections: np.ndarray, angle_deg: float) -> np.ndarray:
    """Every projection rotated by `angle_deg` about its centre (cubic; edge values extend)."""
    if angle_deg == 0.0:
        return projections
    turn = Transform(angle_deg=angle_deg)
    return np.stack([apply_transform(p, turn, order=3, mode="nearest") for p in projections]).astype(
        np.float32, copy=False)


def opposite_pairs(angles_deg: np.ndarray) -> list:
    """Up to `_MAX_PAIRS` index pairs (i, j) whose angles are closest to 180 deg apart, best first."""
    angles = np.asarray(angles_deg, dtype=float)
    if len(angles) < 2:
        return []
    step = float(np.median(np.abs(np.diff(np.sort(angles))))) or 1.0
    gap = np.abs(np.abs(angles[None, :] - angles[:, None]) - 180.0)
    i, j = np.nonzero(np.triu(gap <= _PAIR_STEPS * step + 1e-6, k=1))
    order = np.argsort(gap[i, j], kind="stable")
    pairs: list = []
    used: set = set()
    for k in order:
        if i[k] in used or j[k] in used:
            continue
        pairs.append((int(i[k]), int(j[k])))
        used.update((i[k], j[k]))
        if len(pairs) == _MAX_PAIRS:
            break
    return pairs


def estimate_tilt(projections: np.ndarray, angles_deg: np.ndarray, progress=None) -> AxisTilt:
    """The axis tilt of a (N, rows, cols) line-integral series (see the module docstring)."""
    pairs = opposite_pairs(angles_deg)
    if not pairs:
        return AxisTilt(0.0, reason="no two projections are 180 deg apart, so the axis tilt cannot be "
                                    "measured; it is assumed vertical")
    params = {"rotation": True, "angle_range": 2.0 * _MAX_TILT_DEG}
    estimates = []
    for k, (i, j) in enumerate(pairs):
        if progress is not None:
            progress.update(k / len(pairs), "axis tilt: registering opposite projections")
        fixed, mirrored = projections[i], np.ascontiguousarray(projections[j][:, ::-1])
        try:
            result = register_pair(fixed, mirrored, method="ssd", params=params)
        except InputError:  # e.g. a blank projection: the coarse step reports the series' problem
            continue
        if result.status != FAILED:
            estimates.append(refine_rotation(fixed, mirrored, result.transform) / 2.0)
    if not estimates:
        return AxisTilt(0.0, reason="the opposite projections could not be registered; the axis is "
                                    "assumed vertical")
    return AxisTilt(float(np.median(estimates)), float(np.std(estimates)), len(estimates))


def refine_rotation(fixed: np.ndarray, moving: np.ndarray, start: AnyTransform) -> float:
    """The rotation (deg) aligning `moving` with `fixed`, refined from `start` by Gauss-Newton.

    Least squares of the difference over the central part of the field in (dy, dx, angle), with the
    Jacobian taken by central differences of the resampling itself: the general-purpose registration
    stops at a tenth of a degree, this reaches the hundredths the tilt needs.
    """
    fixed = ndimage.gaussian_filter(np.asarray(fixed, dtype=np.float64), _SMOOTH)
    moving = ndimage.gaussian_filter(np.asarray(moving, dtype=np.float64), _SMOOTH)
    rows, cols = fixed.shape
    margin = int(np.ceil(abs(start.dy) + abs(start.dx) + max(rows, cols) * np.radians(_MAX_TILT_DEG))) // 2 + 2
    window = (slice(margin, rows - margin), slice(margin, cols - margin))
    if rows - 2 * margin < 8 or cols - 2 * margin < 8:
        return start.angle_deg
    params = np.array([start.dy, start.dx, start.angle_deg])
    steps = np.array([0.05, 0.05, 0.02])

    def warp(p):
        return apply_transform(moving, Transform(*p), order=3, mode="nearest")[window].ravel()

    for _ in range(_GN_PASSES):
        residual = fixed[window].ravel() - warp(params)
        jacobian = np.stack([(warp(params + h) - warp(params - h)) / (2 * h[k])
                             for k, h in enumerate(np.diag(steps))], axis=1)
        update, *_ = np.linalg.lstsq(jacobian, residual, rcond=None)
        params = params + update
        if abs(update[2]) < _SETTLED_DEG and np.abs(update[:2]).max() < 0.01:
            break
    return float(params[2])
