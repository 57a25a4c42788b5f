"""Qt-free readers and writers for the files beamlines produce.

Reading: `read_stack(source, dataset)` picks a reader plugin (`registry`) for multi-page TIFF, a
folder of TIFFs, .npy, generic HDF5 (also compressed with Bitshuffle/LZ4, Blosc or Zstd), the NSLS-II
FXI XANES/tomography layouts, Data Exchange, NeXus NXstxm, ALS STXM .hdr + .xim, a .txrm series or a
folder of .xrm images, and returns a `StackData` whose frames large HDF5 files
serve lazily.  Writing: `write_aligned` (the one writer of aligned results: HDF5 with NeXus and, for tomography,
Data Exchange layouts, or TIFF, with provenance), transforms CSV, all atomic and checked first
(`check_outputs`).
"""

from . import readers  # noqa: F401  (registers the built-in readers)
from .aligned_hdf5 import write_aligned_hdf5
from .aligned_output import RunRecord, write_aligned
from .atomic import atomic_output
from .axis_values import load_angles, load_energies
from .h5tools import list_datasets
from .images import read_image, read_mask
from .output_paths import check_outputs, source_file
from .provenance import build_provenance, linked_checksums, sha256_of_path
from .registry import Reader, file_dialog_groups, find_reader, read_stack, register_reader, supported_formats
from .registry import readers as available_readers
from .stack_data import StackData
from .tiff_writer import write_tiff_stack
from .transforms_io import read_transforms, write_transforms_csv

__all__ = [
    "StackData", "read_stack", "read_image", "read_mask", "list_datasets", "load_energies", "load_angles",
    "write_aligned_hdf5", "write_tiff_stack", "write_transforms_csv", "read_transforms", "build_provenance",
    "sha256_of_path", "atomic_output", "Reader", "register_reader", "find_reader", "available_readers",
    "file_dialog_groups",
    "supported_formats", "linked_checksums", "RunRecord", "write_aligned", "check_outputs", "source_file",
]
