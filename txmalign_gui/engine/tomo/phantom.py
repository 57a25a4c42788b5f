"""A deterministic 3-D ellipsoid phantom with exact parallel-beam projections (tests, benchmarks, demos).

Projections are computed analytically (chord length through each ellipsoid), so a known jitter can be put
in without any interpolation and the alignment's error measured against an exact ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid in pixels about the rotation axis: centre (x, y, z), semi-axes, turn about z, density."""

    centre: tuple
    semi_axes: tuple
    turn_deg: float
    density: float


def default_phantom(rows: int, cols: int) -> list:
    """A body with denser and lighter inclusions that stays inside a `rows` x `cols` field at all angles."""
    r, h = cols / 2.0, rows / 2.0
    shapes = [
        ((0.0, 0.0, 0.0), (0.62, 0.50, 0.70), 20.0, 1.0),
        ((0.25, 0.10, 0.25), (0.16, 0.10, 0.16), 0.0, 1.5),
        ((-0.22, -0.15, -0.20), (0.12, 0.20, 0.12), 35.0, 1.2),
        ((0.05, -0.25, 0.40), (0.10, 0.08, 0.10), 0.0, 2.0),
        ((-0.10, 0.25, -0.45), (0.14, 0.06, 0.10), -30.0, -0.6),
        ((0.30, -0.15, -0.35), (0.06, 0.06, 0.06), 0.0, 3.0),
        ((-0.30, 0.05, 0.35), (0.05, 0.09, 0.14), 60.0, 2.5),
        ((0.00, 0.05, 0.00), (0.20, 0.05, 0.08), 75.0, -0.5),
    ]
    return [Ellipsoid((cx * r, cy * r, cz * h), (ax * r, ay * r, az * h), turn, rho)
            for (cx, cy, cz), (ax, ay, az), turn, rho in shapes]


def _local(ellipsoid: Ellipsoid, vectors: np.ndarray) -> np.ndarray:
    """`vectors` (..., 3) in the ellipsoid's frame, scaled so that its surface is the unit sphere."""
    turn = np.deg2rad(ellipsoid.turn_deg)
    rot = np.array([[np.cos(turn), np.sin(turn), 0.0], [-np.sin(turn), np.cos(turn), 0.0], [0, 0, 1.0]])
    return (vectors @ rot.T) / np.asarray(ellipsoid.semi_axes, dtype=float)


def _chord(ellipsoid: Ellipsoid, points: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Length inside `ellipsoid` of the lines through `points` (..., 3) along the unit `direction` (3,)."""
    local = _local(ellipsoid, points - np.asarray(ellipsoid.centre, dtype=float))
    step = _local(ellipsoid, direction)
    a = float(step @ step)
    b = local @ step
    c = np.einsum("...i,...i->...", local, local) - 1.0
    return 2.0 * np.sqrt(np.maximum(b * b - a * c, 0.0)) / a


def project(ellipsoids, angles_deg, rows: int, cols: int, axis_offset: float = 0.0,
            shifts=None) -> np.ndarray:
    """Exact projections (N, rows, cols) at `angles_deg`; the axis sits `axis_offset` px right of centre.

    `shifts` (N, 2) moves projection i's content by (dy, dx) px, as `ndimage.shift(image, (dy, dx))` would.
    """
    angles = np.asarray(angles_deg, dtype=float)
    shifts = np.zeros((len(angles), 2)) if shifts is None else np.asarray(shifts, dtype=float)
    v = np.arange(rows) - (rows - 1) / 2.0
    u = np.arange(cols) - (cols - 1) / 2.0 - axis_offset
    out = np.zeros((len(angles), rows, cols), dtype=np.float32)
    for i, theta in enumerate(np.deg2rad(angles)):
        across = np.array([np.cos(theta), np.sin(theta), 0.0])
        along = np.array([-np.sin(theta), np.cos(theta), 0.0])
        z, s = np.meshgrid(v - shifts[i, 0], u - shifts[i, 1], indexing="ij")
        points = s[..., None] * across + z[..., None] * np.array([0.0, 0.0, 1.0])
        for e in ellipsoids:
            out[i] += (e.density * _chord(e, points, along)).astype(np.float32)
    return out


def rasterise(ellipsoids, rows: int, cols: int) -> np.ndarray:
    """The densities of every detector row's slice: a (rows, cols, cols) float32 volume, indexed
    [row, y, x] on the grid of `slice_image`; each ellipsoid is evaluated in its bounding box only."""
    c, h = (cols - 1) / 2.0, (rows - 1) / 2.0
    volume = np.zeros((rows, cols, cols), dtype=np.float32)
    for e in ellipsoids:
        reach = max(e.semi_axes[:2])
        box = []
        for centre, half, mid, size in ((e.centre[2], e.semi_axes[2], h, rows), (e.centre[1], reach, c, cols),
                                        (e.centre[0], reach, c, cols)):
            box.append(slice(max(int(np.floor(centre + mid - half)), 0),
                             min(int(np.ceil(centre + mid + half)) + 1, size)))
        z, y, x = np.meshgrid(*(np.arange(b.start, b.stop, dtype=np.float64) - m
                                for b, m in zip(box, (h, c, c))), indexing="ij")
        local = _local(e, np.stack([x, y, z], axis=-1) - np.asarray(e.centre, dtype=float))
        volume[tuple(box)] += e.density * (np.einsum("...i,...i->...", local, local) <= 1.0)
    return volume


def slice_image(ellipsoids, row: int, rows: int, cols: int) -> np.ndarray:
    """The densities of detector row `row`'s slice on the (cols, cols) grid centred on the rotation axis."""
    c = (cols - 1) / 2.0
    y, x = np.mgrid[0:cols, 0:cols] - c
    z = row - (rows - 1) / 2.0
    points = np.stack([x, y, np.full_like(x, z)], axis=-1)
    out = np.zeros((cols, cols))
    for e in ellipsoids:
        local = _local(e, points - np.asarray(e.centre, dtype=float))
        out += e.density * (np.einsum("...i,...i->...", local, local) <= 1.0)
    return out
