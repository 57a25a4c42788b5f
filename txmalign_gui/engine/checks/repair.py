"""Replace untrusted rows of a transform table by values from the trusted frames around them."""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..transform import ROW_KINDS


def _table(transforms: npt.ArrayLike, excluded: Iterable[int], x: Optional[npt.ArrayLike]
           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = np.array(transforms, dtype=float, copy=True)
    if table.ndim != 2 or table.shape[1] not in ROW_KINDS:
        raise InputError(f"transforms must be an (N, 3) table of dy, dx, angle (4 columns with a scale, 6 for "
                         f"an affine); got shape {table.shape}")
    count = len(table)
    bad = np.zeros(count, dtype=bool)
    bad[np.asarray(list(excluded), dtype=int)] = True
    x = np.arange(count, dtype=float) if x is None else np.asarray(x, dtype=float)
    if x.shape != (count,):
        raise InputError(f"need one x value per frame ({count}), got {x.shape}")
    return table, bad, x


def interpolate_excluded(transforms: npt.ArrayLike, excluded: Iterable[int],
                         x: Optional[npt.ArrayLike] = None) -> np.ndarray:
    """A copy of the (N, 3 | 4 | 6) table where the `excluded` rows are linearly interpolated, column by column
    (so a scale or the affine terms too), from the nearest kept frames on either side along `x` (frame index
    by default; energies work too); ends take the nearest."""
    table, bad, x = _table(transforms, excluded, x)
    keep = ~bad
    if keep.sum() < 1:
        raise InputError("every frame is excluded; keep at least one to interpolate from")
    order = np.argsort(x[keep])
    for column in range(table.shape[1]):
        table[bad, column] = np.interp(x[bad], x[keep][order], table[keep, column][order])
    return table


def smooth_fit(transforms: npt.ArrayLike, excluded: Iterable[int] = (), degree: int = 3,
               x: Optional[npt.ArrayLike] = None, replace: Optional[Iterable[int]] = None) -> np.ndarray:
    """A copy of the table where rows `replace` (default: the excluded ones) take the value of a least-squares
    polynomial of `degree` in x fitted to the kept frames, column by column (a smooth drift curve; with a
    scale column, a smooth magnification ramp too)."""
    table, bad, x = _table(transforms, excluded, x)
    keep = ~bad
    if keep.sum() <= degree:
        raise InputError(f"a degree-{degree} fit needs more than {degree} kept frames, got {int(keep.sum())}")
    rows = np.flatnonzero(bad) if replace is None else np.asarray(list(replace), dtype=int)
    for column in range(table.shape[1]):
        fit = np.polynomial.Polynomial.fit(x[keep], table[keep, column], degree)
        table[rows, column] = fit(x[rows])
    return table
