"""Writes the aligned stack cropped to the area every frame covers, with the crop in its provenance."""

from __future__ import annotations

from ...engine.checks import crop_stack
from ..exporter import save_aligned


def save_cropped(path: str, stack, alignment, aligned, box, roi=None, mask=None) -> None:
    """HDF5 (transforms, quality, provenance with `crop` = [y0, y1, x0, x1]) or, for .tif, a TIFF stack."""
    save_aligned(path, stack, alignment, crop_stack(aligned, box), roi, mask, crop=[int(v) for v in box])
