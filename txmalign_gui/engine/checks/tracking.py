"""Follow one feature (minimum, maximum or steepest edge) of a line profile through the frames."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import InputError

FEATURES = ("min", "max", "edge")


def _peak(values: np.ndarray) -> float:
    """Sub-pixel position of the largest finite value (parabola through it and its neighbours)."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.nan
    i = int(np.nanargmax(values))
    if 0 < i < len(values) - 1 and finite[i - 1] and finite[i + 1]:
        left, centre, right = values[i - 1], values[i], values[i + 1]
        curvature = left - 2 * centre + right
        if curvature < 0:
            return float(i + 0.5 * (left - right) / curvature)
    return float(i)


def track_feature(profiles: npt.ArrayLike, feature: str = "min", window: Optional[Sequence[int]] = None) -> np.ndarray:
    """Position (in samples along the line) of `feature` in each row of `profiles` (frames, positions),
    searched only within samples window = (start, stop) when given, so one feature is followed.

    'edge' is the steepest change, rising or falling, at the half-sample point between two samples.
    """
    profiles = np.asarray(profiles, dtype=np.float64)
    start, stop = (0, profiles.shape[-1]) if window is None else (max(0, int(window[0])), int(window[1]))
    profiles = profiles[:, start:stop] if profiles.ndim == 2 else profiles
    if profiles.ndim != 2 or profiles.shape[1] < 3:
        raise InputError("feature tracking needs at least 3 samples per frame (widen the search window)")
    if feature == "min":
        return start + np.array([_peak(-row) for row in profiles])
    if feature == "max":
        return start + np.array([_peak(row) for row in profiles])
    if feature == "edge":
        return start + np.array([_peak(np.abs(np.diff(row))) + 0.5 for row in profiles])
    raise InputError(f"unknown feature {feature!r}; choose one of {', '.join(FEATURES)}")


def drift_range(positions: npt.ArrayLike) -> float:
    """Largest minus smallest finite position: how far the feature wanders through the stack (pixels)."""
    positions = np.asarray(positions, dtype=np.float64)
    finite = positions[np.isfinite(positions)]
    return float(finite.max() - finite.min()) if finite.size else np.nan
