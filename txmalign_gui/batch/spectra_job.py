"""`run_spectra`: read a stack as `align` does, take the optical density of a region against an I0 (a
region, a file or the flats), optionally normalise the edge, and write a CSV (and a /spectra HDF5 group)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import io
from ..engine.checks.spectra import rect_mask
from ..engine.errors import InputError
from ..engine.xanes import check_transmission, i0_from_region, i0_on_energies, normalize_spectrum, region_od
from ..io.output_paths import check_output, source_file
from ..io.spectra_files import add_spectra_to_hdf5, read_i0_spectrum, write_spectra_csv
from .prepare import PrepareOptions, prepare_stack


@dataclass(frozen=True)
class SpectraOptions:
    """What `run_spectra` measures: the region (y0, y1, x0, x1), where I0 comes from and the edge ranges."""

    region: tuple
    i0_file: Optional[str] = None
    i0_region: Optional[tuple] = None
    energies: Optional[str] = None
    normalize: bool = False
    pre: Optional[tuple] = None
    post: Optional[tuple] = None


def _checked_rect(rect: tuple, shape: tuple, what: str) -> np.ndarray:
    y0, y1, x0, x1 = rect
    if not (0 <= y0 < y1 <= shape[0] and 0 <= x0 < x1 <= shape[1]):
        raise InputError(f"the {what} {y0}:{y1},{x0}:{x1} is not inside the {shape[0]} x {shape[1]} image")
    return rect_mask(shape, rect)


def measure_spectrum(source: str, options: SpectraOptions) -> dict:
    """Energies, OD (and normalisation) of the region, plus a description of how they were obtained."""
    if options.i0_file and options.i0_region:
        raise InputError("give either an I0 file or an I0 region, not both")
    data = io.read_stack(source)
    energies = io.load_energies(options.energies) if options.energies else data.energies
    if energies is None:
        raise InputError(f"{source} holds no energies; give them with --energies FILE (one per line, eV)")
    energies = np.asarray(energies, dtype=float)
    if len(energies) != len(data):
        raise InputError(f"{len(energies)} energies for {len(data)} images")
    use_flats = not (options.i0_file or options.i0_region) and data.flats is not None
    images = prepare_stack(data, PrepareOptions(flat_field=use_flats))
    shape = images.shape[1:]
    mask = _checked_rect(options.region, shape, "region")
    if options.i0_file:
        i0, source_text = i0_on_energies(*read_i0_spectrum(options.i0_file), energies), f"file {options.i0_file}"
    elif options.i0_region:
        i0 = i0_from_region(images, _checked_rect(options.i0_region, shape, "I0 region"))
        source_text = "region {}:{},{}:{}".format(*options.i0_region)
    elif use_flats:
        i0, source_text = None, "flats stored with the data"
    else:
        check_transmission(images)
        i0, source_text = None, "none (images taken as transmission I/I0)"
    od = region_od(images, mask, i0)
    out = {"energies": energies, "od": od, "i0": source_text, "normalization": None}
    if options.normalize:
        out["normalization"] = normalize_spectrum(energies, od, options.pre, options.post)
    return out


def run_spectra(source: str, options: SpectraOptions, csv: Optional[str] = None, hdf5: Optional[str] = None,
                name: str = "region", force: bool = False) -> dict:
    """Measure the region's spectrum and write it to `csv` (columns energy_eV, od[, normalized] after `#`
    header lines) and/or as /spectra/<name> into the existing HDF5 file `hdf5`; returns a summary."""
    if not csv and not hdf5:
        raise InputError("nothing to write: give --csv FILE and/or --hdf5 FILE")
    if csv:
        check_output(csv, [source, options.i0_file, options.energies], force)
    result = measure_spectrum(source, options)
    region = "{}:{},{}:{}".format(*options.region)
    norm = result["normalization"]
    header = [f"txmalign spectra of {source_file(source)} region {region} (rows y0:y1, columns x0:x1)",
              f"i0={result['i0']}"]
    names, columns = ["energy_eV", "od"], [result["energies"], result["od"]]
    if norm is not None:
        header.append(norm.header())
        names.append("normalized")
        columns.append(norm.normalized)
    if csv:
        write_spectra_csv(csv, header, names, columns, protect=[source_file(source)])
    if hdf5:
        attributes = {"source": source, "region_y0_y1_x0_x1": list(options.region), "i0": result["i0"]}
        if norm is not None:
            attributes.update(edge_energy_derivative_eV=norm.e0_derivative,
                              edge_energy_half_step_eV=norm.e0_half_step, edge_step=norm.edge_step,
                              pre_edge_eV=list(norm.pre_range), post_edge_eV=list(norm.post_range))
        add_spectra_to_hdf5(hdf5, name, result["energies"], result["od"],
                            None if norm is None else norm.normalized, attributes, replace=force)
    return {"points": len(result["od"]), "od_min": float(np.nanmin(result["od"])),
            "od_max": float(np.nanmax(result["od"])), "i0": result["i0"],
            "edge_energy_derivative_eV": None if norm is None else norm.e0_derivative,
            "edge_energy_half_step_eV": None if norm is None else norm.e0_half_step,
            "edge_step": None if norm is None else norm.edge_step}
