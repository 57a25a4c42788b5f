"""The multi-resolution data TVDM searches on: per pyramid level, smoothed images and their gradients.

Smoothing and gradients are computed once per image and level; candidate shifts only slice them, and a
candidate angle only resamples the smoothed moving image of one level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ..pyramid import build_pyramid, to_coarser, to_finer
from ..transform import Transform, apply_transform
from .tvdm_cost import Gradients, aligned_cost, smooth

# Candidates whose overlap (in compared gradient samples) is below this fraction of the image are skipped.
MIN_OVERLAP = 0.25
# The coarsest level keeps at least this many pixels along its shorter side.
MIN_LEVEL_SIZE = 64


@dataclass
class Level:
    """One pyramid level: the smoothed images (NaN where unusable), their gradients (moving unrotated)."""

    fixed_image: np.ndarray
    fixed: Gradients
    moving_image: np.ndarray
    moving: Gradients
    _rotated: dict = field(default_factory=dict)

    @property
    def shape(self):
        return self.moving_image.shape

    @property
    def min_count(self) -> int:
        rows, cols = self.shape
        return int(MIN_OVERLAP * 2 * rows * cols)

    def moving_at(self, angle_deg: float) -> Gradients:
        """Gradients of the moving image rotated by `angle_deg` about this level's centre (cached per angle)."""
        if angle_deg == 0.0:
            return self.moving
        if angle_deg not in self._rotated:
            self._rotated.clear()
            rotated = apply_transform(self.moving_image, Transform(angle_deg=angle_deg), order=1)
            self._rotated[angle_deg] = Gradients.of(rotated.astype(np.float32, copy=False))
        return self._rotated[angle_deg]

    def cost(self, transform: Transform) -> float:
        """TVDM with the moving image resampled by `transform` (one interpolation)."""
        warped = apply_transform(self.moving_image, transform, order=1).astype(np.float32, copy=False)
        return aligned_cost(self.fixed, Gradients.of(warped), self.min_count)


def build_levels(fixed: np.ndarray, moving: np.ndarray, fixed_mask: Optional[np.ndarray],
                 moving_mask: Optional[np.ndarray], sigma: float, count: int) -> List[Level]:
    """Up to `count` levels, finest first; the coarsest keeps at least MIN_LEVEL_SIZE px per side."""
    fixed_levels = build_pyramid(fixed, fixed_mask, min_size=MIN_LEVEL_SIZE, max_levels=count)
    moving_levels = build_pyramid(moving, moving_mask, min_size=MIN_LEVEL_SIZE, max_levels=count)
    levels = []
    for (f, fm), (m, mm) in zip(fixed_levels, moving_levels):
        fixed_image, moving_image = smooth(f, fm, sigma), smooth(m, mm, sigma)
        levels.append(Level(fixed_image, Gradients.of(fixed_image), moving_image, Gradients.of(moving_image)))
    return levels


def transform_at(levels: List[Level], transform: Transform, level: int) -> Transform:
    """A full-resolution transform expressed on pyramid level `level`."""
    for index in range(level):
        transform = to_coarser(transform, levels[index].shape, levels[index + 1].shape)
    return transform


def transform_from(levels: List[Level], transform: Transform, level: int) -> Transform:
    """A transform found on level `level` expressed at full resolution."""
    for index in range(level, 0, -1):
        transform = to_finer(transform, levels[index].shape, levels[index - 1].shape)
    return transform
