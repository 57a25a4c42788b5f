"""Single 2-D images (reference targets, masks) from TIFF, .npy, Xradia or `file.h5:/dataset[index]`."""

from __future__ import annotations

from typing import Any, Optional

import h5py
import numpy as np

from ..engine.errors import InputError
from .h5tools import is_hdf5, open_h5
from .paths import split_source
from .readers.npy import read_npy_array
from .readers.tiff import EXTENSIONS as TIFF_EXTENSIONS
from .readers.tiff import read_tiff_image
from .registry import read_stack
from .stack_data import check_pixel_type
from .xradia_ole import XradiaFile


def _pick(array: Any, index: Optional[int], spec: str) -> np.ndarray:
    """The 2-D image of `array`: itself, its only frame, or frame `index` of a stack."""
    if array.ndim == 3 and index is None:
        if array.shape[0] != 1:
            raise InputError(f"{spec} holds {array.shape[0]} images; choose one as {spec}[index]")
        index = 0
    if array.ndim == 3:
        if not -array.shape[0] <= index < array.shape[0]:
            raise InputError(f"{spec}: image {index} does not exist (it holds {array.shape[0]})")
        array = array[index]
    elif index not in (None, 0):
        raise InputError(f"{spec} is a single image; there is no image {index}")
    array = np.asarray(array)
    check_pixel_type(array.dtype, spec)
    if array.ndim != 2:
        raise InputError(f"{spec} holds an array of shape {array.shape}, not a 2-D image")
    return np.asarray(array)


def _h5_2d(path: str, dataset: str) -> Optional[np.ndarray]:
    """Dataset `dataset` of an HDF5 file if it is 2-D, else None (stacks are read lazily elsewhere)."""
    with open_h5(path) as handle:
        item = handle.get(dataset)
        if isinstance(item, h5py.Dataset) and item.ndim == 2:
            image: np.ndarray = item[()]
            return image
    return None


def read_image(spec: str) -> np.ndarray:
    """A 2-D image in its stored dtype; stacks need an index: `stack.tif[3]`, `file.h5:/data[3]`."""
    path, dataset, index = split_source(spec)
    lower = path.lower()
    if dataset and is_hdf5(path):
        image = _h5_2d(path, dataset)
        if image is not None:
            return _pick(image, index, spec)
    if lower.endswith(TIFF_EXTENSIONS):
        return _pick(read_tiff_image(path), index, spec)
    if lower.endswith(".npy"):
        return _pick(read_npy_array(path), index, spec)
    if lower.endswith(".xrm"):
        xrm = XradiaFile(path)
        try:
            return _pick(xrm.image(0)[None], index, spec)
        finally:
            xrm.close()
    return _pick(read_stack(path, dataset).images, index, spec)


def read_mask(path: str) -> np.ndarray:
    """A mask image as bool (nonzero = usable pixel, as in a 0/255 TIFF)."""
    image = read_image(path)
    mask: np.ndarray = np.isfinite(image) & (image != 0) if np.issubdtype(image.dtype, np.floating) else image != 0
    if not mask.any():
        raise InputError(f"the mask {path} has no usable pixel (nonzero = usable, zero = ignored)")
    return mask
