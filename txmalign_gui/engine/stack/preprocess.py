"""Prepare a stack for registration: flat/dark normalisation, absorbance, gray-value scaling, binning.

Transforms found on binned images are mapped back to full resolution with `unbin_transforms`.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import InputError
from ..filters import gaussian
from ..transform import from_row, image_centre

_TINY = 1e-6


def _mean_frame(frames, shape, name: str) -> Optional[np.ndarray]:
    """One float32 (H, W) frame from a (H, W) or (K, H, W) set of flats or darks (counts up to 65535 and their
    sums over up to 256 frames are exact in float32)."""
    if frames is None:
        return None
    array = np.asarray(frames, dtype=np.float32)
    if array.ndim == 3:
        array = array.mean(axis=0)
    if array.shape != tuple(shape):
        raise InputError(f"{name} have shape {array.shape} but the images are {tuple(shape)}")
    return array


# The flats' counting noise is judged on detail finer than this Gaussian (px), and detail within this many
# of its standard deviations is taken for noise.
_FLAT_SMOOTHING_PX = 2.0
_FLAT_NOISE_LIMIT = 3.0


def _flat_frame(flats, shape) -> Optional[np.ndarray]:
    """The flat that frames are divided by: the mean of the flats, without the counting noise of that mean.

    The same noisy flat divides every frame, so its noise is a pattern fixed to the detector that every
    frame shares; registration is drawn towards zero shift by it (0.34 px on 1024 px frames of the example,
    with 3 flats of 20000 counts).  With two or more flats their spread measures that noise pixel by pixel,
    and each pixel keeps the part of the mean flat's fine detail that stands out of it: all of it for dust,
    scintillator defects or a sharp field edge, none where the detail is only noise.  A single flat cannot
    tell noise from detail and is used as it is.

    In float32, like the frames it divides, and smoothed by `filters.gaussian`: this comes before a stack's
    first registration, and took 0.13-0.31 s of a 1024 px stack's start in float64 with scipy's filters
    (now 0.06-0.09 s)."""
    if flats is None:
        return None
    array = np.asarray(flats, dtype=np.float32)  # read once: the flats may be a lazy dataset
    mean = _mean_frame(array, shape, "flats")
    if mean is None or array.ndim != 3 or array.shape[0] < 2:
        return mean
    noise = np.sqrt(gaussian(array.var(axis=0, ddof=1), 2 * _FLAT_SMOOTHING_PX) / np.float32(array.shape[0]))
    smooth = gaussian(mean, _FLAT_SMOOTHING_PX, mode="nearest")
    detail = mean - smooth
    # non-negative garrote: detail within _FLAT_NOISE_LIMIT noise deviations is dropped, larger detail
    # (dust, a defect) kept nearly whole; the noise of 2-3 flats is too irregular for a gentler Wiener weight,
    # which left a third of the pull towards zero shift
    limit = np.float32(_FLAT_NOISE_LIMIT) * noise
    weight = np.clip(1.0 - limit * limit / np.maximum(detail * detail, np.float32(1e-30)), 0.0, 1.0)
    return smooth + detail * weight


def bin_image(image: np.ndarray, binning: int) -> np.ndarray:
    """Mean of binning x binning blocks; rows and columns that do not fill a block are dropped."""
    if binning == 1:
        return image
    rows, cols = (s // binning for s in image.shape)
    if rows < 1 or cols < 1:
        raise InputError(f"binning {binning} is larger than the {image.shape[0]} x {image.shape[1]} image")
    blocks = image[:rows * binning, :cols * binning].reshape(rows, binning, cols, binning)
    return blocks.mean(axis=(1, 3), dtype=np.float64).astype(image.dtype, copy=False)


class FramePreparation:
    """Flat/dark normalisation, absorbance, gray-value scaling and binning of one frame at a time, in float32.

    With flats (and darks) each image becomes (I - dark) / (flat - dark), the flat without its counting
    noise (`_flat_frame`); pixels where flat <= dark
    become 1 (full transmission) instead of dividing by zero.  `minus_log` turns transmission into
    absorbance (values <= 0 are clipped first).  `scale_gray` gives every image zero mean and unit
    standard deviation, so gray levels that drift across the series do not bias the registration.
    The references are averaged once, so preparing a frame costs a few passes over it; a stack can
    therefore keep its raw frames and prepare each one when it is needed.
    """

    def __init__(self, frame_shape, flats=None, darks=None, minus_log: bool = False, binning: int = 1,
                 scale_gray: bool = False):
        self.binning = int(binning)
        if self.binning < 1:
            raise InputError(f"binning must be 1 or more, got {binning}")
        self.frame_shape = tuple(int(s) for s in frame_shape)
        flat = _flat_frame(flats, self.frame_shape)
        dark = _mean_frame(darks, self.frame_shape, "darks")
        self.minus_log, self.scale_gray = bool(minus_log), bool(scale_gray)
        self.dark = dark
        self.inverse = self.unusable = None
        if flat is not None:
            denominator = flat - dark if dark is not None else flat
            usable = denominator > _TINY
            self.inverse = np.where(usable, 1.0 / np.where(usable, denominator, 1.0), 0.0).astype(np.float32)
            self.unusable = None if usable.all() else ~usable

    @property
    def shape(self):
        """Shape of a prepared frame."""
        return (self.frame_shape[0] // self.binning, self.frame_shape[1] // self.binning)

    def __call__(self, frame) -> np.ndarray:
        image = np.array(frame, dtype=np.float32)  # a private float32 copy, changed in place below
        if image.shape != self.frame_shape:
            raise InputError(f"a frame has shape {image.shape} but the stack's frames are {self.frame_shape}")
        if self.dark is not None:
            image -= self.dark
        if self.inverse is not None:
            image *= self.inverse
            if self.unusable is not None:
                image[self.unusable] = 1.0
        if self.minus_log:
            np.maximum(image, _TINY, out=image)
            np.log(image, out=image)
            np.negative(image, out=image)
        if self.scale_gray:
            mean = float(image.mean(dtype=np.float64))
            spread = float(image.std(dtype=np.float64))
            image -= mean
            image /= spread if spread > 0 else 1.0
        return bin_image(image, self.binning)


def preprocess(stack, flats=None, darks=None, minus_log: bool = False, binning: int = 1,
               scale_gray: bool = False) -> np.ndarray:
    """Return the prepared stack as float32 (N, H // binning, W // binning) (see `FramePreparation`)."""
    shape = getattr(stack, "shape", None) or np.shape(stack)
    if len(shape) != 3:
        raise InputError(f"expected a stack of shape (images, rows, columns), got {tuple(shape)}")
    prepare = FramePreparation(shape[1:], flats, darks, minus_log, binning, scale_gray)
    out = np.empty((shape[0],) + prepare.shape, dtype=np.float32)
    for index in range(shape[0]):
        out[index] = prepare(stack[index])
    return out


def unbin_transforms(transforms, binning: int, full_shape) -> np.ndarray:
    """Map (N, 3 | 4 | 6) transforms found on `preprocess(..., binning)` images back to the full-size images."""
    array = np.asarray(transforms, dtype=float)
    array = array.reshape(-1, array.shape[-1] if array.size else 3)
    if binning == 1:
        return array.copy()
    kept = (np.asarray(full_shape[:2]) // binning) * binning
    # Binned pixel k covers full pixels [b k, b k + b - 1], so the binned centre maps to the kept area's.
    kept_centre, full_centre = image_centre(kept), image_centre(full_shape)
    out = np.empty_like(array)
    for i, row in enumerate(array):
        out[i] = from_row(row).scaled(binning).recentred(kept_centre, full_centre).to_row()
    return out
