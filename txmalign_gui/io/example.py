"""Write the synthetic XANES example (engine.synthetic) as an FXI-like HDF5 file with its ground truth.

The example is generated on demand (`example_file()` caches it in the user's data folder) rather than
shipped, so the package stays small. The file holds raw detector counts (img_xanes, uint16) with flats
(img_bkg) and darks (img_dark), the energies in keV (X_eng, as FXI stores them) and `truth_transforms`
(N, 3) [dy, dx, angle_deg] aligning each image with the anchor, so readers, preprocessing and alignment can
all be checked against it.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from ..engine.synthetic import synthetic_xanes
from .atomic import atomic_output
from .h5tools import new_h5
from .user_data import user_data_dir

EXAMPLE_FILENAME = "synthetic_xanes.h5"
_FLAT_COUNTS = 20000.0
_DARK_COUNTS = 100.0


def write_example(path: str, n_images: int = 101, size: int = 128, seed: int = 0) -> str:
    """Render the synthetic XANES stack and write it to `path` (atomically); returns the path."""
    synthetic = synthetic_xanes(n_images=n_images, size=size, seed=seed)
    rng = np.random.default_rng(seed + 1)
    rows = np.linspace(-1.0, 1.0, size)[:, None]
    cols = np.linspace(-1.0, 1.0, size)[None, :]
    beam = _FLAT_COUNTS * (1.0 - 0.25 * (rows ** 2 + cols ** 2))  # a beam brighter in the middle
    darks = _DARK_COUNTS + rng.normal(0.0, 2.0, size=(3, size, size))
    flats = beam[None] + darks.mean(axis=0) + rng.normal(0.0, np.sqrt(_FLAT_COUNTS), size=(3, size, size))
    counts = synthetic.images * beam[None] + darks.mean(axis=0)[None]
    with atomic_output(path) as temporary:
        with new_h5(temporary) as h5:
            options = dict(compression="gzip", compression_opts=6, shuffle=True)
            h5.create_dataset("img_xanes", data=_to_uint16(counts), chunks=(1, size, size), **options)
            h5.create_dataset("img_bkg", data=_to_uint16(flats), **options)
            h5.create_dataset("img_dark", data=_to_uint16(darks), **options)
            h5.create_dataset("X_eng", data=synthetic.energies / 1000.0)
            truth = h5.create_dataset("truth_transforms", data=synthetic.transforms)
            truth.attrs["columns"] = "dy,dx,angle_deg"
            truth.attrs["meaning"] = "aligns each image with the anchor (txmalign convention)"
            truth.attrs["anchor"] = synthetic.anchor
            h5.attrs["description"] = ("synthetic TXM XANES stack: two phases with edges at 7716 and 7724 eV, "
                                       f"+-8 px jitter, noise and an uneven background (seed {seed})")
    return path


def example_file() -> Path:
    """The default example in the user's data folder, written on first use (about a second) and reused.

    A file left incomplete by an interrupted run never appears under the final name (atomic write), and one
    that no longer opens is written again.
    """
    folder = user_data_dir() / "examples"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / EXAMPLE_FILENAME
    if path.exists() and not _is_readable_example(path):
        os.remove(path)
    if not path.exists():
        write_example(str(path))
    return path


def _is_readable_example(path: Path) -> bool:
    try:
        with h5py.File(path, "r") as h5:
            return "img_xanes" in h5 and "truth_transforms" in h5
    except OSError:
        return False


def _to_uint16(array: np.ndarray) -> np.ndarray:
    counts: np.ndarray = np.clip(np.rint(array), 0, 65535).astype(np.uint16)
    return counts
