"""How precisely a registration cost pins its answer, measured on the images themselves.

A cost's minimum can be a dip the noise made: under heavy noise the SSD or MI cost along the angle is rough,
and its lowest point may lie half a degree from the truth while every other check (the match's significance,
the edges' best shift) looks fine.  So the cost is profiled around the answer along three directions: a
shift along each axis and a rotation about the field's centre, in steps that move the field's corners by
a fraction of a pixel.  A quadratic fitted to each profile places the cost's minimum, and a jackknife over
blocks of the field (the noise in different blocks is independent, the cost a sum of their contributions)
gives the standard error of that minimum: how far the corners of the field could be off, as the data say.
SSD and MI use these profiles (`profile_precision`).  TVDM places its minimum by balancing the costs a pixel
either side of it, so it jackknifes that balance point from the sums its refinement kept per block
(`balance_error`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence, Tuple

import numpy as np

from ..transform import AnyTransform, Transform

# Probes on each side of the answer and their spacing (px moved at the field's corner), for the shifts and
# for the rotation: +-2 px, where the cost of natural images is still close to a parabola.  Shift probes
# keep the answer's fractional position, so interpolation smooths the noise alike in all of them (half-pixel
# steps made the noise part of the SSD cost zigzag and the fit fail under heavy noise); rotation probes mix
# all fractional positions anyway.
SHIFT_PROBES, SHIFT_STEP_PX = 2, 1.0
TURN_PROBES, TURN_STEP_PX = 4, 0.5
# A jackknife needs at least this many blocks holding samples to say anything.
MIN_BLOCKS = 4


@dataclass(frozen=True)
class Precision:
    """Where a cost's fitted minimum lies from an answer and how precisely, in px moved at the field's corner.

    `offset_px` and `error_px` are (shift along rows, shift along columns, rotation about the centre):
    the fitted minimum's distance from the answer and its standard error (inf: the cost does not rise on
    both sides within the probed range, or too few blocks overlap)."""

    offset_px: Tuple[float, ...]
    error_px: Tuple[float, ...]

    @property
    def uncertainty_px(self) -> float:
        """Standard error of the field corners' position (the three directions' errors combined)."""
        return float(math.sqrt(sum(e * e for e in self.error_px)))

    @property
    def distance_px(self) -> float:
        """How far the fitted minimum would move the field's corners from the answer."""
        return float(math.sqrt(sum(o * o for o in self.offset_px)))

    def scaled(self, factor: float) -> "Precision":
        return Precision(tuple(factor * o for o in self.offset_px), tuple(factor * e for e in self.error_px))


def _vertices(costs: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Vertex (in units of `steps`) of the least-squares parabola through each row of `costs`; NaN where it
    opens downwards or is flat."""
    design = np.stack([np.ones_like(steps), steps, steps * steps], axis=1)
    coefficients = np.linalg.lstsq(design, costs.T, rcond=None)[0]
    slope, curvature = coefficients[1], coefficients[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(curvature > 0, -slope / (2.0 * curvature), np.nan)


def profile_precision(block_statistics: Callable[[AnyTransform], np.ndarray],
                      cost_of: Callable[[np.ndarray], np.ndarray], shape: Sequence[int],
                      transform: AnyTransform) -> Precision:
    """Profile the cost around `transform` and jackknife its minimum over blocks of the field.

    `block_statistics(t)` gives, for the moving image resampled by `t`, one row of additive statistics per
    block of the field (the cost of the whole field comes from their sum); `cost_of` maps an array of such
    sums (any leading axes, statistics last) to costs.  `shape` is the field's (rows, cols)."""
    radius = 0.5 * math.hypot(*shape)
    at_answer = block_statistics(transform)  # the middle probe of all three profiles
    offsets, errors = [], []
    for axis in range(3):
        probes, step = (SHIFT_PROBES, SHIFT_STEP_PX) if axis < 2 else (TURN_PROBES, TURN_STEP_PX)
        steps = np.arange(-probes, probes + 1, dtype=np.float64)
        probed = []
        for k in steps:
            move = [0.0, 0.0, 0.0]
            move[axis] = k * step
            perturbation = Transform(move[0], move[1], math.degrees(move[2] / radius))
            probed.append(at_answer if k == 0 else block_statistics(transform.then(perturbation)))
        stats = np.asarray(probed)                       # (probe, block, statistic)
        stats = stats[:, np.abs(stats).sum(axis=(0, 2)) > 0]   # blocks the overlap never reaches drop out
        total = stats.sum(axis=1)                        # (probe, statistic)
        blocks = stats.shape[1]
        whole = _vertices(cost_of(total)[None, :], steps)[0]
        leave_one_out = _vertices(np.moveaxis(cost_of(total[:, None, :] - stats), 0, 1), steps)
        finite = np.isfinite(whole) and bool(np.isfinite(leave_one_out).all()) and blocks >= MIN_BLOCKS
        offsets.append(float(whole) * step if finite else math.inf)
        errors.append(jackknife_error(leave_one_out) * step if finite else math.inf)
    return Precision(tuple(offsets), tuple(errors))


def jackknife_error(leave_one_out: np.ndarray) -> float:
    """Standard error of an estimate from its values with each block left out in turn (inf if any is not
    finite: without some block the cost no longer places a minimum)."""
    if not np.isfinite(leave_one_out).all():
        return math.inf
    blocks = leave_one_out.size
    return math.sqrt((blocks - 1) / blocks * float(np.sum((leave_one_out - leave_one_out.mean()) ** 2)))


def balance_error(position: float, slope: float, sums: np.ndarray, counts: np.ndarray) -> Tuple[float, float]:
    """(balance point, its standard error) of a cost's imbalance, jackknifed over blocks.

    The imbalance at `position` p is cost(p + h) - cost(p - h); it grows by `slope` per unit of p, so it
    vanishes at p - imbalance / slope, the balance point (where a cost symmetric about its minimum is
    minimal).  `sums` and `counts` (shape (2 sides (-h, +h), blocks)) are the sums and sample counts per block
    of the two costs, each a sum over samples divided by their count.  Only the imbalance is jackknifed:
    near the balance point (the refinement starts within a fraction of a pixel of it) the slope's own noise
    moves it far less, and measuring it too would double the work.  The error is inf when the slope is not
    positive or too few blocks hold samples."""
    kept = counts.sum(axis=0) > 0
    sums, counts = sums[:, kept], counts[:, kept]
    if sums.shape[-1] < MIN_BLOCKS or not slope > 0:
        return math.nan, math.inf
    total_sums, total_counts = sums.sum(axis=-1), counts.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        costs = (total_sums[:, None] - sums) / (total_counts[:, None] - counts)   # (side, block left out)
    whole = total_sums / total_counts
    return (float(position - (whole[1] - whole[0]) / slope),
            jackknife_error(position - (costs[1] - costs[0]) / slope))
