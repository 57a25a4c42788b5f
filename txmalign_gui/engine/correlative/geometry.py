"""The correlative point map: a 2 x 3 matrix taking (row, col) of the EM image to (row, col) of the X-ray image.

The two images differ in size, pixel size and field of view, so the map is written in absolute pixel
coordinates of each image (pixel centres at integers, as numpy indexes them), not about a shared centre:

    p_xray = A q_em + t,   matrix = [A | t].

A similarity has A = s R(a) with the project's R(a) = [[cos a, -sin a], [sin a, cos a]] (counter-clockwise
as displayed, as `skimage.transform.rotate` turns an image); `scale` s > 1 means an EM pixel is larger than
an X-ray pixel.  `resample_em` draws the EM image in the X-ray frame with this map (NaN outside the EM image).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ..errors import InputError


@dataclass(frozen=True)
class PointMap:
    """p_xray = matrix[:, :2] @ q_em + matrix[:, 2], in (row, col) pixels of each image."""

    matrix: np.ndarray

    def __post_init__(self) -> None:
        matrix = np.array(self.matrix, dtype=float).reshape(2, 3)
        if not np.isfinite(matrix).all():
            raise InputError("the transform contains NaN or infinite values")
        matrix.setflags(write=False)
        object.__setattr__(self, "matrix", matrix)

    # -- construction -------------------------------------------------------
    @staticmethod
    def identity() -> "PointMap":
        return PointMap(np.eye(2, 3))

    @staticmethod
    def similarity(scale: float, angle_deg: float, shift: Sequence[float] = (0.0, 0.0)) -> "PointMap":
        """s R(angle) q + shift."""
        a = math.radians(angle_deg)
        linear = scale * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        return PointMap(np.column_stack([linear, np.asarray(shift, dtype=float)]))

    @staticmethod
    def about_centres(scale: float, angle_deg: float, em_centre: Sequence[float], xray_centre: Sequence[float],
                      offset: Sequence[float] = (0.0, 0.0)) -> "PointMap":
        """The similarity that puts `em_centre` on `xray_centre` + `offset`, turned by `angle_deg` and scaled."""
        turned = PointMap.similarity(scale, angle_deg)
        shift = np.asarray(xray_centre, float) + np.asarray(offset, float) - turned.linear @ np.asarray(em_centre, float)
        return PointMap(np.column_stack([turned.linear, shift]))

    # -- reading ------------------------------------------------------------
    @property
    def linear(self) -> np.ndarray:
        return self.matrix[:, :2]

    @property
    def shift(self) -> np.ndarray:
        return self.matrix[:, 2]

    @property
    def scale(self) -> float:
        """The mean scale sqrt(|det A|): X-ray pixels per EM pixel."""
        return math.sqrt(abs(float(np.linalg.det(self.linear))))

    @property
    def angle_deg(self) -> float:
        """The rotation of the nearest similarity (exact for a similarity), in (-180, 180]."""
        a = self.linear
        return math.degrees(math.atan2(a[1, 0] - a[0, 1], a[0, 0] + a[1, 1]))

    @property
    def anisotropy(self) -> float:
        """Ratio of the larger to the smaller singular value of A minus one (0 for a similarity)."""
        values = np.linalg.svd(self.linear, compute_uv=False)
        return float(values[0] / values[1] - 1.0) if values[1] > 0 else math.inf

    def to_dict(self) -> Dict[str, object]:
        return {"matrix": self.matrix.tolist(), "scale": self.scale, "angle_deg": self.angle_deg}

    # -- algebra ------------------------------------------------------------
    def apply(self, points: npt.ArrayLike) -> np.ndarray:
        """Map (N, 2) EM points (row, col) into the X-ray image."""
        q = np.asarray(points, dtype=float).reshape(-1, 2)
        return q @ self.linear.T + self.shift

    def inverse(self) -> "PointMap":
        """The map from X-ray to EM pixels."""
        if abs(np.linalg.det(self.linear)) < 1e-12:
            raise InputError("the transform is degenerate (it squashes the image onto a line)")
        inv = np.linalg.inv(self.linear)
        return PointMap(np.column_stack([inv, -inv @ self.shift]))

    def then(self, other: "PointMap") -> "PointMap":
        """Apply this map, then `other`."""
        return PointMap(np.column_stack([other.linear @ self.linear, other.linear @ self.shift + other.shift]))

    def rescaled(self, em_factor: float, xray_factor: float) -> "PointMap":
        """The same map between images binned by `em_factor` and `xray_factor` (coarse i = fine factor * i)."""
        return PointMap(np.column_stack([self.linear * em_factor / xray_factor, self.shift / xray_factor]))


def resample_em(em: np.ndarray, point_map: PointMap, shape: Sequence[int], order: int = 1,
                cval: float = np.nan) -> np.ndarray:
    """The EM image drawn on an X-ray grid of `shape` (float32; `cval`, NaN by default, outside the EM image).

    Each X-ray pixel p takes the EM value at A^-1 (p - t), interpolated with spline `order`.
    """
    inverse = point_map.inverse()
    work = np.asarray(em, dtype=np.float32)
    out: np.ndarray = ndimage.affine_transform(work, inverse.linear, offset=inverse.shift,
                                               output_shape=tuple(int(v) for v in shape[:2]), order=order,
                                               mode="constant", cval=cval, prefilter=order > 1)
    return out


def corners(shape: Sequence[int]) -> List[tuple]:
    """The four corner pixel centres of an image of `shape`, (row, col)."""
    rows, cols = shape[0] - 1.0, shape[1] - 1.0
    return [(0.0, 0.0), (0.0, cols), (rows, cols), (rows, 0.0)]
