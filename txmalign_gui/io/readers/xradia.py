"""Readers for Xradia/Zeiss files: a .txrm series (with angles) and a folder of .xrm images sorted by energy.

In a folder, files whose names contain a `ref` (or flat, bkg, white) word are flat references: each
image gets the reference taken at its energy (averaged when repeated), or the one reference when
there is a single energy; files named `dark...` are darks.  An energy stream of 0 (as SSRL 6-2c writes) is
replaced by the energy written in the file name.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from typing import Any, Dict, List, Optional, cast

import numpy as np
import olefile

from ...engine.errors import InputError
from ..lazy import LazyFrames
from ..paths import files_with_extensions, name_role, natural_key
from ..registry import Reader, register_reader
from ..stack_data import StackData
from ..units import energy_from_name
from ..xradia_ole import XradiaFile

_ENERGY_TOLERANCE_EV = 1.0


def _varies(values: Optional[np.ndarray]) -> bool:
    return values is not None and len(values) > 1 and float(np.ptp(values)) > 1e-3


def read_txrm(path: str, dataset: Optional[str] = None) -> StackData:
    series = XradiaFile(path)
    metadata: dict[str, Any] = {"format": "xradia txrm", "exposure_times": series.exposure_times}
    energies = series.energies if _varies(series.energies) else None
    if energies is None and series.energies is not None and series.energies[0] > 0:
        metadata["energy_eV"] = float(series.energies[0])
    angles = series.angles if _varies(series.angles) else None
    images = LazyFrames(series.count, (series.height, series.width), series.dtype, series.image)
    return StackData(images=images, path=path, energies=energies, angles=angles,
                     flats=series.reference(), pixel_size_nm=series.pixel_size_nm, metadata=metadata)


def _energy(image: XradiaFile) -> float:
    stored = image.energies[0] if image.energies is not None else 0.0
    if stored > 0:
        return float(stored)
    named = energy_from_name(os.path.basename(image.path))
    if named is None:
        raise InputError(f"{image.path} records no energy (the stream is 0) and its name holds none")
    return named


def _references_by_energy(references: List[XradiaFile]) -> Dict[float, np.ndarray]:
    """{energy: averaged reference image} over the reference files."""
    groups: defaultdict[float, List[np.ndarray]] = defaultdict(list)
    for reference in references:
        energy = _energy(reference)
        key = next((k for k in groups if abs(k - energy) <= _ENERGY_TOLERANCE_EV), energy)
        groups[key].append(_only_image(reference))
    return {energy: images[0] if len(images) == 1 else cast(np.ndarray, np.mean(images, axis=0, dtype=np.float32))
            for energy, images in groups.items()}


def _match_flats(energies: np.ndarray, references: Dict[float, np.ndarray], metadata: Dict[str, Any]
                 ) -> Optional[np.ndarray]:
    """One flat per image when every energy has a reference, the only flat when there is one, else None."""
    if len(references) == 1:
        return next(iter(references.values()))
    if not references:
        return None
    keys = np.array(sorted(references))
    nearest = [keys[np.argmin(np.abs(keys - e))] for e in energies]
    if any(abs(k - e) > _ENERGY_TOLERANCE_EV for k, e in zip(nearest, energies)):
        metadata.setdefault("warnings", []).append("reference files do not cover every energy; no flats attached")
        return None
    metadata["flats_per_image"] = True
    return np.stack([references[k] for k in nearest])


def _headers(paths: List[str]) -> List[XradiaFile]:
    """The XradiaFile of each path, closed again so that a long series does not hold every file open."""
    headers = []
    for path in paths:
        headers.append(XradiaFile(path))
        headers[-1].close()
    return headers


def _only_image(image: XradiaFile) -> np.ndarray:
    try:
        return image.image(0)
    finally:
        image.close()


def _nth_image(images: List[XradiaFile], index: int) -> np.ndarray:
    return _only_image(images[index])


def read_xrm_folder(path: str, dataset: Optional[str] = None) -> StackData:
    files = files_with_extensions(path, (".xrm",))
    samples = _headers([f for f in files if name_role(f) == "image"])
    if len(samples) < 2:
        raise InputError(f"the folder {path} holds {len(samples)} sample .xrm image(s); a stack needs at least 2")
    for image in samples:
        if (image.height, image.width, image.dtype) != (samples[0].height, samples[0].width, samples[0].dtype):
            raise InputError(f"{image.path} is {image.height} x {image.width} {image.dtype} but "
                             f"{samples[0].path} is {samples[0].height} x {samples[0].width} {samples[0].dtype}")
    samples.sort(key=lambda image: (_energy(image), natural_key(image.path)))
    energies = np.array([_energy(image) for image in samples])
    metadata = {"format": "xradia xrm folder", "files": [os.path.basename(s.path) for s in samples],
                "exposure_times": [float(s.exposure_times[0]) for s in samples if s.exposure_times is not None]}
    references = _headers([f for f in files if name_role(f) == "flat"])
    flats = _match_flats(energies, _references_by_energy(references), metadata)
    darks = [_only_image(dark) for dark in _headers([f for f in files if name_role(f) == "dark"])]
    images = LazyFrames(len(samples), (samples[0].height, samples[0].width), samples[0].dtype,
                        functools.partial(_nth_image, samples))
    return StackData(images=images, path=path, kind="xanes", energies=energies, flats=flats,
                     darks=np.stack(darks) if darks else None,
                     pixel_size_nm=samples[0].pixel_size_nm, metadata=metadata)


def _single_xrm(path: str, dataset: Optional[str] = None) -> StackData:
    raise InputError(f"{path} is a single Xradia image; open the folder that holds the series instead "
                     "(its images are sorted by energy and its ref files used as flats)")


register_reader(Reader("txrm", "Xradia/Zeiss series (.txrm)", (".txrm",), olefile.isOleFile, read_txrm))
register_reader(Reader("xrm", "Xradia/Zeiss image (.xrm; open its folder)", (".xrm",), olefile.isOleFile,
                       _single_xrm))
register_reader(Reader("xrm-folder", "folder of Xradia .xrm images", (".xrm",),
                       lambda p: bool(files_with_extensions(p, (".xrm",))), read_xrm_folder, folder=True,
                       priority=40))
