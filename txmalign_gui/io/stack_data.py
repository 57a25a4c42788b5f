"""StackData: an image stack as read from disk, with the energies, angles, flats and darks it came with."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Optional, Tuple

import numpy as np
import numpy.typing as npt

from ..engine.errors import InputError
from .axis_values import check_values, load_angles, load_energies
from .memory import check_memory

KINDS = ("xanes", "tomo", "stack")


@dataclass
class StackData:
    """An (N, H, W) stack plus what the file says about it.

    `images` may be a lazy array-like (`io.lazy`); use `frame(i)` or `load()` for float32 pixels.
    `energies` are in eV and `angles` in degrees, one per image; `kind` defaults to "xanes" when
    there are energies, "tomo" when there are angles, else "stack".  `flats` and `darks` are (H, W)
    or (K, H, W); when `metadata["flats_per_image"]` is True the flats are (N, H, W), one
    reference per image (Xradia folders with a reference at each energy).
    """

    images: Any
    path: str
    dataset: Optional[str] = None
    kind: Optional[str] = None
    energies: Optional[np.ndarray] = None
    angles: Optional[np.ndarray] = None
    flats: Optional[np.ndarray] = None
    darks: Optional[np.ndarray] = None
    pixel_size_nm: Optional[float] = None
    metadata: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = tuple(getattr(self.images, "shape", ()))
        if len(shape) != 3:
            what = "a single 2-D image" if len(shape) == 2 else f"an array of shape {shape}"
            raise InputError(f"{self.source} holds {what}; an image stack (N x H x W) is needed")
        if min(shape) < 1:
            raise InputError(f"{self.source} holds an empty stack (shape {shape})")
        check_pixel_type(np.dtype(getattr(self.images, "dtype", np.float32)), self.source)
        if self.kind is None:
            self.kind = "xanes" if self.energies is not None else "tomo" if self.angles is not None else "stack"
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        self.energies = self._per_image(self.energies, "energies")
        self.angles = self._per_image(self.angles, "angles")
        self.flats = self._references(self.flats, "flat (reference) images")
        self.darks = self._references(self.darks, "dark images")

    @property
    def source(self) -> str:
        """The path, with `:dataset` appended for HDF5 files, as a user would type it."""
        return f"{self.path}:{self.dataset}" if self.dataset else self.path

    @property
    def shape(self) -> Tuple[int, ...]:
        return tuple(self.images.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def frame(self, index: int) -> np.ndarray:
        """Image `index` as a float32 (H, W) array (reads only that frame from a lazy stack)."""
        if not -len(self) <= index < len(self):
            raise InputError(f"image {index} does not exist: {self.source} holds {len(self)} images")
        return np.asarray(self.images[index], dtype=np.float32)

    def load(self) -> np.ndarray:
        """The whole stack as a float32 (N, H, W) array in memory; refused first when it cannot fit."""
        check_memory(4.0 * np.prod(self.shape, dtype=float), f"loading {self.source} "
                     f"({' x '.join(map(str, self.shape))} images)")
        try:
            return np.asarray(self.images[:], dtype=np.float32)
        except MemoryError as error:
            raise InputError(f"{self.source} ({'x'.join(map(str, self.shape))}) does not fit in memory; "
                             "crop or bin it first") from error

    def skipping_axis_values(self, skip: int) -> "StackData":
        """A copy whose energies/angles are re-read from their file or dataset without the first `skip` values.

        Scans that record dark and flat frames write their energies or angles too; the reader keeps where
        each came from (`metadata["axis_sources"]`) even when the count did not match the images.  When
        more values remain than there are images (darks/flats recorded after the scan as well), the first
        ones are used and a warning says how many were left out; fewer is an error.
        """
        if not skip:
            return self
        sources = self.metadata.get("axis_sources") or {}
        if not sources:
            raise InputError(f"{self.source}: no energies or angles file or dataset was found to skip values of")
        updated, notes = self, []
        for kind, spec in sources.items():
            values = (load_energies if kind == "energies" else load_angles)(spec, skip=skip)
            if len(values) < len(self):
                raise InputError(f"{spec} holds {len(values) + skip} {kind}; without the first {skip} that is "
                                 f"{len(values)} for {len(self)} images")
            if len(values) > len(self):
                notes.append(f"{os.path.basename(spec)}: the first {skip} and the last {len(values) - len(self)} "
                             f"{kind} were not used (dark/flat frames?); {len(self)} match the images")
                values = values[:len(self)]
            updated = updated.with_energies(values) if kind == "energies" else updated.with_angles(values)
        warnings = [w for w in self.metadata.get("warnings", []) if not any(
            os.path.basename(str(spec)) in w for spec in sources.values())] + notes
        return replace(updated, metadata={**self.metadata, "warnings": warnings, "skipped_axis_values": skip})

    def with_energies(self, energies: npt.ArrayLike) -> "StackData":
        """A copy with `energies` (eV) attached and `kind` set to xanes; the count must match."""
        return replace(self, energies=np.asarray(energies, dtype=float), kind="xanes")

    def with_angles(self, angles: npt.ArrayLike) -> "StackData":
        """A copy with `angles` (degrees) attached and `kind` set to tomo; the count must match."""
        return replace(self, angles=np.asarray(angles, dtype=float), kind="tomo")

    def _per_image(self, values: Optional[npt.ArrayLike], name: str) -> Optional[np.ndarray]:
        if values is None:
            return None
        values = np.atleast_1d(np.asarray(values, dtype=float))
        if values.ndim != 1 or len(values) != len(self):
            raise InputError(f"{self.source}: {len(values)} {name} given for {len(self)} images")
        return check_values(values, name, self.source)

    def _references(self, images: Optional[npt.ArrayLike], name: str) -> Optional[np.ndarray]:
        if images is None:
            return None
        images = np.asarray(images)
        if images.ndim not in (2, 3) or images.shape[-2:] != self.shape[1:]:
            raise InputError(f"{self.source}: {name} have shape {images.shape} but the images are "
                             f"{self.shape[1]} x {self.shape[2]}")
        return images


def check_pixel_type(dtype: np.dtype, source: str) -> None:
    """Refuse pixel types that are not real numbers (complex, text, compound records, objects)."""
    if dtype.kind in "biuf":
        return
    if dtype.kind == "c":
        raise InputError(f"{source} holds complex numbers; txmalign aligns real images: save the magnitude "
                         "or the phase as a real stack first")
    what = {"S": "byte strings", "U": "text", "O": "text or objects", "V": "compound records"}.get(dtype.kind,
                                                                                             f"{dtype} values")
    raise InputError(f"{source} holds {what}, not image pixels (numbers)")
