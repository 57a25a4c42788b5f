"""Builders of hostile and unusual input files for the hostile-input tests, and the harness that runs one
`txmalign` command in-process and checks how it ended.

Every builder writes into a folder it is given and returns the path(s); nothing is downloaded or shared.
"""

from __future__ import annotations

import hashlib
import os
import struct

import h5py
import numpy as np
import tifffile
from scipy import ndimage

from txmalign_gui.cli import main

SIZE = 40
SHIFTS = np.array([[0.0, 0.0], [1.5, -1.0], [-2.0, 2.5], [3.0, 1.0], [-1.0, -2.0]])


def texture(size: int = SIZE, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.random((size, size)), 2.0)


def shifted_stack(count: int = 5, size: int = SIZE, seed: int = 0) -> np.ndarray:
    """`count` copies of one texture shifted by SHIFTS (cycled); float32 values around 0.5."""
    base = texture(size, seed)
    return np.stack([ndimage.shift(base, SHIFTS[i % len(SHIFTS)], mode="nearest")
                     for i in range(count)]).astype(np.float32)


def write_h5(path, datasets: dict, attrs: dict = None) -> str:
    with h5py.File(path, "w") as handle:
        for name, value in datasets.items():
            handle.create_dataset(name, data=value)
        for name, value in (attrs or {}).items():
            handle.attrs[name] = value
    return str(path)


def write_fxi(path, exported: bool, seed: int = 0) -> str:
    """An FXI-like XANES file: raw uint16 counts with flats and darks, or the exported (normalised)
    float32 images beside the same flats and darks.  The beam varies strongly across the field."""
    stack = shifted_stack(seed=seed)
    rows = np.linspace(-1, 1, SIZE)[:, None]
    beam = 20000.0 * (1.0 - 0.5 * rows ** 2) * np.ones((1, SIZE))
    dark = np.full((SIZE, SIZE), 100.0)
    transmission = 0.3 + 0.6 * stack
    counts = transmission * beam[None] + dark[None]
    images = transmission.astype(np.float32) if exported else np.clip(np.rint(counts), 0, 65535).astype(np.uint16)
    return write_h5(path, {"img_xanes": images, "img_bkg": (beam + dark)[None].astype(np.uint16),
                           "img_dark": dark[None].astype(np.uint16),
                           "X_eng": np.linspace(7.70, 7.74, len(stack))})


def write_ole(path, streams: dict) -> str:
    """A minimal OLE2 compound document holding `streams` (name -> bytes), one storage level deep."""
    from test_io_xradia import write_ole as writer

    writer(path, streams)
    return str(path)


def write_txrm(path, count: int = 3, declared: int = None, size: int = SIZE, textured: bool = False) -> str:
    """A .txrm of `count` uint16 images (shifted textures, or constants) declaring `declared` images."""
    images = list((shifted_stack(count, size) * 1000).astype(np.uint16)) if textured else \
        [np.full((size, size), 100 + k, np.uint16) for k in range(count)]
    streams = {"ImageInfo/ImageWidth": struct.pack("<I", size), "ImageInfo/ImageHeight": struct.pack("<I", size),
               "ImageInfo/NoOfImages": struct.pack("<I", count if declared is None else declared),
               "ImageInfo/DataType": struct.pack("<I", 5)}
    for k, image in enumerate(images, start=1):
        streams[f"ImageData{1 + (k - 1) // 100}/Image{k}"] = image.tobytes()
    return write_ole(path, streams)


def write_tiff(path, array, **options) -> str:
    tifffile.imwrite(path, array, **options)
    return str(path)


def snapshot(folder) -> dict:
    """sha256 of every regular file under `folder` (symlinks and special files by their link/type)."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            full = os.path.join(root, name)
            if os.path.islink(full):
                found[full] = "link:" + os.readlink(full)
            elif os.path.isfile(full):
                with open(full, "rb") as handle:
                    found[full] = hashlib.sha256(handle.read()).hexdigest()
            else:
                found[full] = "special"
    return found


def run_cli(capsys, argv) -> tuple:
    """(exit status, stdout, stderr) of `txmalign argv` run in this process."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:  # argparse refusals
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err
