"""NSLS-II FXI (18-ID) layouts: XANES scans (img_xanes, X_eng in keV) and tomography scans (img_tomo, angle).

Raw scans hold detector counts (uint16) with real flats (img_bkg) and darks (img_dark), normalised on
reading; files written by the FXI export workflow hold img_xanes already normalised (float32 around 1)
beside the same img_bkg/img_dark, and are recognised so that they are not normalised twice.
"""

from __future__ import annotations

from typing import Any

from .h5_layout import Layout, register_layout

# X_eng is keV in FXI files; the unit is still guessed in case a file stores eV.
_COMMON: dict[str, Any] = dict(flats=("img_bkg", "img_bkg_avg"), darks=("img_dark", "img_dark_avg"),
                               pixel_size=("Pixel Size",), energy_unit=None, exports_normalised=True)

FXI_XANES = register_layout(Layout("fxi-xanes", "NSLS-II FXI XANES scan (HDF5)", images="img_xanes",
                                   kind="xanes", energies=("X_eng",), **_COMMON))
FXI_TOMO = register_layout(Layout("fxi-tomo", "NSLS-II FXI tomography scan (HDF5)", images="img_tomo",
                                  kind="tomo", angles=("angle",), angle_unit="deg", single_energy="X_eng", **_COMMON))
