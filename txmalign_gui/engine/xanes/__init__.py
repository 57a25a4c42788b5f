"""XANES spectroscopy on a stack: optical density against an incident-beam spectrum (I0), pre-/post-edge
normalisation with the edge step, the edge energy, and per-pixel maps used as an alignment check.

Qt-free; the GUI spectra/maps tools, the `txmalign spectra` command and the tests all use these functions.
"""

from .edge import edge_energy_derivative, edge_energy_half_step
from .maps import EdgeMaps, edge_maps, phase_rim_fraction
from .normalize import EdgeNormalization, default_edge_ranges, normalize_spectrum
from .od import check_transmission, i0_from_region, i0_on_energies, optical_density, region_od

__all__ = [
    "EdgeMaps", "EdgeNormalization", "check_transmission", "default_edge_ranges", "edge_energy_derivative",
    "edge_energy_half_step", "edge_maps", "i0_from_region", "i0_on_energies", "normalize_spectrum",
    "optical_density", "phase_rim_fraction", "region_od",
]
