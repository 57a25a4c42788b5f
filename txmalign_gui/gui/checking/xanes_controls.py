"""XANES options of the 'Spectra' tab: where I0 comes from (flats, an empty-beam rectangle, a file), edge
normalisation with pre- and post-edge ranges dragged on the plot, the edge energy read-out, and export of
the spectra into an HDF5 file.  The maths is engine.xanes; this widget only holds the choices."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLabel, QSizePolicy, QWidget

from ...engine.errors import InputError, TxmAlignError
from ...engine.xanes import (
    check_transmission,
    default_edge_ranges,
    i0_from_region,
    i0_on_energies,
    normalize_spectrum,
    region_od,
)
from ...io.spectra_files import add_spectra_to_hdf5, read_i0_spectrum
from .widgets import button, row

FLATS, REGION_I0, FILE_I0 = "flats", "region", "file"
_RANGE_BRUSHES = {"pre": (67, 99, 216, 40), "post": (245, 130, 49, 40)}


class XanesControls(QWidget):
    """`changed` fires when the I0 source, the normalisation or a dragged range changes."""

    changed = pyqtSignal()

    def __init__(self, tool, plot: pg.PlotWidget, notify, parent=None):
        super().__init__(parent)
        self.tool, self.plot, self.notify = tool, plot, notify
        self.i0_energies: Optional[np.ndarray] = None
        self.i0_counts: Optional[np.ndarray] = None
        self.i0_path: Optional[str] = None
        self.results: dict = {}  # curve label -> EdgeNormalization of the last redraw
        self.i0_combo = QComboBox()
        self.i0_combo.setToolTip("Incident intensity I0 for the optical density -ln(I/I0): 1 when the images "
                                 "are already flat-field corrected (I/I0), the mean of an empty-beam rectangle "
                                 "in each frame, or a measured I0 spectrum (energy, counts)")
        self.i0_combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.file_button = button("I0 file...", "Load an I0 spectrum: two columns energy (eV), counts "
                                  "(e.g. an ALS .xsp file)", self.choose_i0_file)
        self.normalize_check = QCheckBox("Normalise edge")
        self.normalize_check.setToolTip("Pre-edge line to 0 and post-edge line to 1 (edge step 1); drag the "
                                        "blue (pre-edge) and orange (post-edge) bands on the plot")
        self.normalize_check.toggled.connect(self._normalize_toggled)
        h5_button = button("Add to HDF5...", "Store the plotted OD spectra (and normalisation) as /spectra/NAME "
                           "in an HDF5 file, e.g. the saved aligned stack", self.choose_hdf5)
        self.edge_label = QLabel("")
        self.edge_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens
        self.edge_label.setToolTip("Edge energy at the derivative maximum and at half the edge step, and the "
                                   "step, for each plotted curve")
        self.ranges = {}
        for name, brush in _RANGE_BRUSHES.items():
            region = pg.LinearRegionItem(brush=pg.mkBrush(*brush), movable=True)
            region.setZValue(-10)
            region.sigRegionChangeFinished.connect(lambda *_: self.changed.emit())
            self.ranges[name] = region
        layout = row("I0:", self.i0_combo, self.file_button, self.normalize_check, h5_button, stretch=False)
        layout.addWidget(self.edge_label, 1)  # takes the rest of the row, elided rather than widening it
        self.setLayout(layout)
        self.refill()
        tool.context.stack_changed.connect(self._stack_changed)

    def _stack_changed(self) -> None:
        """Another file was opened: an I0 spectrum measured for the previous one must not carry over
        silently; the edge ranges start again from the new energies."""
        self.i0_energies = self.i0_counts = self.i0_path = None
        self.i0_combo.blockSignals(True)
        self.i0_combo.setCurrentIndex(0)
        self.i0_combo.blockSignals(False)
        self.refill()
        if self.normalize_check.isChecked():
            self._default_ranges()

    # -- I0 -----------------------------------------------------------------
    def refill(self) -> None:
        """Offer flats/transmission, every rectangle of the tool, and the loaded file.  A chosen I0 region
        that was removed stays chosen (and says so) rather than silently becoming I0 = 1; undoing the
        removal brings it back."""
        current = self.i0_combo.currentData()
        self.i0_combo.blockSignals(True)
        self.i0_combo.clear()
        self.i0_combo.addItem("1 (flat-fielded: I/I0)", FLATS)
        for probe in self.tool.probes:
            if probe.kind != "point":
                self.i0_combo.addItem(f"region '{probe.name}'", f"{REGION_I0}:{probe.key}")
        if self.i0_path:
            self.i0_combo.addItem(f"file {os.path.basename(self.i0_path)}", f"{FILE_I0}:{self.i0_path}")
        if current is not None and current.startswith(REGION_I0) and self.i0_combo.findData(current) < 0:
            self.i0_combo.addItem("removed region (choose another I0)", current)
        index = self.i0_combo.findData(current) if current is not None else 0
        self.i0_combo.setCurrentIndex(max(index, 0))
        self.i0_combo.blockSignals(False)

    def choose_i0_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "I0 spectrum", "", "I0 spectra (*.xsp *.txt *.csv *.dat);;"
                                              "All files (*)")
        if path:
            self.load_i0_file(path)

    def load_i0_file(self, path: str) -> bool:
        try:
            self.i0_energies, self.i0_counts = read_i0_spectrum(path)
        except TxmAlignError as error:
            self.notify(str(error), "error")
            return False
        self.i0_path = path
        self.refill()
        self.i0_combo.setCurrentIndex(self.i0_combo.findData(f"{FILE_I0}:{path}"))
        return True

    def use_i0_region(self, name: str) -> None:
        """Take I0 from the rectangle called `name` (it stays the I0 when renamed, moved or resized)."""
        probe = next(p for p in self.tool.probes if p.name == name)
        self.refill()
        self.i0_combo.setCurrentIndex(self.i0_combo.findData(f"{REGION_I0}:{probe.key}"))

    def i0(self, images) -> Optional[np.ndarray]:
        """I0 per frame for `images`, or None when the images are taken as I/I0 already."""
        kind, _, which = (self.i0_combo.currentData() or FLATS).partition(":")
        if kind == REGION_I0:
            probe = next((p for p in self.tool.probes if str(p.key) == which), None)
            if probe is None:
                raise InputError("the I0 region was removed; choose another I0")
            return i0_from_region(images, self.tool.probe_mask(probe, images.shape[1:]))
        if kind == FILE_I0:
            energies, label = self.tool.context.axis()
            if not label.startswith("Energy"):
                raise InputError("an I0 file needs a stack with energies")
            return i0_on_energies(self.i0_energies, self.i0_counts, energies)
        return None

    def uses_region(self) -> bool:
        """Whether I0 is taken from a rectangle of the Spectra tab (so moving it changes every OD)."""
        return (self.i0_combo.currentData() or FLATS).startswith(REGION_I0)

    def frame_by_frame(self) -> bool:
        """Whether the OD of a frame is -ln of its own intensity alone (I0 = 1, no normalisation), so an
        edit of some frames can update only their values."""
        return (self.i0_combo.currentData() or FLATS) == FLATS and not self.normalize_check.isChecked()

    def optical_density(self, images, mask, statistic: str) -> Optional[np.ndarray]:
        """The region's OD with the chosen I0, or None when I0 is 1 (the tool then takes -ln itself)."""
        i0 = self.i0(images)
        if i0 is None:
            rows, cols = np.nonzero(mask)
            check_transmission(images[:, rows.min():rows.max() + 1, cols.min():cols.max() + 1])
            return None
        return region_od(images, mask, i0, statistic)

    # -- normalisation ------------------------------------------------------
    def _normalize_toggled(self, on: bool) -> None:
        plot = self.plot.getPlotItem()
        if on:
            self.tool.absorbance_check.setChecked(True)
            self._default_ranges()
            for region in self.ranges.values():
                plot.addItem(region, ignoreBounds=True)
        else:
            for region in self.ranges.values():
                plot.removeItem(region)
        self.changed.emit()

    def _default_ranges(self) -> None:
        x, _ = self.tool.context.axis()
        if len(x) >= 5:
            for name, span in zip(("pre", "post"), default_edge_ranges(x)):
                self.ranges[name].setRegion(span)

    def set_ranges(self, pre: tuple, post: tuple) -> None:
        self.ranges["pre"].setRegion(pre)
        self.ranges["post"].setRegion(post)
        self.changed.emit()

    def edge_ranges(self) -> tuple:
        """(pre-edge, post-edge) energy ranges when normalisation is on, else (None, None)."""
        if not self.normalize_check.isChecked():
            return None, None
        return tuple(self.ranges["pre"].getRegion()), tuple(self.ranges["post"].getRegion())

    def normalize(self, label: str, x: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The normalised curve when normalisation is on (remembered for the read-out), else `values`."""
        if not self.normalize_check.isChecked():
            return values
        result = normalize_spectrum(x, values, *self.edge_ranges())
        self.results[label] = result
        return result.normalized

    def begin(self) -> None:
        self.results = {}

    def finish(self, errors: list) -> None:
        """Show the edge energies of the plotted curves (and why any could not be normalised)."""
        parts = [f"{label}: E0 {r.e0_derivative:.2f} eV (derivative maximum), {r.e0_half_step:.2f} eV (half "
                 f"step), step {r.edge_step:.3g}" for label, r in self.results.items()]
        short = [f"{label}: E0 {r.e0_derivative:.1f} eV, step {r.edge_step:.2g}" for label, r in self.results.items()]
        shown = short[:2] + [f"{len(short) - 2} more (hover)"] if len(short) > 2 else short
        problems = [f"{error.split(': ')[0]}: not plotted (hover for why)" for error in errors[:1]]
        self.edge_label.setText("; ".join(shown + problems))
        self.edge_label.setToolTip("\n".join(parts + errors) or "Edge energy and step of each plotted curve")

    # -- HDF5 export --------------------------------------------------------
    def choose_hdf5(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add spectra to an HDF5 file", "", "HDF5 (*.h5 *.hdf5)")
        if path:
            self.export_hdf5(path)

    def export_hdf5(self, path: str) -> bool:
        """Write every plotted curve as /spectra/<name (source)> into the existing HDF5 file `path`."""
        x, label = self.tool.context.axis()
        curves = self.tool.od_curves()
        if not curves:
            self.notify("Plot an optical-density spectrum first (tick the OD box and add a region).", "info")
            return False
        try:
            for name, od, normalized in curves:
                attributes = {"i0": self.i0_combo.currentText(), "axis": label}
                result = self.results.get(name)
                if result is not None:
                    attributes.update(edge_energy_derivative_eV=result.e0_derivative,
                                      edge_energy_half_step_eV=result.e0_half_step, edge_step=result.edge_step,
                                      pre_edge_eV=list(result.pre_range), post_edge_eV=list(result.post_range))
                add_spectra_to_hdf5(path, name, x, od, normalized, attributes, replace=True)
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not add spectra to {os.path.basename(path)}: {error}", "error")
            return False
        self.notify(f"Added {len(curves)} spectra to {os.path.basename(path)}:/spectra", "info")
        return True
