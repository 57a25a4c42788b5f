"""Writes the aligned stack cropped to the area every frame covers, with the crop in its provenance."""

from __future__ import annotations

from ... import io as txio
from ...engine.checks import crop_stack


def save_cropped(path: str, stack, alignment, aligned, box, roi=None, mask=None) -> None:
    """HDF5 (transforms, quality, provenance with `crop` = [y0, y1, x0, x1]) or, for .tif, a TIFF stack."""
    cropped = crop_stack(aligned, box)
    if path.lower().endswith((".tif", ".tiff")):
        txio.write_tiff_stack(path, cropped, input_path=stack.path)
        return
    provenance = txio.build_provenance(
        alignment.method, alignment.params, alignment.stack_options.get("strategy"), alignment.anchor,
        stack.source, stack_options=alignment.stack_options, preparation=alignment.prepare, roi=roi,
        mask_pixels=None if mask is None else int(mask.sum()), crop=[int(v) for v in box],
        program="txmalign-gui")
    txio.write_aligned_hdf5(path, cropped, alignment.transforms, costs=alignment.costs,
                            confidences=alignment.confidences, statuses=list(alignment.statuses),
                            energies=stack.energies, angles=stack.angles, provenance=provenance,
                            input_path=stack.path)
