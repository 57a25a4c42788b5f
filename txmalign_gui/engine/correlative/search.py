"""Finding the EM -> X-ray map without landmarks: a grid over rotation and scale on the coarsest level, the
shift of each by FFT cross-correlation of edge strength, then mutual information to rank the candidates.

Edge strength (gradient magnitude) is the same whichever way the two modalities map gray values (a particle
dark in absorption and bright in backscattered electrons has the same edges), so it finds the shift for each
(angle, scale) cheaply; mutual information, which tolerates any consistent gray-value relation, then picks
among them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List

import numpy as np
from scipy import ndimage

from ..methods.masked_ncc import masked_ncc_surface
from ..progress import Progress
from .cost import similarity
from .geometry import PointMap, resample_em
from .levels import Level

# Candidates handed to the local refinement.
CANDIDATES = 3
# Grid spacing: the X-ray image's corner moves this many level pixels between neighbouring angles or scales
# (the local refinement reaches 3 level pixels, so it closes the gap).
GRID_STEP = 2.0
# Overlap of the EM image with the X-ray image below which a shift is not considered (fraction).
_MIN_OVERLAP = 0.3


@dataclass(frozen=True)
class Candidate:
    point_map: PointMap
    score: float


def grid_steps(level: Level, angle_range: float, scale_low: float, scale_high: float) -> tuple:
    """(angles in degrees, scales): spaced so that the X-ray image's corner moves `GRID_STEP` level pixels."""
    radius = 0.5 * math.hypot(*level.xray.shape) / GRID_STEP
    step = math.degrees(1.0 / radius)
    count = int(math.ceil(angle_range / step)) if angle_range > 0 else 0
    angles = np.linspace(-angle_range, angle_range, 2 * count + 1) if count else np.zeros(1)
    steps = int(math.ceil(math.log(scale_high / scale_low) * radius)) if scale_high > scale_low else 0
    scales = np.geomspace(scale_low, scale_high, steps + 1) if steps else np.array([math.sqrt(scale_low * scale_high)])
    return angles, scales


def global_search(level: Level, angle_range: float, scale_low: float, scale_high: float, bins: int,
                  progress: Progress) -> List[Candidate]:
    """The best maps (full-resolution pixels) over rotations within +-`angle_range` degrees and scales in
    [`scale_low`, `scale_high`] (X-ray pixels per EM pixel), best first."""
    angles, scales = grid_steps(level, angle_range, scale_low, scale_high)
    xray_edges = ndimage.gaussian_gradient_magnitude(level.xray, 1.0)
    xray_centre = (np.asarray(level.xray.shape, float) - 1) / 2 * level.xray_factor
    em_full_shape = np.asarray(level.em.shape, float) * level.em_factor
    em_centre = (em_full_shape - 1) / 2
    found: List[Candidate] = []
    total = len(angles) * len(scales)
    for i, scale in enumerate(scales):
        for j, angle in enumerate(angles):
            progress.update((i * len(angles) + j) / total,
                            f"searching rotation and scale ({scale:.3f}, {angle:+.1f} deg)")
            centred = PointMap.about_centres(float(scale), float(angle), em_centre, xray_centre)
            warped = resample_em(level.em, level.local_map(centred), level.xray.shape)
            usable = np.isfinite(warped)
            if usable.sum() < 16:
                continue
            filled = np.where(usable, warped, float(np.mean(warped[usable])))
            surface, _ = masked_ncc_surface(xray_edges, ndimage.gaussian_gradient_magnitude(filled, 1.0),
                                            None, usable, _MIN_OVERLAP)
            if not np.isfinite(surface).any():
                continue
            best = np.unravel_index(int(np.nanargmax(surface)), surface.shape)
            shift = (np.asarray(best, float) - (np.asarray(surface.shape) - 1) // 2) * level.xray_factor
            candidate = PointMap.about_centres(float(scale), float(angle), em_centre, xray_centre, shift)
            a, b = level.overlap(candidate)
            if a.size < level.min_overlap(candidate, _MIN_OVERLAP):
                continue
            found.append(Candidate(candidate, similarity(a, b, bins, level.ranges)))
    found.sort(key=lambda c: -c.score)
    return _distinct(found, level)[:CANDIDATES]


def _distinct(found: List[Candidate], level: Level) -> List[Candidate]:
    """Drop candidates that move the X-ray image's corners by less than 2 level pixels from a better one."""
    shape = level.xray.shape
    corners = np.array([[0, 0], [0, shape[1]], [shape[0], 0], [shape[0], shape[1]]], float) * level.xray_factor
    kept: List[Candidate] = []
    for candidate in found:
        where = candidate.point_map.inverse().apply(corners)
        if all(np.max(np.hypot(*(where - k.point_map.inverse().apply(corners)).T)) * k.point_map.scale
               > 2 * level.xray_factor for k in kept):
            kept.append(candidate)
        if len(kept) == CANDIDATES:
            break
    return kept
