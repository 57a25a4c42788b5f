"""What tomography alignment returns: per-projection corrections, the rotation-axis offset, a log of rounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class TomoIteration:
    """One reconstruct-reproject-register round: how much the corrections moved and how well data fit."""

    binning: int
    round: int
    rms_change_px: float
    max_change_px: float
    mismatch: float
    failed: int = 0

    def to_dict(self) -> dict:
        return {"binning": self.binning, "round": self.round, "rms_change_px": self.rms_change_px,
                "max_change_px": self.max_change_px, "mismatch": self.mismatch, "failed": self.failed}


@dataclass(frozen=True)
class TomoResult:
    """Corrections that align a projection series, in the project's convention.

    `transforms` (N, 3) holds (dy, dx, angle) per projection in the project's convention
    (`apply_transform`): rotating by angle = -`axis_tilt_deg` makes the rotation axis vertical, then
    `ndimage.shift(rotated, (dy, dx))` is the aligned projection.  `axis_tilt_deg` is the in-plane tilt
    of the axis, counter-clockwise as displayed (rows down); 0 when it was not measured (see messages).
    `pairwise_fallback` is true when the series was too small for consistency and was aligned pairwise
    instead (then `centre_offset` is NaN: unknown).  Shifts that only move the whole sample cannot be measured,
    so dy has mean zero
    and dx has no a cos(t) + b sin(t) part.  `centre_offset` is the rotation axis' column in the input
    (after tilt and jitter removal) minus the central column (cols - 1) / 2; the transforms include moving it to
    the centre when `params["centre_axis"]` is true.  `mismatch` of an iteration is the relative RMS
    difference between the measured projections and their reprojections.
    """

    transforms: np.ndarray
    angles_deg: np.ndarray
    centre_offset: float
    iterations: list
    params: dict
    seconds: float
    converged: bool
    coarse_transforms: Optional[np.ndarray] = None
    slice_before: Optional[np.ndarray] = None
    slice_after: Optional[np.ndarray] = None
    slice_row: Optional[int] = None
    messages: list = field(default_factory=list)
    axis_tilt_deg: float = 0.0
    pairwise_fallback: bool = False

    @property
    def residuals(self) -> np.ndarray:
        """(iterations, 3) array of rms change, max change (px) and mismatch per round."""
        return np.array([[it.rms_change_px, it.max_change_px, it.mismatch] for it in self.iterations])

    def to_dict(self) -> dict:
        """JSON-friendly summary (transforms as lists)."""
        return {"transforms": self.transforms.tolist(), "angles_deg": self.angles_deg.tolist(),
                "centre_offset": self.centre_offset,
                "axis_tilt_deg": self.axis_tilt_deg, "pairwise_fallback": self.pairwise_fallback,
                "converged": self.converged,
                "iterations": [it.to_dict() for it in self.iterations], "params": dict(self.params),
                "seconds": self.seconds, "slice_row": self.slice_row, "messages": list(self.messages)}
