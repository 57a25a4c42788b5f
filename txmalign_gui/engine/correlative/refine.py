"""Local refinement of the EM -> X-ray map: mutual information maximised by Powell's method on each pyramid
level, coarse to fine, over a similarity (shift, rotation, scale) and then, if asked, the two further affine
terms (anisotropic stretch and shear).

The parameters are perturbations of a starting map applied about the X-ray image centre, measured in how far
they move the X-ray image's corner in level pixels, so that one step size suits every parameter and level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..progress import Progress
from ..transform import rotation
from .cost import similarity
from .geometry import PointMap
from .levels import Level

# How far (corner motion in level pixels) one level may move each parameter from where it started.
LOCAL_RANGE = 3.0
# Overlap below this fraction of the possible one makes a map unacceptable.
MIN_OVERLAP = 0.3
_FAR = 1e3


def perturbation(vector: np.ndarray, radius: float, centre: np.ndarray, factor: float) -> PointMap:
    """The X-ray-frame map of (dy, dx, rotation, log scale[, stretch, shear]) about `centre` (full-resolution
    pixels); rotation, scale and the affine terms are given as corner motion (level pixels, `radius` level
    pixels from the centre), shifts in level pixels of `factor` full pixels."""
    linear = math.exp(vector[3] / radius) * rotation(math.degrees(vector[2] / radius))
    if len(vector) > 4:
        stretch, shear = vector[4] / radius, vector[5] / radius
        linear = linear @ np.array([[1.0 + stretch, shear], [shear, 1.0 - stretch]])
    shift = centre + np.asarray(vector[:2]) * factor - linear @ centre
    return PointMap.from_matrix(np.column_stack([linear, shift]))


@dataclass
class Objective:
    """Minus the mutual information on `level` of `start` followed by a perturbation."""

    level: Level
    start: PointMap
    bins: int
    affine: bool
    progress: Progress

    def __post_init__(self) -> None:
        shape = np.asarray(self.level.xray.shape, float)
        self.radius = 0.5 * float(np.hypot(*shape))
        self.centre = (shape - 1) / 2 * self.level.xray_factor
        self.minimum = self.level.min_overlap(self.start, MIN_OVERLAP)
        self.calls = 0

    def point_map(self, vector: np.ndarray) -> PointMap:
        return self.start.then(perturbation(np.asarray(vector, float), self.radius, self.centre,
                                            self.level.xray_factor))

    def __call__(self, vector: np.ndarray) -> float:
        self.calls += 1
        if self.calls % 20 == 0:
            self.progress.check()
        a, b = self.level.overlap(self.point_map(vector))
        if a.size < self.minimum:
            return _FAR
        return -similarity(a, b, self.bins, self.level.ranges)

    def minimise(self) -> tuple:
        """(best map, its cost, whether a parameter stopped at the edge of its range)."""
        size = 6 if self.affine else 4
        origin = np.zeros(size)
        bounds = [(-LOCAL_RANGE, LOCAL_RANGE)] * size
        result = optimize.minimize(self, origin, method="Powell", bounds=bounds,
                                   options={"xtol": 1e-2, "ftol": 1e-7, "maxfev": 1500})
        best, cost = np.asarray(result.x), float(result.fun)
        start_cost = self(origin)
        if start_cost <= cost:  # never hand back a worse map than the one this level started from
            best, cost = origin, start_cost
        at_bound = bool(np.any(np.abs(best) > LOCAL_RANGE - 0.05))
        return self.point_map(best), cost, at_bound


def refine(levels: list, start: PointMap, bins: int, affine: bool, progress: Progress) -> tuple:
    """Refine `start` from the coarsest to the finest of `levels` (coarsest last in the list): a similarity on
    every level, then the affine terms on the finest two.  Returns (map, cost, at_bound)."""
    point_map, cost, at_bound = start, 0.0, False
    steps = len(levels) + (2 if affine else 0)
    done = 0
    for index in range(len(levels) - 1, -1, -1):
        progress.update(done / steps, f"refining on level {index} (1/{levels[index].xray_factor} size)")
        point_map, cost, at_bound = Objective(levels[index], point_map, bins, False, progress).minimise()
        done += 1
    if affine:
        for index in range(min(1, len(levels) - 1), -1, -1):
            progress.update(done / steps, f"refining the affine terms on level {index}")
            point_map, cost, at_bound = Objective(levels[index], point_map, bins, True, progress).minimise()
            done += 1
    return point_map, cost, at_bound
