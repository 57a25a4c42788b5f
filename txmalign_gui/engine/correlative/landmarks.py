"""Least-squares fits of the EM -> X-ray point map to clicked landmark pairs, with per-point residuals.

A similarity (scale, rotation, shift: 4 unknowns) needs at least 2 pairs and an affine (6 unknowns) at least
3, but a fit is only checkable when there are more pairs than that; both refuse fewer than 3 pairs and
points that are (nearly) collinear or coincident, which would leave the fit undetermined or wild.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .geometry import PointMap

MODELS = ("similarity", "affine")
MIN_POINTS = 3
# Points whose spread across their main direction is below this fraction of the spread along it
# (or below `_MIN_SPREAD_PX`) count as collinear: the fit would be ill-conditioned across the line.
_MIN_THICKNESS = 0.02
_MIN_SPREAD_PX = 1.0


@dataclass(frozen=True)
class LandmarkFit:
    """The fitted map, the model used and the clicked pairs ((N, 2) (row, col) each)."""

    point_map: PointMap
    model: str
    xray_points: np.ndarray
    em_points: np.ndarray

    @property
    def residuals(self) -> np.ndarray:
        """(N, 2) mapped EM point minus clicked X-ray point, in X-ray pixels."""
        return residuals_of(self.point_map, self.xray_points, self.em_points)

    @property
    def distances(self) -> np.ndarray:
        return np.hypot(self.residuals[:, 0], self.residuals[:, 1])

    @property
    def rms(self) -> float:
        return float(math.sqrt(np.mean(self.distances ** 2))) if len(self.residuals) else 0.0

    @property
    def redundancy(self) -> int:
        """Pairs beyond the minimum the model needs (0: the residuals are exactly zero and say nothing)."""
        return len(self.residuals) - (2 if self.model == "similarity" else 3)

    def to_dict(self) -> Dict[str, object]:
        return {"model": self.model, **self.point_map.to_dict(), "xray_points": self.xray_points.tolist(),
                "em_points": self.em_points.tolist(), "residuals_px": self.distances.tolist(), "rms_px": self.rms}


def check_pairs(xray_points: npt.ArrayLike, em_points: npt.ArrayLike) -> tuple:
    """(X-ray points, EM points) as (N, 2) float arrays, or InputError for too few, mismatched, non-finite,
    coincident or collinear points."""
    xray = np.asarray(xray_points, dtype=float)
    em = np.asarray(em_points, dtype=float)
    if xray.ndim != 2 or xray.shape[1:] != (2,) or em.shape != xray.shape:
        raise InputError(f"landmarks must be pairs of (row, col) points, got {xray.shape} X-ray and "
                         f"{em.shape} EM coordinates")
    if len(xray) < MIN_POINTS:
        raise InputError(f"{len(xray)} landmark pair{'s' if len(xray) != 1 else ''} given; at least {MIN_POINTS} "
                         "are needed to fit the transform")
    if not (np.isfinite(xray).all() and np.isfinite(em).all()):
        raise InputError("a landmark has a NaN or infinite coordinate")
    for name, points in (("X-ray", xray), ("EM", em)):
        _check_spread(points, name)
    return xray, em


def _check_spread(points: np.ndarray, name: str) -> None:
    centred = points - points.mean(axis=0)
    spreads = np.linalg.svd(centred, compute_uv=False) / math.sqrt(len(points))
    if spreads[0] < _MIN_SPREAD_PX:
        raise InputError(f"the {name} landmarks all lie on the same spot; click points spread over the image")
    if spreads[1] < max(_MIN_THICKNESS * spreads[0], _MIN_SPREAD_PX):
        raise InputError(f"the {name} landmarks lie on one line; add a point away from that line so the "
                         "transform is determined")


def fit_landmarks(xray_points: npt.ArrayLike, em_points: npt.ArrayLike, model: str = "similarity") -> LandmarkFit:
    """Least-squares `model` ("similarity" or "affine") map taking `em_points` onto `xray_points`.

    The similarity is the closed-form Procrustes (Umeyama) solution without reflection; the affine solves the
    linear least-squares problem for its six entries.  Coordinates are (row, col) pixels of each image.
    """
    if model not in MODELS:
        raise InputError(f"unknown transform model {model!r}; use one of {', '.join(MODELS)}")
    xray, em = check_pairs(xray_points, em_points)
    point_map = _fit_similarity(xray, em) if model == "similarity" else _fit_affine(xray, em)
    return LandmarkFit(point_map, model, xray, em)


def residuals_of(point_map: PointMap, xray_points: np.ndarray, em_points: np.ndarray) -> np.ndarray:
    """Where `point_map` puts each EM point minus its X-ray partner, (N, 2) X-ray pixels."""
    return point_map.apply(em_points) - np.asarray(xray_points, dtype=float).reshape(-1, 2)


def _fit_similarity(xray: np.ndarray, em: np.ndarray) -> PointMap:
    mean_x, mean_e = xray.mean(axis=0), em.mean(axis=0)
    cx, ce = xray - mean_x, em - mean_e
    covariance = cx.T @ ce / len(xray)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, 1.0 if np.linalg.det(u) * np.linalg.det(vt) > 0 else -1.0])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / np.mean(np.sum(ce ** 2, axis=1)))
    linear = scale * rotation
    return PointMap.from_matrix(np.column_stack([linear, mean_x - linear @ mean_e]))


def _fit_affine(xray: np.ndarray, em: np.ndarray) -> PointMap:
    design = np.column_stack([em, np.ones(len(em))])
    solution, *_ = np.linalg.lstsq(design, xray, rcond=None)
    return PointMap.from_matrix(solution.T)
