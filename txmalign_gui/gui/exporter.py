"""Writes what the window shows: the aligned stack (HDF5 with provenance, or TIFF) and the transforms CSV."""

from __future__ import annotations

from .. import io as txio
from .alignment import Alignment

ALIGNED_FILTERS = "Aligned HDF5 with transforms and provenance (*.h5);;Multi-page TIFF (*.tif)"


def save_aligned(path: str, stack, alignment: Alignment, aligned, roi=None, mask=None, **provenance_extra) -> None:
    """Write `aligned` to `path` with the one writer the command line uses (`io.write_aligned`): TIFF for
    .tif/.tiff, otherwise HDF5 with transforms and quality; provenance (plus `provenance_extra`) in both."""
    record = txio.RunRecord(
        alignment.method, alignment.params, stack.source, strategy=alignment.stack_options.get("strategy"),
        anchor=alignment.anchor, preprocessing=alignment.prepare, options=alignment.stack_options,
        details=dict(roi=roi, mask_pixels=None if mask is None else int(mask.sum()),
                     messages=list(alignment.messages), **provenance_extra),
        program="txmalign-gui")
    txio.write_aligned(path, aligned, alignment.transforms, record, input_path=stack.path,
                       costs=alignment.costs, confidences=alignment.confidences,
                       statuses=list(alignment.statuses), energies=stack.energies, angles=stack.angles,
                       extras=_checks(alignment))


def save_transforms(path: str, stack, alignment: Alignment) -> None:
    txio.write_transforms_csv(path, alignment.transforms, input_path=stack.path, extra_columns=_checks(alignment))


def _checks(alignment: Alignment) -> dict:
    """The second-opinion differences under the name `txmalign align` saves them, when there are any."""
    return {} if alignment.check_differences is None else {"check_differences_px": alignment.check_differences}
