"""Coarse rotation angles from Fourier magnitude spectra, which do not depend on translation.

The magnitude spectrum of a rotated image is the rotated spectrum, so correlating polar resamplings of
both spectra along the angle axis gives the rotation, up to the 180-degree ambiguity of a magnitude
spectrum.  Each ring is standardised, so isotropic noise and the radial fall-off do not weigh in.
"""

from __future__ import annotations

from typing import List

import numpy as np
from scipy import ndimage

from .transform import wrap_angle

# Band of spatial frequencies (cycles per pixel) used: slow backgrounds and pixel noise are left out.
_LOW, _HIGH = 0.02, 0.3


def _polar_magnitude(image: np.ndarray, angles: int, radii: int) -> np.ndarray:
    """log |FFT| of the windowed image sampled on (radius, angle in [0, 180)) rings, each standardised."""
    from skimage.filters import window  # pulls in scipy.signal and scipy.stats (about 1 s): only when used

    work = np.where(np.isfinite(image), image, np.nanmean(image))
    work = (work - work.mean()) * window("hann", work.shape)
    magnitude = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(work))))
    rows, cols = work.shape
    theta = np.arange(angles) * np.pi / angles
    rho = np.linspace(_LOW, _HIGH, radii)[:, None]
    y = rows // 2 - rho * np.sin(theta) * rows
    x = cols // 2 + rho * np.cos(theta) * cols
    polar: np.ndarray = ndimage.map_coordinates(magnitude, [y, x], order=1)
    polar -= polar.mean(axis=1, keepdims=True)
    polar /= np.maximum(polar.std(axis=1, keepdims=True), 1e-12)
    return polar


def rotation_candidates(fixed: np.ndarray, moving: np.ndarray, count: int = 3, angles: int = 360) -> List[float]:
    """Up to 2 * `count` angles (degrees, best peaks first, each with its 180-degree twin) that may rotate
    `moving` onto `fixed` in the project's convention; NaN pixels are ignored."""
    radii = max(8, min(fixed.shape) // 4)
    polar_fixed = _polar_magnitude(fixed, angles, radii)
    polar_moving = _polar_magnitude(moving, angles, radii)
    spectrum = np.fft.fft(polar_fixed, axis=1) * np.conj(np.fft.fft(polar_moving, axis=1))
    correlation = np.fft.ifft(spectrum.sum(axis=0)).real
    before, after = np.roll(correlation, 1), np.roll(correlation, -1)
    peaks = np.flatnonzero((correlation >= before) & (correlation > after))
    peaks = peaks[np.argsort(correlation[peaks])[::-1][:count]]
    result = []
    for peak in peaks:
        curvature = before[peak] - 2 * correlation[peak] + after[peak]
        offset = 0.5 * (before[peak] - after[peak]) / curvature if curvature < 0 else 0.0
        angle = (peak + offset) * 180.0 / angles
        result.extend([wrap_angle(angle), wrap_angle(angle + 180.0)])
    return result
