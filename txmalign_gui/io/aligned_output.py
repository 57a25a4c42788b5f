"""The one writer of aligned results, used by `txmalign align|apply|tomo` and by the app's Save commands.

A `RunRecord` says what produced the stack; it becomes the provenance with the same keys whoever
writes it (`preprocessing`, `options`, ...), so a file saved from the app and one written by the
command line can be compared key by key.  The output is HDF5 (aligned stack, transforms, quality,
NeXus NXdata, and the Data Exchange layout for tomography) or, for `.tif`/`.tiff`, a float32 TIFF
stack whose first page's description holds the same provenance as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy.typing as npt

from .aligned_hdf5 import write_aligned_hdf5
from .provenance import build_provenance, provenance_json
from .tiff_writer import write_tiff_stack

TIFF_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class RunRecord:
    """How an aligned stack was made.

    `source` is the input as typed (`scan.h5:/img_xanes`); `preprocessing` the image preparation
    (`PrepareOptions.to_dict()`); `options` the stack options (strategy details, binning, jobs...);
    `details` anything else worth keeping (roi, mask, reference, crop, flagged pairs, messages, tomography
    figures).  `program` is "txmalign" or "txmalign-gui".
    """

    method: str
    params: Dict[str, Any]
    source: str
    strategy: Optional[str] = None
    anchor: Optional[int] = None
    preprocessing: Dict[str, Any] = field(default_factory=dict)
    options: Dict[str, Any] = field(default_factory=dict)
    details: Dict[str, Any] = field(default_factory=dict)
    program: str = "txmalign"

    def provenance(self) -> Dict[str, Any]:
        """The provenance dictionary stored with the result (input checksum and time added)."""
        return build_provenance(self.method, self.params, self.strategy, self.anchor, self.source,
                                program=self.program, preprocessing=dict(self.preprocessing),
                                options=dict(self.options), **self.details)


def is_tiff_path(path: str) -> bool:
    return str(path).lower().endswith(TIFF_SUFFIXES)


def write_aligned(path: str, aligned: Any, transforms: Any, record: RunRecord, *, input_path: Optional[str] = None,
                  costs: Optional[npt.ArrayLike] = None, confidences: Optional[npt.ArrayLike] = None,
                  statuses: Optional[npt.ArrayLike] = None, energies: Optional[npt.ArrayLike] = None,
                  angles: Optional[npt.ArrayLike] = None,
                  extras: Optional[Dict[str, Any]] = None, tomography: bool = False) -> Dict[str, Any]:
    """Write `aligned` to `path` (TIFF for .tif/.tiff, else HDF5) with provenance from `record`; return it.

    `tomography` adds the Data Exchange layout (needs `angles`).  Never writes over `input_path`.
    """
    provenance = record.provenance()
    if is_tiff_path(path):
        write_tiff_stack(path, aligned, input_path=input_path, description=provenance_json(provenance))
    else:
        write_aligned_hdf5(path, aligned, transforms, costs=costs, confidences=confidences, statuses=statuses,
                           energies=energies, angles=angles, provenance=provenance, input_path=input_path,
                           extras=extras, data_exchange=tomography)
    return provenance
