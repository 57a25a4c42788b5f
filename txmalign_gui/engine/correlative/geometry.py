"""The correlative point map: a 2 x 3 matrix taking (row, col) of the EM image to (row, col) of the X-ray image.

The two images differ in size, pixel size and field of view, and the search works on pyramids of each, so the
map is kept in absolute pixel coordinates (pixel centres at integers, as numpy indexes them):

    p_xray = A q_em + t,   matrix = [A | t].

It is the project's `engine.transform.Affine` with both centres at the origin (that class does the algebra:
composition, inverse); `to_transform` gives the centre-based `Similarity` / `Affine` of the one convention
for the two image shapes (EM = moving, X-ray = fixed) and `resample_em` draws the EM image in the X-ray frame
with `engine.transform.apply_transform` (NaN outside the EM image).  A similarity has A = s R(a),
R(a) = [[cos a, -sin a], [sin a, cos a]] (counter-clockwise as displayed); `scale` s > 1 means an EM pixel is
larger than an X-ray pixel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence, Union

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..transform import Affine, Similarity, apply_transform, rotation

_ORIGIN = (1, 1)  # an image of this shape has its centre at (0, 0): centre-based = absolute coordinates


@dataclass(frozen=True)
class PointMap:
    """p_xray = matrix[:, :2] @ q_em + matrix[:, 2], in (row, col) pixels of each image."""

    motion: Affine

    @staticmethod
    def from_matrix(matrix: npt.ArrayLike) -> "PointMap":
        values = np.asarray(matrix, dtype=float)
        if values.shape != (2, 3):
            raise InputError(f"a correlative transform is a 2 x 3 matrix, got shape {values.shape}")
        if not np.isfinite(values).all():
            raise InputError("the transform contains NaN or infinite values")
        try:
            return PointMap(Affine.from_pixel_matrix(values, _ORIGIN))
        except ValueError:
            raise InputError("the transform is degenerate (it squashes the image onto a line)") from None

    @staticmethod
    def identity() -> "PointMap":
        return PointMap(Affine())

    @staticmethod
    def similarity(scale: float, angle_deg: float, shift: Sequence[float] = (0.0, 0.0)) -> "PointMap":
        """s R(angle) q + shift."""
        return PointMap.from_matrix(np.column_stack([scale * rotation(angle_deg), np.asarray(shift, float)]))

    @staticmethod
    def about_centres(scale: float, angle_deg: float, em_centre: npt.ArrayLike, xray_centre: npt.ArrayLike,
                      offset: npt.ArrayLike = (0.0, 0.0)) -> "PointMap":
        """The similarity that puts `em_centre` on `xray_centre` + `offset`, turned by `angle_deg` and scaled."""
        linear = scale * rotation(angle_deg)
        shift = np.asarray(xray_centre, float) + np.asarray(offset, float) - linear @ np.asarray(em_centre, float)
        return PointMap.from_matrix(np.column_stack([linear, shift]))

    @staticmethod
    def from_transform(transform: Union[Similarity, Affine], em_shape: Sequence[int],
                       xray_shape: Sequence[int]) -> "PointMap":
        """The map of a centre-based transform that aligns the EM image (moving) with the X-ray image (fixed)."""
        return PointMap.from_matrix(transform.pixel_matrix(em_shape, xray_shape))

    # -- reading ------------------------------------------------------------
    @property
    def matrix(self) -> np.ndarray:
        return self.motion.pixel_matrix(_ORIGIN)

    @property
    def linear(self) -> np.ndarray:
        return self.motion.linear()

    @property
    def shift(self) -> np.ndarray:
        return self.motion.shift

    @property
    def scale(self) -> float:
        """The mean scale sqrt(|det A|): X-ray pixels per EM pixel."""
        return self.motion.scale

    @property
    def angle_deg(self) -> float:
        """The rotation of the nearest similarity (exact for a similarity), in (-180, 180]."""
        return self.motion.angle_deg

    @property
    def anisotropy(self) -> float:
        """Ratio of the larger to the smaller singular value of A minus one (0 for a similarity)."""
        values = np.linalg.svd(self.linear, compute_uv=False)
        return float(values[0] / values[1] - 1.0)

    def to_dict(self) -> Dict[str, object]:
        return {"matrix": self.matrix.tolist(), "scale": self.scale, "angle_deg": self.angle_deg}

    def to_transform(self, em_shape: Sequence[int], xray_shape: Sequence[int],
                     kind: str = "affine") -> Union[Similarity, Affine]:
        """The centre-based transform of the one convention (EM moving, X-ray fixed); `kind` "similarity"
        keeps the nearest similarity (exact when the map is one)."""
        centred = Affine.from_pixel_matrix(self.matrix, em_shape, xray_shape)
        if kind == "similarity":
            return Similarity(centred.dy, centred.dx, centred.angle_deg, centred.scale)
        return centred

    # -- algebra ------------------------------------------------------------
    def apply(self, points: npt.ArrayLike) -> np.ndarray:
        """Map (N, 2) EM points (row, col) into the X-ray image."""
        q = np.asarray(points, dtype=float).reshape(-1, 2)
        result: np.ndarray = q @ self.linear.T + self.shift
        return result

    def inverse(self) -> "PointMap":
        """The map from X-ray to EM pixels."""
        return PointMap(self.motion.inverse())

    def then(self, other: "PointMap") -> "PointMap":
        """Apply this map, then `other`."""
        return PointMap(self.motion.then(other.motion))

    def rescaled(self, em_factor: float, xray_factor: float) -> "PointMap":
        """The same map between images binned by `em_factor` and `xray_factor` (coarse i = fine factor * i)."""
        return PointMap.from_matrix(np.column_stack([self.linear * em_factor / xray_factor, self.shift / xray_factor]))


def resample_em(em: np.ndarray, point_map: PointMap, shape: Sequence[int], order: int = 1,
                cval: float = np.nan) -> np.ndarray:
    """The EM image drawn on an X-ray grid of `shape` (float32; `cval`, NaN by default, outside the EM image)."""
    shape = tuple(int(v) for v in shape[:2])
    work = np.asarray(em, dtype=np.float32)
    out: np.ndarray = apply_transform(work, point_map.to_transform(work.shape, shape), order=order, cval=cval,
                                      output_shape=shape)
    return out
