"""The two images at the resolutions the search works on: power-of-two pyramids of each, paired so that an
EM pixel is never coarser than an X-ray pixel of the same level, with the gray-value ranges MI needs.

Large EM images (often 8-bit, thousands of pixels wide) are only ever blurred and halved here, never resampled
at full size; coarse pixel i of a level sits at fine pixel factor * i (`engine.pyramid.downsample`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from ..pyramid import downsample
from .geometry import PointMap, resample_em

# Levels stop before the shorter X-ray side drops under this many pixels.
MIN_LEVEL_SIZE = 32
# Gray values are mapped to [0, 1] between these percentiles (outliers clipped) for the joint histogram.
_PERCENTILES = (0.5, 99.5)


def _halvings(image: np.ndarray, count: int) -> List[np.ndarray]:
    levels = [image]
    for _ in range(count):
        levels.append(downsample(levels[-1])[0])
    return levels


def gray_range(image: np.ndarray) -> Tuple[float, float]:
    low, high = np.percentile(image, _PERCENTILES)
    return float(low), float(high) if high > low else float(low) + 1.0


@dataclass
class Level:
    """One resolution: the X-ray image binned by `xray_factor`, the EM image binned by `em_factor`."""

    xray: np.ndarray
    em: np.ndarray
    xray_factor: int
    em_factor: int
    ranges: Tuple[Tuple[float, float], Tuple[float, float]]

    def local_map(self, point_map: PointMap) -> PointMap:
        """The full-resolution map expressed between this level's pixels."""
        return point_map.rescaled(self.em_factor, self.xray_factor)

    def overlap(self, point_map: PointMap, order: int = 1) -> Tuple[np.ndarray, np.ndarray]:
        """X-ray values and resampled EM values at the X-ray pixels the EM image covers."""
        warped = resample_em(self.em, self.local_map(point_map), self.xray.shape, order=order)
        covered = np.isfinite(warped)
        return self.xray[covered], warped[covered].astype(np.float64)

    def min_overlap(self, point_map: PointMap, fraction: float) -> float:
        """`fraction` of the smaller of the X-ray image and the EM image's footprint in it (pixels)."""
        footprint = self.em.size * (self.em_factor * point_map.scale / self.xray_factor) ** 2
        return fraction * min(float(self.xray.size), footprint)


class Pyramid:
    """X-ray levels from `first_factor` (a power of two) upwards, each paired with the EM level whose pixels
    are the largest not exceeding the X-ray pixel for scale `scale` (X-ray pixels per EM pixel)."""

    def __init__(self, xray: np.ndarray, em: np.ndarray, scale: float, max_size: int):
        first = 0
        while max(xray.shape) / 2 ** first > max_size and min(xray.shape) / 2 ** (first + 1) >= MIN_LEVEL_SIZE:
            first += 1
        count = first
        while min(xray.shape) / 2 ** (count + 1) >= MIN_LEVEL_SIZE:
            count += 1
        xray_levels = _halvings(xray, count)
        em_halvings = max(0, int(math.floor(math.log2(2 ** count / max(scale, 1e-6)))))
        em_halvings = min(em_halvings, max(0, int(math.log2(max(1, min(em.shape) // 8)))))
        em_levels = _halvings(em, em_halvings)
        ranges = (gray_range(xray), gray_range(em))
        self.levels: List[Level] = []
        for index in range(first, count + 1):
            wanted = int(math.floor(math.log2(max(2 ** index / max(scale, 1e-6), 1.0))))
            e = min(wanted, em_halvings)
            self.levels.append(Level(xray_levels[index].astype(np.float64), em_levels[e].astype(np.float32),
                                     2 ** index, 2 ** e, ranges))

    @property
    def finest(self) -> Level:
        return self.levels[0]

    @property
    def coarsest(self) -> Level:
        return self.levels[-1]

    def describe(self) -> Dict[str, object]:
        return {"levels": [[lv.xray_factor, lv.em_factor] for lv in self.levels]}
