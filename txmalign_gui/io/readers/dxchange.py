"""Data Exchange layout (APS and tomopy): /exchange/data with data_white (flats), data_dark and theta."""

from __future__ import annotations

from .h5_layout import Layout, register_layout

DATA_EXCHANGE = register_layout(Layout(
    "data-exchange", "Data Exchange tomography (HDF5)", images="exchange/data", kind="tomo",
    flats=("exchange/data_white",), darks=("exchange/data_dark",), angles=("exchange/theta",),
    single_energy="measurement/instrument/monochromator/energy"))
