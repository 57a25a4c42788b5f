"""Writes what the window shows: the aligned stack (HDF5 with provenance, or TIFF) and the transforms CSV."""

from __future__ import annotations

from .. import io as txio
from .alignment import Alignment

ALIGNED_FILTERS = "Aligned HDF5 with transforms and provenance (*.h5);;Multi-page TIFF (*.tif)"


def save_aligned(path: str, stack, alignment: Alignment, aligned, roi=None, mask=None, **provenance_extra) -> None:
    """Write `aligned` to `path`: TIFF for .tif/.tiff, otherwise HDF5 with transforms, quality and provenance
    (plus `provenance_extra`)."""
    if path.lower().endswith((".tif", ".tiff")):
        txio.write_tiff_stack(path, aligned, input_path=stack.path)
        return
    provenance = txio.build_provenance(
        alignment.method, alignment.params, alignment.stack_options.get("strategy"), alignment.anchor,
        stack.source, stack_options=alignment.stack_options, preparation=alignment.prepare, roi=roi,
        mask_pixels=None if mask is None else int(mask.sum()), **provenance_extra, program="txmalign-gui")
    txio.write_aligned_hdf5(path, aligned, alignment.transforms, costs=alignment.costs,
                            confidences=alignment.confidences, statuses=list(alignment.statuses),
                            energies=stack.energies, angles=stack.angles, provenance=provenance,
                            input_path=stack.path, extras=_checks(alignment))


def save_transforms(path: str, stack, alignment: Alignment) -> None:
    txio.write_transforms_csv(path, alignment.transforms, input_path=stack.path, extra_columns=_checks(alignment))


def _checks(alignment: Alignment) -> dict:
    """The second-opinion differences under the name `txmalign align` saves them, when there are any."""
    return {} if alignment.check_differences is None else {"check_differences_px": alignment.check_differences}
