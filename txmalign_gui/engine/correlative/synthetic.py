"""Synthetic correlative pairs: one scene seen as an X-ray image and as an electron-microscopy image, with a
known similarity transform between them; for training and testing the learned initial guess and for
benchmarks.  Deterministic for a given random generator.

A scene is two maps on a canvas 2.25 fields wide, sampled at the output pixel size:

- `thickness`, what absorption sees: projected path lengths of particles (ellipsoid profiles), grains and
  cells, each phase with its own attenuation;
- `surface`, what the electron image sees: a flat grey level per phase (drawn independently of the
  attenuation, so the grey mapping between the modalities is not monotonic), topmost object in front.

The X-ray image is the absorption projection (transmission or absorbance), blurred (sigma 1 - 2.5 px),
with a smooth illumination and noise.  The EM image is sharper (sigma 0.3 - 0.7 px), edge-enhanced (the
secondary-electron edge effect), passed through a random gamma or inverted, with noise and scan-line
offsets.  Natural images (skimage.data) can replace the phantom: their grey level is the thickness and a
random non-monotonic lookup table of it the surface.  `NATURAL_TRAINING` may be used to train;
`NATURAL_VALIDATION` is kept for validation and benchmarks only.

Convention (as `engine.transform`, with a scale): the pair's transform (dy, dx, angle_deg, scale) maps a
point q of the EM image to p = scale R(angle) (q - c) + c + (dy, dx) of the X-ray image, c the image
centre; i.e. resampling the EM image with it aligns it with the X-ray image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

OVERSAMPLE = 1  # canvas px per output px (the blurs band-limit both renderings)
CANVAS_FIELDS = 2.25  # canvas width in fields: covers the EM field at scale 1.25, any angle, 15 % shift
NATURAL_TRAINING = ("cell", "immunohistochemistry", "hubble_deep_field", "coffee", "chelsea", "clock",
                    "horse", "retina", "gravel", "grass", "page", "rocket")
NATURAL_VALIDATION = ("camera", "astronaut", "coins", "moon", "brick")


@dataclass(frozen=True)
class CorrelativePair:
    """X-ray and EM images (size x size, float32) and the similarity (dy, dx, angle_deg, scale) that maps
    EM (row, col) to X-ray (row, col) about the image centre."""

    xray: np.ndarray
    em: np.ndarray
    transform: Tuple[float, float, float, float]
    source: str


def random_similarity(rng: np.random.Generator, size: int, max_angle: float = 30.0,
                      scale_range: Tuple[float, float] = (0.8, 1.25), max_shift: float = 0.15) -> tuple:
    """(dy, dx, angle_deg, scale): angle uniform in +-max_angle, log-scale uniform in `scale_range`,
    shifts uniform in +-max_shift of the field."""
    dy, dx = rng.uniform(-max_shift, max_shift, 2) * size
    angle = rng.uniform(-max_angle, max_angle)
    scale = float(np.exp(rng.uniform(np.log(scale_range[0]), np.log(scale_range[1]))))
    return float(dy), float(dx), float(angle), scale


def _paint_ellipse(thickness, surface, centre, axes, angle, mu, grey, hollow=0.0):
    """Add an ellipsoid's projected thickness (times `mu`) and paint its footprint `grey` on the surface.
    `hollow` > 0 leaves the inner share of the radius out (a membrane, a shell)."""
    reach = int(np.ceil(max(axes))) + 1
    r0, c0 = int(round(centre[0])), int(round(centre[1]))
    rows = slice(max(r0 - reach, 0), min(r0 + reach + 1, thickness.shape[0]))
    cols = slice(max(c0 - reach, 0), min(c0 + reach + 1, thickness.shape[1]))
    if rows.start >= rows.stop or cols.start >= cols.stop:
        return
    y, x = np.mgrid[rows, cols].astype(np.float64)
    y -= centre[0]
    x -= centre[1]
    cos, sin = np.cos(angle), np.sin(angle)
    u, v = (cos * y + sin * x) / axes[0], (-sin * y + cos * x) / axes[1]
    r2 = u * u + v * v
    inside = r2 < 1.0
    path = np.sqrt(np.clip(1.0 - r2, 0.0, None))
    if hollow > 0:
        inner = r2 < hollow * hollow
        path = np.where(inner, path - np.sqrt(np.clip(hollow * hollow - r2, 0.0, None)), path)
        inside &= ~inner
    thickness[rows, cols] += mu * 2.0 * min(axes) * path
    surface[rows, cols][inside] = grey


def phantom_scene(rng: np.random.Generator, canvas: int, field: float) -> tuple:
    """(thickness, surface) maps of a random scene of particles, grains and cells (sizes relative to the
    `field` width in canvas px)."""
    phases = int(rng.integers(3, 7))
    mu = rng.uniform(0.2, 1.0, phases) / field * 8.0  # attenuation per canvas px
    grey = rng.uniform(0.0, 1.0, phases)
    thickness = np.zeros((canvas, canvas))
    surface = np.full((canvas, canvas), rng.uniform(0.0, 1.0))
    kind = rng.choice(["particles", "grains", "cells", "mixed"])
    if kind in ("grains", "mixed"):  # a polycrystal: Voronoi grains, weak absorption contrast
        seeds = rng.uniform(0, canvas, (int(rng.integers(30, 160)), 2))
        _, label = cKDTree(seeds).query(np.indices((canvas, canvas)).reshape(2, -1).T)
        label = label.reshape(canvas, canvas)
        grain_phase = rng.integers(0, phases, len(seeds))
        thickness += (0.3 * mu[grain_phase] * field * rng.uniform(0.05, 0.2))[label]
        surface = grey[grain_phase][label] + rng.normal(0, 0.08, len(seeds))[label]
    if kind in ("particles", "mixed"):
        for _ in range(int(rng.integers(15, 70))):
            k = int(rng.integers(phases))
            axes = rng.uniform(0.02, 0.12, 2) * field
            _paint_ellipse(thickness, surface, rng.uniform(0, canvas, 2), axes, rng.uniform(0, np.pi),
                           mu[k], grey[k], hollow=float(rng.choice([0.0, 0.0, 0.0, rng.uniform(0.5, 0.85)])))
    if kind in ("cells", "mixed"):
        for _ in range(int(rng.integers(4, 25))):
            centre, axes = rng.uniform(0, canvas, 2), rng.uniform(0.06, 0.2, 2) * field
            turn = rng.uniform(0, np.pi)
            _paint_ellipse(thickness, surface, centre, axes, turn, mu[0] * 0.5, grey[0])
            _paint_ellipse(thickness, surface, centre, axes, turn, mu[1] * 0.5, grey[1], hollow=0.9)
            nucleus = centre + rng.uniform(-0.3, 0.3, 2) * axes
            _paint_ellipse(thickness, surface, nucleus, axes * rng.uniform(0.25, 0.5), turn, mu[2], grey[2])
            for _ in range(int(rng.integers(0, 6))):
                spot = centre + rng.uniform(-0.6, 0.6, 2) * axes
                _paint_ellipse(thickness, surface, spot, rng.uniform(0.01, 0.03, 2) * field,
                               rng.uniform(0, np.pi), mu[-1], grey[-1])
    return thickness, surface


def natural_scene(image: np.ndarray, rng: np.random.Generator, canvas: int, field: float) -> tuple:
    """(thickness, surface) maps from a natural image: a random crop zoomed to the canvas (flipped and
    turned by multiples of 90 degrees at random); the surface is a random non-monotonic lookup of it."""
    gray = np.asarray(image, dtype=np.float64)
    if gray.ndim == 3:
        gray = gray[..., :3].mean(axis=2)
    gray = (gray - gray.min()) / max(float(np.ptp(gray)), 1e-9)
    side = min(gray.shape) * rng.uniform(0.6, 1.0)
    r0 = rng.uniform(0, gray.shape[0] - side)
    c0 = rng.uniform(0, gray.shape[1] - side)
    crop = gray[int(r0):int(r0 + side), int(c0):int(c0 + side)]
    crop = ndimage.zoom(crop, canvas / min(crop.shape), order=1)[:canvas, :canvas]
    crop = np.rot90(crop, int(rng.integers(4)))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = np.ascontiguousarray(crop)
    thickness = (crop if rng.random() < 0.5 else 1.0 - crop) * rng.uniform(2.0, 5.0)
    wiggle = rng.uniform(0.1, 0.35) * np.sin(2 * np.pi * rng.uniform(1.0, 2.5) * crop + rng.uniform(0, 6.3))
    surface = crop + wiggle if rng.random() < 0.7 else 1.0 - crop + wiggle
    return thickness, surface


def natural_image(name: str) -> np.ndarray:
    """A grey-level natural image from skimage.data by name."""
    from skimage import data

    image = np.asarray(getattr(data, name)(), dtype=np.float64)
    return image[..., :3].mean(axis=2) if image.ndim == 3 else image


def render_xray(thickness: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Absorption image on the canvas: transmission or absorbance, blurred, smooth illumination."""
    transmission = np.exp(-thickness)
    ramp = np.linspace(-1.0, 1.0, thickness.shape[0])
    illumination = 1.0 + rng.uniform(-0.15, 0.15) * ramp[:, None] + rng.uniform(-0.15, 0.15) * ramp[None, :]
    image = transmission * illumination if rng.random() < 0.5 else thickness + 0.2 * illumination
    return ndimage.gaussian_filter(image, rng.uniform(1.0, 2.5) * OVERSAMPLE)


def render_em(surface: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Electron image on the canvas: sharp, edge-enhanced, random gamma or inversion."""
    smooth = ndimage.gaussian_filter(surface, rng.uniform(0.3, 0.7) * OVERSAMPLE)
    edges = np.hypot(ndimage.sobel(smooth, 0), ndimage.sobel(smooth, 1))
    image = smooth + rng.uniform(0.1, 0.6) * edges / max(float(edges.max()), 1e-9)
    image = (image - image.min()) / max(float(np.ptp(image)), 1e-9)
    image = image ** rng.uniform(0.5, 2.0)
    return 1.0 - image if rng.random() < 0.25 else image


def _sample(canvas_image: np.ndarray, points: np.ndarray, size: int) -> np.ndarray:
    """`canvas_image` at output points (2, size*size) given in output px about the field centre."""
    centre = (canvas_image.shape[0] - 1) / 2.0
    coords = points * OVERSAMPLE + centre
    return ndimage.map_coordinates(canvas_image, coords, order=1, mode="reflect").reshape(size, size)


def _noisy(image: np.ndarray, rng: np.random.Generator, level: float, scan_lines: bool) -> np.ndarray:
    spread = max(float(image.std()), 1e-9)
    noisy = image + rng.normal(0.0, level * spread, image.shape)
    if scan_lines:
        noisy += rng.normal(0.0, 0.3 * level * spread, (image.shape[0], 1))
    return noisy.astype(np.float32)


def correlative_pair(rng: np.random.Generator, size: int = 64, image: Optional[np.ndarray] = None,
                     source: str = "phantom", transform: Optional[tuple] = None,
                     noise: Optional[Tuple[float, float]] = None) -> CorrelativePair:
    """One pair: a phantom scene (or `image`, a natural image) seen by both modalities, the EM view moved
    by `transform` (random by default, see `random_similarity`); `noise` = (X-ray, EM) noise as a share
    of each image's spread (random by default)."""
    field = float(size * OVERSAMPLE)
    canvas = int(np.ceil(CANVAS_FIELDS * field))
    if image is None:
        thickness, surface = phantom_scene(rng, canvas, field)
    else:
        thickness, surface = natural_scene(image, rng, canvas, field)
    transform = random_similarity(rng, size) if transform is None else tuple(float(v) for v in transform)
    dy, dx, angle, scale = transform
    noise = (rng.uniform(0.01, 0.15), rng.uniform(0.02, 0.2)) if noise is None else noise
    c = (size - 1) / 2.0
    q = np.indices((size, size)).reshape(2, -1).astype(np.float64) - c
    a = np.deg2rad(angle)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    xray = _sample(render_xray(thickness, rng), q, size)
    em = _sample(render_em(surface, rng), scale * rotation @ q + np.array([[dy], [dx]]), size)
    return CorrelativePair(_noisy(xray, rng, noise[0], False), _noisy(em, rng, noise[1], True),
                           (dy, dx, angle, scale), source)


def pair_batch(seed: int, count: int, size: int = 64, naturals: Tuple[str, ...] = (),
               natural_share: float = 0.0) -> list:
    """`count` pairs from one seed: phantoms, and a share `natural_share` from the natural images named."""
    rng = np.random.default_rng(seed)
    images = {name: natural_image(name) for name in naturals}
    pairs = []
    for _ in range(count):
        if images and rng.random() < natural_share:
            name = str(rng.choice(list(images)))
            pairs.append(correlative_pair(rng, size, images[name], name))
        else:
            pairs.append(correlative_pair(rng, size))
    return pairs


def dihedral(images: np.ndarray, transforms: np.ndarray, transpose: np.ndarray, flip_rows: np.ndarray,
             flip_cols: np.ndarray) -> tuple:
    """Augmentation: the same reflections applied to both images of each pair, and the transforms that
    still relate them.  `images` (N, ..., S, S), `transforms` (N, 4) as (dy, dx, angle_deg, scale); the
    boolean (N,) masks choose, in this order, a transpose, a flip of the rows and a flip of the columns.
    A reflection F about the centre turns p = s R(a) q + d into F p = s R(-a) F q + F d."""
    images, transforms = images.copy(), np.asarray(transforms, dtype=np.float64).copy()
    images[transpose] = np.swapaxes(images[transpose], -1, -2)
    transforms[transpose] = transforms[transpose][:, [1, 0, 2, 3]]
    images[flip_rows] = images[flip_rows][..., ::-1, :]
    transforms[flip_rows, 0] *= -1
    images[flip_cols] = images[flip_cols][..., ::-1]
    transforms[flip_cols, 1] *= -1
    reflections = transpose.astype(int) + flip_rows.astype(int) + flip_cols.astype(int)
    transforms[reflections % 2 == 1, 2] *= -1
    return images, transforms
