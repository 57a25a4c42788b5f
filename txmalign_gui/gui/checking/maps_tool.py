"""The 'Maps' tab: per-pixel edge-energy, white-line and edge-step maps of the raw and the aligned stack
side by side.  Misaligned frames paint rims of false chemistry at particle edges; after a good alignment
the phases are uniform up to their boundaries.  Also saves the maps (PNG/SVG) and a raw-vs-aligned GIF."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QComboBox, QFileDialog, QLabel, QVBoxLayout, QWidget

from ...engine.errors import InputError, TxmAlignError
from ...engine.xanes import edge_maps, optical_density
from ...io.movie import write_movie_gif
from ..document import PROBES
from ..plot_export import FILTERS as PLOT_FILTERS
from ..plot_export import export_plot
from .context import ALIGNED, RAW
from .widgets import button, double_spin, hint, row

KINDS = (("edge_derivative", "Edge energy (derivative maximum)", "eV"),
         ("edge_half_step", "Edge energy (half step)", "eV"),
         ("peak", "White-line (peak) energy", "eV"),
         ("edge_step", "Edge step (thickness)", "OD"))


class MapsTool(QWidget):
    """Computes the maps on demand (a few seconds for a large stack) with the I0 and edge ranges chosen in
    the Spectra tab (`xanes`, its XanesControls)."""

    def __init__(self, context, xanes, notify, parent=None):
        super().__init__(parent)
        self.context, self.xanes, self.notify = context, xanes, notify
        self.maps: dict = {}
        self.kind_combo = QComboBox()
        for key, text, _ in KINDS:
            self.kind_combo.addItem(text, key)
        self.kind_combo.setToolTip("Which map to show; edge and white-line energies are where misalignment "
                                   "shows as rims at particle edges")
        self.kind_combo.currentIndexChanged.connect(lambda _: self.show_maps())
        self.step_spin = double_spin(0.0, 1.0, 0.2, 0.05, 2, "Hide pixels whose edge step is below this "
                                     "fraction of the 99th-percentile step (thin or empty regions)")
        self.smooth_spin = double_spin(0.0, 20.0, 1.0, 0.5, 1, "Smooth each pixel's spectrum over this many "
                                       "eV before finding the edge", " eV")
        compute = button("Compute maps", "Compute the maps of the raw and the aligned stack", self.compute)
        save = button("Save maps...", "Save the two maps as PNG or SVG", self._choose_plot_file)
        movie = button("Movie (GIF)...", "Save a raw-versus-aligned movie of the stack as an animated GIF",
                       self._choose_movie)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.images, self.backdrops, self.titles = {}, {}, {}
        for col, source in enumerate((RAW, ALIGNED)):
            self.titles[source] = self.layout_widget.addLabel(source, row=0, col=col, color="#222")
            view = self.layout_widget.addViewBox(row=1, col=col, lockAspect=True, invertY=True)
            backdrop = pg.ImageItem(axisOrder="row-major")  # the edge step in gray, under the hidden pixels
            item = pg.ImageItem(axisOrder="row-major")
            view.addItem(backdrop)
            view.addItem(item)
            self.images[source], self.backdrops[source] = item, backdrop
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=True, width=14)
        self.colorbar.setImageItem(list(self.images.values()))
        self.layout_widget.addItem(self.colorbar, row=1, col=2)
        layout = QVBoxLayout(self)
        layout.addLayout(row("Map:", self.kind_combo, "Hide steps below", self.step_spin, "Smoothing",
                             self.smooth_spin, compute, save, movie))
        layout.addWidget(hint("Uses the optical density of the Spectra tab (its I0) and, when normalisation is "
                              "on there, its pre- and post-edge ranges. Misalignment shows as rims of another "
                              "colour around particles in the raw map."))
        layout.addWidget(self.layout_widget, 1)
        layout.addWidget(self.summary)
        context.data_changed.connect(self._clear)
        context.frames_changed.connect(lambda _: self._outdated())
        xanes.changed.connect(self._outdated)
        context.model.changed.connect(lambda fields, _: PROBES in fields and xanes.uses_region()
                                      and self._outdated())

    def _clear(self, note: str = "") -> None:
        self.maps = {}
        for item in list(self.images.values()) + list(self.backdrops.values()):
            item.clear()
        self.summary.setText(note)

    def _outdated(self) -> None:
        """Frames were edited or the I0 / edge ranges changed: maps shown now would describe another state."""
        if self.maps:
            self._clear("The alignment or the I0 changed since the maps were computed: press Compute maps.")

    def map_of(self, source: str):
        """EdgeMaps of the raw or aligned stack (optical density with the Spectra tab's I0)."""
        images = self.context.images(source)
        energies, label = self.context.axis()
        if images is None:
            return None
        if not label.startswith("Energy"):
            raise InputError("maps need a stack with energies (a XANES series)")
        od = optical_density(images, self.xanes.i0(images))
        pre, post = self.xanes.edge_ranges()
        return edge_maps(energies, od, pre, post, smooth_ev=self.smooth_spin.value(),
                         min_step_fraction=self.step_spin.value())

    def compute(self) -> bool:
        self.maps = {}
        try:
            for source in self.context.available_sources():
                self.maps[source] = self.map_of(source)
        except TxmAlignError as error:
            self.notify(f"No maps: {error}", "error")
            return False
        self.show_maps()
        return bool(self.maps)

    def show_maps(self) -> None:
        key = self.kind_combo.currentData()
        unit = next(u for k, _, u in KINDS if k == key)
        # One colour scale from the aligned map when there is one: raw outliers (rims) then saturate.
        reference = self.maps.get(ALIGNED) or self.maps.get(RAW)
        finite = np.array([]) if reference is None else getattr(reference, key)[np.isfinite(getattr(reference, key))]
        if finite.size:
            low, high = np.percentile(finite, (2, 98))
            self.colorbar.setLevels((float(low), float(max(high, low + 1e-6))))
        lines = []
        for source, item in self.images.items():
            maps = self.maps.get(source)
            if maps is None:
                item.clear()
                self.titles[source].setText(f"{source}: none")
                continue
            values = getattr(maps, key)
            step = np.nan_to_num(maps.edge_step, nan=0.0)
            self.backdrops[source].setImage(step, levels=(float(np.percentile(step, 1)) - 0.5 * float(np.ptp(step)),
                                                          float(np.percentile(step, 99))))
            item.setImage(values, autoLevels=False)
            item.getViewBox().setRange(xRange=(0, values.shape[1]), yRange=(0, values.shape[0]), padding=0.02)
            self.titles[source].setText(f"{source} ({unit})")
            mapped = np.isfinite(values) & maps.mask
            if mapped.any():
                q1, q3 = np.percentile(values[mapped], (25, 75))
                lines.append(f"{source}: {int(mapped.sum())} pixels mapped, middle half {q1:.2f}-{q3:.2f} {unit}")
        self.summary.setText("; ".join(lines))

    # -- export -------------------------------------------------------------
    def _choose_plot_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save maps", "maps.png", PLOT_FILTERS)
        if path:
            self.save_plot(path)

    def save_plot(self, path: str) -> bool:
        try:
            export_plot(self.layout_widget, path)
        except (OSError, RuntimeError) as error:
            self.notify(f"Could not save {os.path.basename(path)}: {error}", "error")
            return False
        return True

    def _choose_movie(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save movie", "raw_vs_aligned.gif", "GIF movie (*.gif)")
        if path:
            self.save_movie(path)

    def save_movie(self, path: str, fps: float = 8.0) -> Optional[int]:
        """A GIF of the raw stack beside the aligned one (raw only before an alignment)."""
        raw = self.context.images(RAW)
        if raw is None:
            self.notify("Open a stack first.", "info")
            return None
        axis, label = self.context.axis()
        unit = {"Energy (eV)": " eV", "Angle (°)": " deg"}.get(label, "")
        labels = [f"{v:.2f}{unit}" if unit else f"frame {int(v)}" for v in axis]
        try:
            count = write_movie_gif(path, raw, self.context.images(ALIGNED), fps=fps, labels=labels,
                                    protect=[getattr(self.context.stack, "path", None)])
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not save {os.path.basename(path)}: {error}", "error")
            return None
        self.notify(f"Saved a {count}-frame movie to {os.path.basename(path)}", "info")
        return count
