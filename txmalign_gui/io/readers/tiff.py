"""Readers for a multi-page TIFF file and for a folder of single-image TIFFs (natural order: img2 before img10).

In a folder, files named like `dark_*`/`flat_*` (also white, bkg, ref) are taken as darks and flats;
energies come from the file names or from a text file beside the images, angles from a text file.
Colour (RGB) TIFFs are read as gray (the mean of the channels) with a warning; a folder whose images
differ in size is refused before anything is loaded, naming the first odd file.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any, List, Optional, Tuple

import numpy as np
import tifffile

from ...engine.errors import InputError
from ..axis_values import sidecar_values
from ..lazy import LazyFrames
from ..paths import files_with_extensions, name_role
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import energy_from_name

EXTENSIONS = (".tif", ".tiff")


def _colour_to_gray(array: np.ndarray, axes: str, path: str) -> np.ndarray:
    """The mean over the samples (colour) axis `S`, with a warning; other arrays unchanged."""
    if "S" not in axes or len(axes) != array.ndim:
        return array
    warnings.warn(f"{os.path.basename(path)} is a colour (RGB) image; read as gray (mean of the channels)",
                  stacklevel=3)
    gray: np.ndarray = array.mean(axis=axes.index("S"), dtype=np.float32)
    return gray


def read_tiff_image(path: str) -> np.ndarray:
    """All pages of one TIFF file as an array (colour as gray), or `InputError` naming the file."""
    try:
        with tifffile.TiffFile(path) as tiff:
            series = tiff.series[0]
            return _colour_to_gray(series.asarray(), series.axes, path)
    except InputError:
        raise
    except Exception as error:  # a damaged file can fail anywhere inside tifffile
        raise InputError(f"cannot read {path} as TIFF (damaged or truncated?): {_short(error)}") from error


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:160] or type(error).__name__


def _frame_shape(path: str) -> Tuple[Tuple[int, ...], np.dtype]:
    """(shape, dtype) of the first image of a TIFF file from its header, without reading pixels."""
    try:
        with tifffile.TiffFile(path) as tiff:
            series = tiff.series[0]
            shape = tuple(s for s, a in zip(series.shape, series.axes) if a != "S")
            return shape, series.dtype
    except Exception as error:  # noqa: BLE001 - damaged header
        raise InputError(f"cannot read {path} as TIFF (damaged or truncated?): {_short(error)}") from error


def _open_tiff_stack(path: str) -> np.ndarray:
    """A read-only memory map when the file is uncompressed gray (lazy), else the array in memory."""
    try:
        with tifffile.TiffFile(path) as tiff:
            colour = "S" in tiff.series[0].axes
    except Exception:  # noqa: BLE001 - read_tiff_image names the problem
        colour = True
    if not colour:
        try:
            return tifffile.memmap(path, mode="r")
        except Exception:  # noqa: BLE001 - compressed or tiled: read it whole
            pass
    return read_tiff_image(path)


def read_tiff_file(path: str, dataset: Optional[str] = None) -> StackData:
    with warnings.catch_warnings(record=True) as noticed:
        warnings.simplefilter("always")
        images = _open_tiff_stack(path)
    if np.ndim(images) == 2:
        raise InputError(f"{path} holds a single 2-D image; an image stack (several pages, or a folder of "
                         "TIFFs) is needed")
    metadata: dict[str, Any] = {"format": "tiff"}
    if noticed:
        metadata["warnings"] = [str(w.message) for w in noticed]
    extra = sidecar_values(path, np.shape(images), metadata)
    return StackData(images=images, path=path, metadata=metadata, **extra)


def _nth_file(paths: List[str], index: int) -> np.ndarray:
    return read_tiff_image(paths[index])


def _stack_files(paths: List[str]) -> Optional[np.ndarray]:
    return np.stack([read_tiff_image(p) for p in paths]) if paths else None


def read_tiff_folder(path: str, dataset: Optional[str] = None) -> StackData:
    files = files_with_extensions(path, EXTENSIONS)
    roles = {role: [f for f in files if name_role(f) == role] for role in ("image", "flat", "dark")}
    images = roles["image"]
    if not images:
        raise InputError(f"the folder {path} holds no TIFF images (only darks/flats or nothing)")
    first_shape, first_dtype = _frame_shape(images[0])
    if len(first_shape) != 2:
        raise InputError(f"{images[0]} holds an array of shape {first_shape}; a folder stack needs one 2-D "
                         "image per file (open a multi-page TIFF as a file instead)")
    for other in images[1:]:
        shape, _ = _frame_shape(other)
        if shape != first_shape:
            raise InputError(f"the images in {path} differ in size: {os.path.basename(other)} is "
                             f"{' x '.join(map(str, shape))}, {os.path.basename(images[0])} is "
                             f"{' x '.join(map(str, first_shape))}")
    first = read_tiff_image(images[0])
    stack = LazyFrames(len(images), first.shape, first.dtype, functools.partial(_nth_file, images))
    metadata = {"format": "tiff folder", "files": [os.path.basename(f) for f in images]}
    extra = sidecar_values(path, stack.shape, metadata)
    named = [energy_from_name(os.path.basename(f)) for f in images]
    if "energies" not in extra and None not in named and len(set(named)) > 1:
        extra["energies"] = np.array(named)
    return StackData(images=stack, path=path, flats=_stack_files(roles["flat"]),
                     darks=_stack_files(roles["dark"]), metadata=metadata, **extra)


def _is_tiff(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
    except OSError:
        return False


register_reader(Reader("tiff", "TIFF stack (multi-page)", EXTENSIONS, _is_tiff, read_tiff_file))
register_reader(Reader("tiff-folder", "folder of TIFF images", EXTENSIONS,
                       lambda p: bool(files_with_extensions(p, EXTENSIONS)), read_tiff_folder, folder=True))
