"""Synthetic XANES image stacks with a known ground truth, for tests, benchmarks and the bundled example.

Two particle phases with different absorption-edge energies sit in a weakly absorbing matrix, so the
contrast between them changes (and flips) across the edge, as in real TXM XANES series.  Every image is
the sample moved by a random jitter, seen through an illumination that is not perfectly normalised
(a smooth background fixed to the detector) and with photon-like noise.  Deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from .errors import InputError
from .transform import AnyTransform, Similarity, Transform, as_table, from_row, image_centre

# Edge energies (eV) of the two phases, e.g. two valence states of cobalt near the Co K edge.
EDGE_A_EV = 7716.0
EDGE_B_EV = 7724.0
_MATRIX_MU = 0.15
_PSF_SIGMA_PX = 1.0


@dataclass(frozen=True)
class SyntheticStack:
    """A synthetic stack: images (N, H, W) float32 normalised transmission, the true transforms (N, 3)
    [dy, dx, angle_deg] (N, 4 with a magnification ramp: + scale) aligning each image with the anchor,
    energies in eV, the anchor index and `phases` (2, H, W): the thickness of phase A (lower edge) and
    phase B seen in the anchor image, the ground truth for chemical maps of the aligned stack."""

    images: np.ndarray
    transforms: np.ndarray
    energies: np.ndarray
    anchor: int
    phases: Optional[np.ndarray] = None


def edge_absorption(energies: npt.ArrayLike, edge_ev: float) -> np.ndarray:
    """A XANES-like absorption curve: pre-edge slope, an edge step of 1 and a white line just above it."""
    e = np.asarray(energies, dtype=float) - edge_ev
    step = 1.0 / (1.0 + np.exp(-e / 1.5))
    white_line = 0.6 * np.exp(-((e - 4.0) / 2.5) ** 2)
    return 0.25 - 0.002 * e + step + white_line


def _phase_maps(size: int, margin: int, rng: np.random.Generator) -> np.ndarray:
    """Thickness maps (3, S, S) of phase A, phase B and the matrix on a canvas larger than the image."""
    side = size + 2 * margin
    scale = size / 128.0
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    maps = np.zeros((3, side, side))
    count = int(round(14 * scale ** 0.5))
    for k in range(count):
        radius = rng.uniform(6.0, 17.0) * scale ** 0.7
        cy, cx = rng.uniform(margin + radius, side - margin - radius, size=2)
        aspect = rng.uniform(0.6, 1.0)
        theta = rng.uniform(0, np.pi)
        u = (yy - cy) * np.cos(theta) + (xx - cx) * np.sin(theta)
        v = -(yy - cy) * np.sin(theta) + (xx - cx) * np.cos(theta)
        r2 = (u / radius) ** 2 + (v / (radius * aspect)) ** 2
        maps[k % 2] += 0.5 * np.sqrt(np.clip(1.0 - r2, 0.0, None))
    texture = ndimage.gaussian_filter(rng.standard_normal((side, side)), 2.0 * scale ** 0.5)
    texture /= texture.std()
    maps[:2] *= 1.0 + 0.15 * texture
    binder = ndimage.gaussian_filter(rng.standard_normal((side, side)), 6.0 * scale)
    maps[2] = 1.0 + binder / binder.std()
    blurred: np.ndarray = ndimage.gaussian_filter(maps, (0, _PSF_SIGMA_PX, _PSF_SIGMA_PX))
    return blurred


def _illumination(shape: Sequence[int], fraction: float, amplitude: float) -> np.ndarray:
    """A smooth, slowly changing detector-fixed background (imperfect flat-field) at position `fraction`."""
    rows, cols = shape
    y = np.linspace(-0.5, 0.5, rows)[:, None]
    x = np.linspace(-0.5, 0.5, cols)[None, :]
    phase = 2 * np.pi * fraction
    bump = np.exp(-((y - 0.2 * np.sin(phase)) ** 2 + (x - 0.2 * np.cos(phase)) ** 2) / 0.18)
    tilt = np.sin(phase + 1.0) * y + np.cos(1.3 * phase) * x
    illumination: np.ndarray = 1.0 + amplitude * (tilt + bump - 0.5)
    return illumination


def _motions(n: int, jitter: float, max_angle: float, magnification: float,
             rng: np.random.Generator) -> List[AnyTransform]:
    """Per-image sample motion (sample frame -> image): independent uniform jitter and small rotations, and
    with `magnification` a scale growing linearly from 1 (first image) to 1 + magnification (last)."""
    shifts = rng.uniform(-jitter, jitter, size=(n, 2))
    angles = rng.uniform(-max_angle, max_angle, size=n) if max_angle > 0 else np.zeros(n)
    if magnification == 0.0:
        return [Transform(float(s[0]), float(s[1]), float(a)) for s, a in zip(shifts, angles)]
    scales = 1.0 + magnification * np.linspace(0.0, 1.0, n)
    return [Similarity(float(s[0]), float(s[1]), float(a), float(m)) for s, a, m in zip(shifts, angles, scales)]


def synthetic_xanes(n_images: int = 101, size: int = 128, jitter: float = 8.0, max_angle: float = 0.0,
                    noise: float = 0.02, background: float = 0.1, energies: Optional[npt.ArrayLike] = None,
                    anchor: Optional[int] = None, magnification: float = 0.0,
                    seed: int = 0) -> SyntheticStack:
    """Render a synthetic XANES stack of `n_images` square images of `size` px.

    `jitter` is the largest shift (px, uniform either way), `max_angle` the largest rotation (deg),
    `noise` the relative noise at full transmission, `background` the amplitude of the smooth
    illumination error.  `energies` (eV) default to a 1 eV-step scan across both edges.  `magnification`
    (e.g. 0.01) makes the images' magnification grow linearly by that fraction across the scan, as when the
    zone plate is refocused at every energy; the true transforms are then similarities (N, 4).
    """
    if n_images < 2 or size < 32:
        raise InputError("a synthetic stack needs at least 2 images of at least 32 px")
    if energies is None:
        energies = np.linspace(EDGE_A_EV - 26.0, EDGE_A_EV + 74.0, n_images)
    energies = np.asarray(energies, dtype=float)
    if energies.shape != (n_images,):
        raise InputError(f"expected {n_images} energies, got shape {energies.shape}")
    anchor = n_images // 2 if anchor is None else int(anchor)
    rng = np.random.default_rng(seed)
    margin = int(np.ceil(jitter + size * (np.sin(np.radians(max_angle)) + abs(magnification)))) + 8
    thickness = _phase_maps(size, margin, rng)
    maps = np.stack([ndimage.spline_filter(m, order=3) for m in thickness])
    motions = _motions(n_images, jitter, max_angle, magnification, rng)

    mu = np.stack([edge_absorption(energies, EDGE_A_EV), edge_absorption(energies, EDGE_B_EV),
                   np.full(n_images, _MATRIX_MU)], axis=1)
    centre = image_centre((size, size))
    grid = np.mgrid[0:size, 0:size].reshape(2, -1).astype(np.float64)
    images = np.empty((n_images, size, size), dtype=np.float32)

    def canvas_coords(motion: AnyTransform) -> np.ndarray:
        # Sample-frame coordinates of each image pixel: q = A^-1 (p - c - s) + c, then onto the canvas.
        back = motion.inverse()
        coords = back.linear() @ (grid - centre[:, None]) + centre[:, None] + back.shift[:, None]
        canvas: np.ndarray = coords + margin
        return canvas

    for i, motion in enumerate(motions):
        coords = canvas_coords(motion)
        canvas = np.tensordot(mu[i], maps, axes=1)  # spline coefficients combine linearly
        absorbance = ndimage.map_coordinates(canvas, coords, order=3, mode="nearest", prefilter=False)
        transmission = np.exp(-absorbance.reshape(size, size))
        transmission *= _illumination((size, size), i / max(n_images - 1, 1), background)
        transmission += noise * np.sqrt(transmission) * rng.standard_normal((size, size))
        images[i] = transmission
    to_anchor = motions[anchor]
    truth = as_table([m.inverse().then(to_anchor) for m in motions])
    anchor_coords = canvas_coords(to_anchor)
    phases = np.stack([ndimage.map_coordinates(t, anchor_coords, order=1, mode="nearest").reshape(size, size)
                       for t in thickness[:2]]).astype(np.float32)
    return SyntheticStack(images=images, transforms=truth, energies=energies, anchor=anchor, phases=phases)


def alignment_errors(estimated: npt.ArrayLike, truth: npt.ArrayLike, shape: Sequence[int]) -> np.ndarray:
    """Per-image RMS distance (px) over the image between where `estimated` and `truth` put each pixel
    (tables of any kind: 3, 4 or 6 columns, see `engine.transform`)."""
    est, tru = (_rows(table) for table in (estimated, truth))
    if len(est) != len(tru):
        raise InputError(f"cannot compare {len(est)} transforms with {len(tru)}")
    centre = image_centre(shape)
    ys, xs = np.meshgrid(np.linspace(0, shape[0] - 1, 11), np.linspace(0, shape[1] - 1, 11), indexing="ij")
    points = np.stack([ys.ravel(), xs.ravel()], axis=1)
    errors = np.empty(len(est))
    for i, (ta, tb) in enumerate(zip(est, tru)):
        pa = (points - centre) @ ta.linear().T + centre + ta.shift
        pb = (points - centre) @ tb.linear().T + centre + tb.shift
        errors[i] = float(np.sqrt(np.mean(np.sum((pa - pb) ** 2, axis=1))))
    return errors


def _rows(table: npt.ArrayLike) -> List[AnyTransform]:
    array = np.asarray(table, dtype=float)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    return [from_row(row) for row in array]
