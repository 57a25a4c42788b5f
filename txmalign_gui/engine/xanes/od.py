"""Optical density OD = -ln(I / I0) of a stack, with the incident intensity I0 taken from a region of the
image (empty beam beside the sample), from a measured I0 spectrum (energy, counts) or from the flats.

Flats need no function here: flat-field correction (`batch.prepare_stack`) already gives I / I0, so the
caller passes `i0=None` and the images are taken as transmission.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from ..checks.spectra import region_spectrum
from ..errors import InputError

# Median intensity above which values cannot be transmission I/I0 (they are counts and need an I0).
TRANSMISSION_LIMIT = 2.0
# How far (as a fraction of the scan's energy range) an I0 spectrum may fall short of the stack's energies.
_EDGE_TOLERANCE = 1e-3


def i0_from_region(stack: Any, mask: npt.ArrayLike) -> np.ndarray:
    """I0 per frame: the mean intensity over the True pixels of `mask` (an empty-beam area) in each frame."""
    i0 = region_spectrum(stack, mask, "mean")
    if not np.all(np.isfinite(i0)) or np.any(i0 <= 0):
        raise InputError("the I0 region must hold positive intensities in every frame; draw it over empty "
                         "beam (no sample, no beam block)")
    return i0


def i0_on_energies(i0_energies: npt.ArrayLike, i0_counts: npt.ArrayLike, energies: npt.ArrayLike) -> np.ndarray:
    """A measured I0 spectrum interpolated (linearly) onto the stack's `energies` (all in eV).

    Refuses energies outside the I0 scan: extrapolating I0 would bend the whole OD spectrum silently.
    """
    e0 = np.asarray(i0_energies, dtype=float).ravel()
    counts = np.asarray(i0_counts, dtype=float).ravel()
    energies = np.asarray(energies, dtype=float).ravel()
    if e0.shape != counts.shape or len(e0) < 2:
        raise InputError("an I0 spectrum needs at least two (energy, counts) rows")
    if np.any(counts <= 0) or not np.all(np.isfinite(counts)):
        raise InputError("the I0 spectrum holds counts that are not positive")
    order = np.argsort(e0)
    e0, counts = e0[order], counts[order]
    slack = _EDGE_TOLERANCE * max(float(e0[-1] - e0[0]), 1e-9)
    if energies.min() < e0[0] - slack or energies.max() > e0[-1] + slack:
        raise InputError(f"the stack's energies {energies.min():.2f}-{energies.max():.2f} eV reach outside the "
                         f"I0 spectrum ({e0[0]:.2f}-{e0[-1]:.2f} eV)")
    interpolated: np.ndarray = np.interp(energies, e0, counts)
    return interpolated


def check_transmission(values: npt.ArrayLike) -> None:
    """Refuse to take -ln of detector counts as if they were I/I0 (it gives a negative 'OD')."""
    median = float(np.nanmedian(np.asarray(values, dtype=float)))
    if median > TRANSMISSION_LIMIT:
        raise InputError(f"the images look like detector counts (median {median:.4g}), not transmission I/I0; "
                         "take I0 from the flats (flat-field correction), an empty-beam region or an I0 file")


def optical_density(stack: Any, i0: Optional[np.ndarray] = None) -> np.ndarray:
    """-ln(I / I0) for every pixel of `stack` (N, H, W) as float32; `i0` has one value per frame (None: the
    stack is already transmission I/I0).  NaN where the intensity is not positive or is NaN."""
    images = np.asarray(stack, dtype=np.float64)
    if images.ndim != 3:
        raise InputError(f"expected a stack of shape (images, rows, columns), got {images.shape}")
    if i0 is not None:
        i0 = np.asarray(i0, dtype=float).ravel()
        if i0.shape != (len(images),):
            raise InputError(f"I0 has {len(i0)} values for {len(images)} images")
        if np.any(i0 <= 0) or not np.all(np.isfinite(i0)):
            raise InputError("I0 must be positive in every frame")
        images = images / i0[:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        od = np.where(images > 0, -np.log(np.where(images > 0, images, 1.0)), np.nan)
    return od.astype(np.float32)


def region_od(stack: Any, mask: npt.ArrayLike, i0: Optional[np.ndarray] = None, statistic: str = "mean") -> np.ndarray:
    """The OD spectrum of a region: the mean (or sum, max) over its pixels of the per-pixel OD (as MANTiS
    does), so thick and thin pixels are averaged in absorbance, not in transmission.  Only the region's
    bounding box is converted, so a small region of a large stack is cheap."""
    mask = np.asarray(mask, dtype=bool)
    shape = tuple(getattr(stack, "shape", np.shape(stack)))
    if len(shape) != 3 or mask.shape != shape[1:]:
        raise InputError(f"the region has shape {mask.shape} but the stack is {shape}")
    if not mask.any():
        raise InputError("the region holds no pixel")
    rows, cols = np.nonzero(mask)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    return region_spectrum(optical_density(stack[:, y0:y1, x0:x1], i0), mask[y0:y1, x0:x1], statistic)
