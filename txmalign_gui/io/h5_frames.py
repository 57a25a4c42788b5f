"""Read many frames of a per-frame-chunked, gzip-compressed HDF5 dataset with several threads.

h5py holds the interpreter lock while HDF5 decompresses, so frames read one after another use one core
(about 12 ms per 1024 px uint16 frame).  A frame stored as one deflate chunk (with or without the shuffle
filter, as h5py's `compression="gzip", shuffle=True` writes it) is instead read as its compressed bytes and
inflated by `zlib`, which releases the lock, so the threads inflate in parallel.  Any other layout or
filter goes through h5py as usual.
"""

from __future__ import annotations

import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

import h5py
import numpy as np

_DEFLATE, _SHUFFLE = h5py.h5z.FILTER_DEFLATE, h5py.h5z.FILTER_SHUFFLE


def read_frames_into(dataset: h5py.Dataset, indices: Sequence[int], out: np.ndarray, threads: int) -> None:
    """Read frames `indices` of the 3-D `dataset` into `out[indices]`, inflating in `threads` threads
    where the storage allows (see the module)."""
    shuffled = _inflatable(dataset)
    if shuffled is None or threads < 2 or len(indices) < 2:
        for index in indices:
            out[index] = dataset[index]
        return

    def read(index: int) -> None:
        skipped, raw = dataset.id.read_direct_chunk((index, 0, 0))
        if skipped:  # a chunk stored without its filters: let HDF5 decide
            out[index] = dataset[index]
            return
        _unpack(zlib.decompress(raw), out[index], shuffled)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(read, indices))  # list(): re-raise the first error


def _inflatable(dataset: h5py.Dataset) -> Optional[bool]:
    """None unless each frame is one chunk filtered by deflate alone or shuffle then deflate; else whether
    the shuffle filter is on."""
    if dataset.ndim != 3 or dataset.chunks != (1,) + tuple(dataset.shape[1:]):
        return None
    if dataset.dtype.kind not in "uif" or (dataset.dtype.itemsize > 1 and dataset.dtype.byteorder != "<"
                                           and not (dataset.dtype.byteorder == "=" and sys.byteorder == "little")):
        return None  # the bytes are copied as they are: only little-endian numbers on a little-endian machine
    plist = dataset.id.get_create_plist()
    filters = [plist.get_filter(k)[0] for k in range(plist.get_nfilters())]
    if filters == [_DEFLATE]:
        return False
    if filters == [_SHUFFLE, _DEFLATE]:
        return True
    return None


def _unpack(data: bytes, frame: np.ndarray, shuffled: bool) -> None:
    """Copy one inflated chunk into `frame`, undoing the shuffle filter (byte k of every value stored
    together) when it was on."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size != frame.nbytes:
        raise OSError(f"a chunk inflated to {raw.size} bytes instead of {frame.nbytes}")
    target = frame.reshape(-1).view(np.uint8).reshape(-1, frame.itemsize)
    if not shuffled or frame.itemsize == 1:
        target[...] = raw.reshape(target.shape)
        return
    for byte in range(frame.itemsize):
        target[:, byte] = raw[byte * target.shape[0]:(byte + 1) * target.shape[0]]
