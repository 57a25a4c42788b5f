"""The TVDM cost: mean absolute gradient of (smoothed fixed - smoothed, transformed moving) over the overlap.

The gradient is linear, so for an integer shift the cost only needs the two images' gradients, computed
once: each candidate is slicing, a subtraction and a sum; a fractional shift interpolates the moving
gradients by cubic convolution (four taps per axis).  Unusable pixels (masks, outside the image) are NaN
and drop out; dividing by the number of compared pixels keeps small overlaps from looking good.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Optional, Tuple

import numpy as np
from scipy import fft as scipy_fft

from ..filters import gaussian


def smooth(image: np.ndarray, mask: Optional[np.ndarray], sigma: float) -> np.ndarray:
    """Gaussian-filtered float32 copy of `image`; masked pixels neither contribute nor survive (NaN)."""
    image = image.astype(np.float32, copy=False)
    if mask is None:
        out = gaussian(image, sigma) if sigma > 0 else image
        return out.astype(np.float32, copy=False)
    if sigma > 0:
        weight = gaussian(mask.astype(np.float32), sigma)
        blurred = gaussian(np.where(mask, image, np.float32(0.0)), sigma)
        out = blurred / np.maximum(weight, np.float32(1e-12))
    else:
        out = image.copy()
    out = out.astype(np.float32, copy=False)
    out[~mask] = np.nan
    return out


@dataclass(frozen=True)
class Gradients:
    """Forward differences along rows (gy) and columns (gx); `has_nan` says whether any sample is unusable.

    `scale` multiplies the gradients where they are compared: a moving image's gray-value scale (see
    `build_levels`), applied without copying the arrays its shared pyramid holds.  Fixed gradients are
    never scaled."""

    gy: np.ndarray
    gx: np.ndarray
    has_nan: bool
    scale: float = 1.0

    @classmethod
    def of(cls, image: np.ndarray) -> "Gradients":
        gy = image[1:, :] - image[:-1, :]
        gx = image[:, 1:] - image[:, :-1]
        # a NaN pixel makes the differences beside it NaN (one test over the image, not two over gradients)
        return cls(gy, gx, bool(np.isnan(image).any()))

    @cached_property
    def power(self) -> float:
        """Mean squared difference per component (unusable samples ignored); computed once, since a stack's
        shared pyramids hand the same gradients to every pair that chooses a smoothing on them."""
        if not self.has_nan:
            return 0.5 * sum(float(np.vdot(g.ravel(), g.ravel())) / max(g.size, 1) for g in (self.gy, self.gx))
        return 0.5 * float(np.nanmean(self.gy * self.gy) + np.nanmean(self.gx * self.gx))

    def scaled(self, factor: float) -> "Gradients":
        """These gradients times `factor`, sharing the arrays (`power` is that of the unscaled ones)."""
        return Gradients(self.gy, self.gx, self.has_nan, self.scale * factor)

    def materialized(self) -> "Gradients":
        """These gradients with the scale applied to copies (themselves at scale 1)."""
        if self.scale == 1.0:
            return self
        gy, gx = self.components()
        return Gradients(gy, gx, self.has_nan)

    def components(self) -> Iterator[np.ndarray]:
        """gy, then gx, with the scale applied: the arrays themselves at scale 1, else scaled copies made one
        at a time (so at most one is alive while the caller uses it)."""
        for values in (self.gy, self.gx):
            yield values if self.scale == 1.0 else values * np.float32(self.scale)

    @property
    def shape(self) -> Tuple[int, int]:
        return self.gx.shape[0], self.gy.shape[1]


def _difference(fixed: np.ndarray, moving: np.ndarray, squared: bool, scale: float = 1.0) -> np.ndarray:
    """Per-sample contribution to the cost: |fixed - scale * moving|, or its square."""
    if scale == 1.0:
        diff = np.subtract(fixed, moving)
    else:
        diff = np.multiply(moving, np.float32(scale))
        np.subtract(fixed, diff, out=diff)
    (np.square if squared else np.abs)(diff, out=diff)
    return diff


def _total(diff: np.ndarray, has_nan: bool) -> Tuple[float, int]:
    """(sum, count) of the usable samples of `diff`."""
    if not has_nan:
        # float32 pairwise sum: relative error ~1e-7 log2(n), far below the cost differences compared
        return float(diff.sum()), diff.size
    unusable = np.isnan(diff)
    return float(np.sum(diff, where=~unusable, dtype=np.float64)), diff.size - int(np.count_nonzero(unusable))


def _abs_sum(fixed: np.ndarray, moving: np.ndarray, has_nan: bool, squared: bool,
             scale: float = 1.0) -> Tuple[float, int]:
    return _total(_difference(fixed, moving, squared, scale), has_nan)


def aligned_cost(fixed: Gradients, moving: Gradients, min_count: int = 1, squared: bool = False) -> float:
    """TVDM of two gradient sets already on the same pixel grid; inf when fewer than `min_count` samples.
    `squared` compares squared instead of absolute gradient differences (see `Level.squared`)."""
    has_nan = fixed.has_nan or moving.has_nan
    total, count = 0.0, 0
    for a, b in ((fixed.gy, moving.gy), (fixed.gx, moving.gx)):
        s, n = _abs_sum(a, b, has_nan, squared, moving.scale)
        total += s
        count += n
    return total / count if count >= max(min_count, 1) else np.inf


def _overlap(length: int, shift: int) -> Tuple[slice, slice]:
    """Slices of fixed and moving along one axis for moving displaced by `shift` pixels."""
    return slice(max(0, shift), min(length, length + shift)), slice(max(0, -shift), min(length, length - shift))


def shift_cost(fixed: Gradients, moving: Gradients, dy: int, dx: int, min_count: int = 1,
               squared: bool = False) -> float:
    """TVDM for moving shifted by the integer (dy, dx), compared on the overlap only (no wrap-around)."""
    has_nan = fixed.has_nan or moving.has_nan
    total, count = 0.0, 0
    for a, b in ((fixed.gy, moving.gy), (fixed.gx, moving.gx)):
        fy, my = _overlap(a.shape[0], dy)
        fx, mx = _overlap(a.shape[1], dx)
        if fy.start >= fy.stop or fx.start >= fx.stop:
            continue
        s, n = _abs_sum(a[fy, fx], b[my, mx], has_nan, squared, moving.scale)
        total += s
        count += n
    return total / count if count >= max(min_count, 1) else np.nan


# Rows per block when interpolating: a block's taps and partial sums (4 x 32 rows of a 1024 px image) fit
# in a core's L2 cache.
_BLOCK_ROWS = 32


def _cubic_weights(s: float):
    """Cubic convolution (Keys, a = -0.5) weights of the samples at -1, 0, 1 and 2 for offset s in [0, 1)."""
    values = (-s ** 3 + 2 * s ** 2 - s, 3 * s ** 3 - 5 * s ** 2 + 2, -3 * s ** 3 + 4 * s ** 2 + s, s ** 3 - s ** 2)
    return [np.float32(v / 2.0) for v in values]


def displace(values: np.ndarray, shift: float, axis: int) -> Tuple[int, np.ndarray]:
    """`values` displaced by `shift` along `axis` (cubic convolution), at every whole pixel where all four
    taps lie inside `values`; returns (position of the first sample, which may lie outside the image, samples).

    Shifts that differ by whole pixels share the samples: only the returned position moves.  The taps are
    summed a block of rows at a time, so the partial sums stay in the processor's cache instead of making
    four passes through 4 MB temporaries (the same operations in the same order, so the same samples)."""
    length = values.shape[axis]
    whole = int(np.ceil(shift))
    count = max(length - 3, 0)
    weights = _cubic_weights(whole - shift)
    rows = count if axis == 0 else values.shape[0]
    out = np.empty((rows, count if axis == 1 else values.shape[1]), np.result_type(values.dtype, np.float32))
    scratch = np.empty((min(_BLOCK_ROWS, rows), out.shape[1]), out.dtype)
    for start in range(0, rows, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, rows)
        block, term = out[start:stop], scratch[:stop - start]
        for tap, weight in enumerate(weights):
            part = values[start + tap:stop + tap] if axis == 0 else values[start:stop, tap:tap + count]
            np.multiply(part, weight, out=block if tap == 0 else term)
            if tap:
                block += term
    return whole + 1, out


def _inside(origin: int, count: int, length: int) -> Tuple[slice, slice]:
    """(positions in the image, indices in the samples) of `count` samples starting at position `origin`."""
    low, high = max(0, origin), min(length, origin + count)
    high = max(high, low)
    return slice(low, high), slice(low - origin, high - origin)


class BlockGrid:
    """Blocks of a field's pixel grid (`per_side` x `per_side`, edges as even as the size allows), over which
    a cost's sums are also kept: the noise in different blocks is independent, so leaving one block out at a
    time (a jackknife) measures how much the noise moves what the cost decides (`cost_precision`)."""

    def __init__(self, shape: Tuple[int, int], per_side: int):
        self.edges = [np.linspace(0, n, per_side + 1).astype(int) for n in shape]

    @property
    def count(self) -> int:
        return (len(self.edges[0]) - 1) * (len(self.edges[1]) - 1)

    def sums(self, diff: np.ndarray, rows: slice, cols: slice, has_nan: bool) -> Tuple[np.ndarray, np.ndarray]:
        """(sums, counts) of the usable samples of `diff`, which covers the field's pixels [rows, cols], per
        block (flattened, row-major); one extra pass over `diff`."""
        ranges = [self._local(edges, window, length)
                  for edges, window, length in zip(self.edges, (rows, cols), diff.shape)]
        if has_nan:
            usable = ~np.isnan(diff)
            counts = self._reduce(usable.astype(np.float32), ranges)
            diff = np.where(usable, diff, np.float32(0.0))
        else:
            (low_r, high_r), (low_c, high_c) = ranges
            counts = np.outer(high_r - low_r, high_c - low_c).astype(np.float64)
        return self._reduce(diff, ranges).ravel(), counts.ravel()

    @staticmethod
    def _local(edges: np.ndarray, window: slice, length: int) -> Tuple[np.ndarray, np.ndarray]:
        """Each block's [low, high) along one axis, in the coordinates of a window starting at window.start."""
        return (np.clip(edges[:-1] - window.start, 0, length), np.clip(edges[1:] - window.start, 0, length))

    @staticmethod
    def _reduce(values: np.ndarray, ranges) -> np.ndarray:
        """Block sums of `values` (float64; empty blocks 0), rows first: each strip of rows is summed down
        its columns in the data's dtype (numpy streams that through memory once, several times faster than
        np.add.reduceat on the whole), then the strips' columns per block."""
        (low_r, high_r), (low_c, high_c) = ranges
        strips = np.zeros((len(low_r), values.shape[1] + 1))  # a last zero column for blocks beyond the data
        for index, (low, high) in enumerate(zip(low_r, high_r)):
            if high > low:
                strips[index, :-1] = values[low:high].sum(axis=0)
        out = np.add.reduceat(strips, low_c, axis=1)
        out[:, high_c <= low_c] = 0.0
        return out


class LineCost:
    """TVDM as a function of a fractional shift along `axis`, the shift along the other axis held at
    `across` (NaN below `min_count` compared samples).

    `costs(shift, steps)` gives the costs at shift + k for each whole k in `steps` from one interpolation of
    the moving gradients; `with_blocks` also gives their sums and counts per block of a `BlockGrid`."""

    def __init__(self, fixed: Gradients, moving: Gradients, across: float, axis: int, min_count: int = 1,
                 squared: bool = False):
        self.fixed, self.axis, self.min_count, self.squared = fixed, axis, min_count, squared
        self.has_nan = fixed.has_nan or moving.has_nan
        self._pre = [displace(b, across, 1 - axis) for b in moving.components()]

    def __call__(self, shift: float, steps=(0,)) -> list:
        return self._evaluate(shift, steps, None)[0]

    def with_blocks(self, shift: float, steps, grid: BlockGrid) -> Tuple[list, np.ndarray, np.ndarray]:
        """(costs, sums, counts): the costs as `costs(shift, steps)` and, per step, the sums and counts of
        their samples per block of `grid` (arrays of shape (len(steps), grid.count))."""
        return self._evaluate(shift, steps, grid)

    def _evaluate(self, shift: float, steps, grid: Optional[BlockGrid]):
        # component by component, so one component's displaced samples are alive at a time
        parts = [self._component(a, first, b, shift, steps, grid)
                 for a, (first, b) in zip((self.fixed.gy, self.fixed.gx), self._pre)]
        values = []
        block_sums = np.zeros((len(steps), grid.count if grid else 0))
        block_counts = np.zeros_like(block_sums)
        for index in range(len(steps)):
            total, count = 0.0, 0
            for found, sums, counts in parts:
                total += found[index][0]
                count += found[index][1]
                block_sums[index] += sums[index]
                block_counts[index] += counts[index]
            values.append(total / count if count >= max(self.min_count, 1) else np.nan)
        return values, block_sums, block_counts

    def _component(self, a: np.ndarray, first: int, b: np.ndarray, shift: float, steps,
                   grid: Optional[BlockGrid]):
        """([(sum, count)], block sums, block counts) per step of one gradient component."""
        axis, other = self.axis, 1 - self.axis
        origin, samples = displace(b, shift, axis)
        cross, cross_index = _inside(first, samples.shape[other], a.shape[other])
        found = []
        block_sums = np.zeros((len(steps), grid.count if grid else 0))
        block_counts = np.zeros_like(block_sums)
        for index, step in enumerate(steps):
            along, along_index = _inside(origin + int(step), samples.shape[axis], a.shape[axis])
            if axis == 0:
                part, fixed_part, rows, cols = samples[along_index, cross_index], a[along, cross], along, cross
            else:
                part, fixed_part, rows, cols = samples[cross_index, along_index], a[cross, along], cross, along
            diff = _difference(fixed_part, part, self.squared)
            found.append(_total(diff, self.has_nan))
            if grid is not None:
                block_sums[index], block_counts[index] = grid.sums(diff, rows, cols, self.has_nan)
        return found, block_sums, block_counts


def v_fit(before: float, at: float, after: float, squared: bool = False) -> float:
    """Subpixel offset in [-0.5, 0.5] of the minimum of a cost sampled at -1, 0 and +1.

    The equiangular fit suits a sum of absolute values, whose minimum is a kink rather than a parabola;
    a `squared` cost is smooth at its minimum, so it gets a parabola.
    """
    rise = max(before, after) - at
    if not np.isfinite(rise) or rise <= 0:
        return 0.0
    if squared:
        return float(np.clip(0.5 * (before - after) / (before + after - 2.0 * at), -0.5, 0.5))
    return float(np.clip((before - after) / (2.0 * rise), -0.5, 0.5))


def _correlate(x: np.ndarray, y: np.ndarray, shape) -> np.ndarray:
    """c(d) = sum_p x(p) y(p - d) for every d, by zero-padded FFTs of size `shape` (index d mod shape)."""
    return scipy_fft.irfft2(scipy_fft.rfft2(x, shape) * np.conj(scipy_fft.rfft2(y, shape)), shape)


def squared_shift_costs(fixed: Gradients, moving: Gradients, centre, radius: int, min_count: int = 1) -> np.ndarray:
    """`shift_cost(..., squared=True)` for every integer shift within `radius` of `centre`, all at once, as a
    (2 radius + 1)^2 array (row i, column j: shift centre + (i - radius, j - radius)): the mean squared
    difference over the overlap expands into correlations of the gradients, their squares and their
    usable-pixel indicators, each one FFT product."""
    cy, cx = (int(round(v)) for v in centre)
    numerator: np.ndarray = np.zeros(())  # 0-d until the first gradient pair broadcasts it
    count: np.ndarray = np.zeros(())
    rows, cols = fixed.gx.shape[0] + 1, fixed.gx.shape[1] + 1
    # any size at least this long keeps the wrapped-around lags apart; a 5-smooth one is fast
    shape = tuple(scipy_fft.next_fast_len(n, real=True) for n in (rows + abs(cy) + radius + 1,
                                                                   cols + abs(cx) + radius + 1))
    for a, b in zip((fixed.gy, fixed.gx), moving.components()):
        wa, wb = np.isfinite(a).astype(np.float64), np.isfinite(b).astype(np.float64)
        a0, b0 = np.where(wa > 0, a, 0.0).astype(np.float64), np.where(wb > 0, b, 0.0).astype(np.float64)
        numerator = numerator + (_correlate(a0 * a0, wb, shape) + _correlate(wa, b0 * b0, shape)
                                 - 2.0 * _correlate(a0, b0, shape))
        count = count + _correlate(wa, wb, shape)
    offsets = np.arange(-radius, radius + 1)
    ys, xs = (cy + offsets) % numerator.shape[0], (cx + offsets) % numerator.shape[1]
    counts = np.rint(count[np.ix_(ys, xs)])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts >= max(min_count, 1), numerator[np.ix_(ys, xs)] / counts, np.nan)
