"""Similarity and affine refinement shared by the methods that offer it (TVDM, ssd, mi).

A method first finds its rigid answer as usual; with `transform` = similarity or affine this module then
refines more parameters on the method's own cost:

- similarity: (dy, dx, angle, scale); the angle stays fixed when the method's rotation search is off (a
  XANES scan refocused at every energy changes magnification, not orientation: TXM-Wizard's magnification
  correction).  When the allowed scale change is large, candidate scales on a geometric grid (spaced so the
  image corner moves about one pixel of the coarse level between neighbours) are compared first.
- affine: all six parameters, started from the similarity result.

Parameters are searched in "corner pixels" (how far the image corner moves), so one tolerance means the
same precision for shifts, angle, scale and shear.  Powell's method with bounds does the local search,
coarse level first (order-1 interpolation), then the finest with cubic interpolation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

import numpy as np

from ..params import Param
from ..transform import KINDS, Affine, AnyTransform, Similarity, widen

TRANSFORM_KIND = Param(
    "transform", "Transform", str, "rigid",
    "rigid: shift (and rotation when on); similarity: also a magnification change (zone-plate refocusing "
    "across a XANES scan); affine: also stretch and shear.  Stack alignment sets it from its own option.",
    choices=KINDS, advanced=True)
SCALE_RANGE = Param(
    "scale_range", "Scale range", float, 0.05,
    "Largest magnification change either way (0.05 = +-5 %) a similarity or affine search considers.",
    minimum=0.001, maximum=1.0, advanced=True)

Cost = Callable[[AnyTransform], float]
# Local search bounds around the start, in corner pixels of the level searched: on the first level searched,
# then on each finer one (which starts from the coarser answer, within about a pixel of it).
_LOCAL_RANGE = 3.0
_FINER_RANGE = 1.0
# Searches that stop on the edge of their local box start again from there this many times at most.
_RESTARTS = 4
# Powell's tolerance in corner pixels: 0.01 px at the corner of a 256 px image is a scale of 5e-5.
_XTOL = 1e-2
# Powell stops when a sweep improves the cost by less than this fraction: a 0.01 % scale error changes a
# TVDM cost by about 1e-5 of itself on a 128 px XANES image, so the tolerance must sit below that.
_FTOL = 1e-7
# Coarser levels only bring the start within reach of the finest one.
_COARSE_FTOL = 1e-5
# Grid candidates of scale are tried when the scale range moves the corner further than this many px.
_GRID_FROM_PX = 2.0
_NEAR_BOUND = 0.02


Convert = Callable[[AnyTransform], AnyTransform]


@dataclass(frozen=True)
class LevelCost:
    """The method's cost on one pyramid level, its image shape, and how full-resolution transforms are
    expressed on it (`to_level`) and back (`from_level`)."""

    cost: Cost
    shape: Tuple[int, ...]
    to_level: Convert
    from_level: Convert


@dataclass(frozen=True)
class Refined:
    transform: AnyTransform
    cost: float
    scale_on_bound: bool


class _Vector:
    """Maps a parameter vector (corner pixels) to a transform of one kind, about `start`."""

    def __init__(self, kind: str, start: AnyTransform, shape: Sequence[int], rotation: bool):
        self.kind, self.rotation = kind, rotation
        self.radius = 0.5 * math.hypot(*shape[:2])
        self.start = widen(start, kind)
        self.base = self.start.linear()

    def origin(self) -> np.ndarray:
        t = self.start
        if self.kind == "affine":
            return np.array([t.dy, t.dx, 0.0, 0.0, 0.0, 0.0])
        extra = [math.radians(t.angle_deg) * self.radius] if self.rotation else []
        return np.array([t.dy, t.dx] + extra + [math.log(t.scale) * self.radius])

    def transform(self, v) -> AnyTransform:
        if self.kind == "affine":
            m = self.base + np.asarray(v[2:6]).reshape(2, 2) / self.radius
            return Affine(float(v[0]), float(v[1]), float(m[0, 0]), float(m[0, 1]), float(m[1, 0]), float(m[1, 1]))
        angle = math.degrees(float(v[2]) / self.radius) if self.rotation else self.start.angle_deg
        return Similarity(float(v[0]), float(v[1]), angle, math.exp(float(v[-1]) / self.radius))

    def bounds(self, origin: np.ndarray, scale_range: float, angle_range: float,
               reach: float) -> List[Tuple[float, float]]:
        """Within `reach` corner px of `origin`, the angle range and the scale range."""
        out = [(x - reach, x + reach) for x in origin]
        if self.kind == "affine":
            limit = scale_range * self.radius
            return out[:2] + [(max(lo, -limit), min(hi, limit)) for lo, hi in out[2:]]
        if self.rotation:
            limit = math.radians(angle_range) * self.radius
            out[2] = (max(out[2][0], -limit), min(out[2][1], limit))
        log_reach = math.log1p(scale_range) * self.radius
        out[-1] = (max(out[-1][0], -log_reach), min(out[-1][1], log_reach))
        return out


def _clip(origin, bounds):
    return np.array([min(max(x, lo), hi) for x, (lo, hi) in zip(origin, bounds)])


def _scale_grid(start: AnyTransform, level: LevelCost, scale_range: float) -> AnyTransform:
    """The best of scales on a geometric grid (corner moving ~1 px of this level between neighbours)."""
    radius = 0.5 * math.hypot(*level.shape)
    if math.log1p(scale_range) * radius < _GRID_FROM_PX:
        return start
    step = 1.0 / radius
    count = int(math.ceil(math.log1p(scale_range) / step))
    candidates = [Similarity(start.dy, start.dx, start.angle_deg, start.scale * math.exp(k * step))
                  for k in range(-count, count + 1)]
    return min(candidates, key=level.cost)


def _near(value: float, edge: float) -> bool:
    return abs(value - edge) < _NEAR_BOUND


def _minimise(vector: _Vector, cost: Cost, scale_range: float, angle_range: float,
              reach: float, ftol: float, progress) -> Tuple[AnyTransform, float, bool]:
    """Powell within `reach` corner px of the start; when it stops on that local box (not on the scale or
    angle range), it searches again from there, up to `_RESTARTS` times.  Returns (transform, cost,
    whether a scale parameter ended on the edge of the scale range)."""
    limits = vector.bounds(vector.origin(), scale_range, angle_range, math.inf)
    current = _clip(vector.origin(), limits)
    calls = [0]

    def objective(v) -> float:
        calls[0] += 1
        if progress is not None and calls[0] % 25 == 0:
            progress.check()
        value = cost(vector.transform(v))
        return value if np.isfinite(value) else 1e12

    from scipy import optimize  # 0.3-0.5 s to import: only when a scale or shear is searched

    value = objective(current)
    for _ in range(_RESTARTS):
        box = [(max(lo, x - reach), min(hi, x + reach)) for x, (lo, hi) in zip(current, limits)]
        result = optimize.minimize(objective, current, method="Powell", bounds=box,
                                   options={"xtol": _XTOL, "ftol": ftol, "maxfev": 3000})
        if float(result.fun) >= value:  # never hand back a worse point than the start
            break
        current, value = np.asarray(result.x, dtype=float), float(result.fun)
        on_box = any((_near(x, lo) and lo > low) or (_near(x, hi) and hi < high)
                     for x, (lo, hi), (low, high) in zip(current, box, limits))
        if not on_box:
            break
    scale_index = [len(current) - 1] if vector.kind == "similarity" else [2, 3, 4, 5]
    on_bound = any(_near(current[i], limits[i][0]) or _near(current[i], limits[i][1]) for i in scale_index)
    return vector.transform(current), value, on_bound


def refine(start: AnyTransform, kind: str, levels: Sequence[LevelCost], *, rotation: bool,
           scale_range: float, angle_range: float = 180.0, progress=None) -> Refined:
    """Refine a full-resolution `start` (usually the method's rigid answer) to `kind` on `levels`.

    `levels` are the method's costs, coarsest first, the last at full resolution.  Affine starts from the
    similarity answer, on the finest level only.  Returns the full-resolution transform, its cost on the
    finest level and whether a scale (or matrix) parameter stopped at the edge of `scale_range`.
    """
    if kind == "rigid":
        raise ValueError("refine() is for similarity and affine transforms")
    kinds = ["similarity"] + (["affine"] if kind == "affine" else [])
    current: AnyTransform = widen(start, "similarity") if start.kind == "rigid" else start
    value, on_bound = float("nan"), False
    for step, wanted in enumerate(kinds):
        # the similarity answer already sits within a fraction of a pixel: affine refines on the finest level
        used = list(enumerate(levels)) if wanted == "similarity" else [(len(levels) - 1, levels[-1])]
        for index, level in used:
            if progress is not None:
                progress.update((step * len(levels) + index) / (len(kinds) * len(levels)),
                                f"refining the {wanted} transform on level {len(levels) - 1 - index}")
            here = level.to_level(current)
            if wanted == "similarity" and index == 0 and here.kind == "similarity":
                here = _scale_grid(here, level, scale_range)
            vector = _Vector(wanted, here, level.shape, rotation)
            reach = _LOCAL_RANGE if index == 0 or wanted == "affine" else _FINER_RANGE
            ftol = _FTOL if index == len(levels) - 1 else _COARSE_FTOL
            found, value, on_bound = _minimise(vector, level.cost, scale_range, angle_range, reach, ftol, progress)
            current = level.from_level(found)
    return Refined(current, value, on_bound)


def judged(status: str, confidence: float, message: str, refined: Refined, scale_range: float):
    """(status, confidence, message) of a rigid verdict once the refinement is known: a scale stopped at the
    edge of its range means the true magnification change may be larger, so the answer is not `ok`."""
    if not refined.scale_on_bound or status == "failed":
        return status, confidence, message
    note = (f"the scale stopped at the edge of the scale range (+-{scale_range:g}): the magnification may "
            "differ more; widen scale_range or check the images")
    return "low_confidence", confidence * 0.5, (message + "; " if message else "") + note


def refinement_details(start: AnyTransform, start_cost: float, refined: Refined) -> dict:
    """What the refinement did, for a method's `details`."""
    return {"transform_kind": refined.transform.kind, "rigid_cost": float(start_cost),
            "scale": float(refined.transform.scale), "matrix": refined.transform.matrix().tolist(),
            "rigid_start": [float(start.dy), float(start.dx), float(start.angle_deg)]}
