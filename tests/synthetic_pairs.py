"""Deterministic TXM-like test images: particles with sharp edges and inner structure, scaled to [0, 1].

The scene is analytic, so a moving image is rendered directly at any rigid transform (no resampling of the
fixed image, hence an exact ground truth): `Transform(dy, dx, angle)` aligns `moving` with `fixed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from txmalign_gui.engine.transform import Transform, image_centre

# Width (px) of the tanh edge of every particle: sharp, but without aliasing.
_EDGE = 0.4


@dataclass(frozen=True)
class Particle:
    """An ellipse in fixed-image pixel coordinates with a gray value added where it covers the image."""

    cy: float
    cx: float
    ry: float
    rx: float
    theta: float
    value: float


def make_scene(size: int = 256, seed: int = 0, count: Optional[int] = None) -> Tuple[Particle, ...]:
    """Particles (large grains, each with a darker inclusion and a crack-like sliver) filling the field of view."""
    rng = np.random.default_rng(seed)
    count = count if count is not None else 14
    particles = []
    for _ in range(count):
        cy, cx = rng.uniform(0.15, 0.85, 2) * size
        r = rng.uniform(0.06, 0.13) * size
        ry, rx = r, r * rng.uniform(0.5, 1.0)
        theta = rng.uniform(0, np.pi)
        value = rng.uniform(0.6, 1.0)
        particles.append(Particle(cy, cx, ry, rx, theta, value))
        # An inclusion off the particle's centre and a thin sliver: inner edges to register on.
        oy, ox = rng.uniform(-0.4, 0.4, 2) * r * 0.5
        particles.append(Particle(cy + oy, cx + ox, 0.35 * ry, 0.25 * rx, theta + 1.0, -0.5 * value))
        particles.append(Particle(cy - oy, cx - ox, 0.6 * ry, 0.06 * rx + 1.0, theta - 0.7, 0.3 * value))
    for _ in range(2 * count):
        cy, cx = rng.uniform(0.05, 0.95, 2) * size
        r = rng.uniform(0.008, 0.02) * size + 1.0
        particles.append(Particle(cy, cx, r, r, 0.0, rng.uniform(0.2, 0.6)))
    return tuple(particles)


def render(scene, shape, transform: Transform = Transform()) -> np.ndarray:
    """The raw (unscaled) image whose pixel q shows the scene at R(angle)(q - c) + c + (dy, dx)."""
    rows, cols = shape
    c = image_centre(shape)
    rot = transform.rotation_matrix()
    inv = rot.T
    image = np.zeros(shape)
    for p in scene:
        # Centre of the particle in this image's pixel coordinates, to render only its bounding box.
        centre = inv @ (np.array([p.cy, p.cx]) - c - transform.shift) + c
        reach = max(p.ry, p.rx) + 4 * _EDGE + 2
        y0, y1 = int(max(0, np.floor(centre[0] - reach))), int(min(rows, np.ceil(centre[0] + reach)))
        x0, x1 = int(max(0, np.floor(centre[1] - reach))), int(min(cols, np.ceil(centre[1] + reach)))
        if y0 >= y1 or x0 >= x1:
            continue
        qy, qx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        sy = rot[0, 0] * (qy - c[0]) + rot[0, 1] * (qx - c[1]) + c[0] + transform.dy - p.cy
        sx = rot[1, 0] * (qy - c[0]) + rot[1, 1] * (qx - c[1]) + c[1] + transform.dx - p.cx
        cos, sin = np.cos(p.theta), np.sin(p.theta)
        u = (cos * sy + sin * sx) / p.ry
        v = (-sin * sy + cos * sx) / p.rx
        radius = np.sqrt(u * u + v * v)
        # Signed distance to the edge, approximately in pixels.
        distance = (1.0 - radius) * min(p.ry, p.rx)
        image[y0:y1, x0:x1] += p.value * 0.5 * (1.0 + np.tanh(distance / _EDGE))
    return image


def make_pair(size: int = 256, dy: float = 0.0, dx: float = 0.0, angle: float = 0.0,
              seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """(fixed, moving) noise-free images in [0, 1] (scaled by the fixed image's range) such that
    Transform(dy, dx, angle) aligns moving with fixed."""
    scene = make_scene(size, seed)
    fixed = render(scene, (size, size))
    moving = render(scene, (size, size), Transform(dy, dx, angle))
    # Scale by the fixed image's 0.5th-99.5th percentiles, clipping the rare bright overlaps of particles.
    low, high = np.percentile(fixed, [0.5, 99.5])
    return np.clip((fixed - low) / (high - low), 0, 1), np.clip((moving - low) / (high - low), 0, 1)


def gaussian_noise(shape, mean: float, sigma: float, rng) -> np.ndarray:
    """Additive noise N(mean, sigma), as in the TVDM paper's first experiment."""
    return rng.normal(mean, sigma, shape) if sigma > 0 else np.full(shape, float(mean))


def sinusoidal_background(shape, period: float, axis: int, offset: float, mean: float, sigma: float,
                          rng) -> np.ndarray:
    """offset + sin(L / period) * N(mean, sigma), L the pixel position along `axis` (paper, experiment 2)."""
    position = np.indices(shape)[axis].astype(np.float64)
    return offset + np.sin(position / period) * gaussian_noise(shape, mean, sigma, rng)
