"""The built-in readers; importing this package registers them (each module registers its own)."""

from . import dxchange, fxi, hdf5, npy, nxstxm, stxm, tiff, xradia  # noqa: F401
