"""NSLS-II FXI (18-ID) layouts: XANES scans (img_xanes, X_eng in keV) and tomography scans (img_tomo, angle)."""

from __future__ import annotations

from .h5_layout import Layout, register_layout

_COMMON = dict(flats=("img_bkg", "img_bkg_avg"), darks=("img_dark", "img_dark_avg"), pixel_size=("Pixel Size",),
               energy_unit=None)  # X_eng is keV in FXI files; the unit is still guessed in case a file stores eV

FXI_XANES = register_layout(Layout("fxi-xanes", "NSLS-II FXI XANES scan (HDF5)", images="img_xanes",
                                   kind="xanes", energies=("X_eng",), **_COMMON))
FXI_TOMO = register_layout(Layout("fxi-tomo", "NSLS-II FXI tomography scan (HDF5)", images="img_tomo",
                                  kind="tomo", angles=("angle",), angle_unit="deg", single_energy="X_eng", **_COMMON))
