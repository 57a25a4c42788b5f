"""The 'Spectra' tab: intensity or optical density (with I0 and edge normalisation, see xanes_controls)
against energy at named points, rectangles or mask regions, for the raw and the aligned stack overlaid, with
markers on the image and CSV, HDF5, PNG and SVG export."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.checks import absorbance, csv_text, point_spectrum, rect_mask, region_spectrum
from ...engine.errors import TxmAlignError
from ..document import PROBES, Probe
from ..plot_export import FILTERS as PLOT_FILTERS
from ..plot_export import export_plot
from .canvas import FINISH, START, DrawingCanvas, PointerUser
from .context import ALIGNED, RAW, CheckContext
from .mask_files import save_text
from .widgets import boxed, button, hint, row
from .xanes_controls import XanesControls

POINT, REGION, MASK = "point", "region", "mask"
COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324")
_COLUMNS = ("Show", "Name", "Colour", "x", "y", "width", "height")
_SOURCE_STYLE = {RAW: Qt.PenStyle.DashLine, ALIGNED: Qt.PenStyle.SolidLine}


class SpectrumTool(QWidget):
    """Edits the document's probes; draws their markers on the main image and the plot of their spectra."""

    def __init__(self, context: CheckContext, canvas: DrawingCanvas, roi_model, notify, parent=None):
        super().__init__(parent)
        self.context, self.canvas, self.roi_model, self.notify = context, canvas, roi_model, notify
        self.model = context.model
        self.viewbox = context.window.view.viewbox
        self.markers: list = []  # one per probe, in the document's order
        self._marked: list = []  # the Probe each marker was drawn for
        self._curves: dict = {}  # (probe index, source) -> plotted PlotDataItem
        self._stale = False
        self._drag_start = None
        self.pointer = PointerUser(self)
        self.pointer.clicked.connect(self._clicked)
        self.pointer.dragged.connect(self._dragged)
        self.pointer.released.connect(self._pointer_released)
        self._build()
        context.data_changed.connect(self.redraw)
        context.frames_changed.connect(self._frames_changed)
        self.model.changed.connect(lambda fields, _: PROBES in fields and self._probes_changed())
        self._probes_changed()

    @property
    def probes(self) -> tuple:
        return self.model.probes

    def _build(self) -> None:
        self.point_button = button("Add points", "Click pixels on the image to plot their spectra",
                                   checkable=True)
        self.region_button = button("Add rectangle", "Drag a rectangle on the image to plot its mean "
                                    "(or sum, max) spectrum", checkable=True)
        for widget in (self.point_button, self.region_button):  # clicks only: no cascade of toggles
            widget.clicked.connect(lambda _=False, w=widget: self._take_pointer(w))
        mask_button = button("Add mask region", "Plot the spectrum over the pixels painted on the 'ROI and "
                             "mask' tab (a copy: the mask can then be cleared)", self.add_mask_probe)
        remove_button = button("Remove", "Remove the selected rows", self.remove_selected)
        self.statistic_combo = QComboBox()
        self.statistic_combo.addItems(["mean", "sum", "max"])
        self.statistic_combo.setToolTip("How the pixels of a rectangle or mask region are combined")
        self.absorbance_check = QCheckBox("Optical density")
        self.absorbance_check.setToolTip("Plot -ln(I/I0) instead of I; choose I0 below (1 for flat-field "
                                         "corrected transmission)")
        self.source_combo = QComboBox()
        for text, sources in (("Raw and aligned", (RAW, ALIGNED)), ("Aligned", (ALIGNED,)), ("Raw", (RAW,))):
            self.source_combo.addItem(text, sources)
        self.source_combo.setToolTip("Raw curves are dashed, aligned ones solid")
        export_button = button("Export CSV...", "Save the plotted spectra as columns of a CSV file",
                               self._choose_csv)
        plot_button = button("Save plot...", "Save the plot as PNG or SVG (for a paper or a lesson)",
                             self._choose_plot_file)
        for widget in (self.statistic_combo, self.source_combo):
            widget.currentIndexChanged.connect(lambda _: self.redraw())
        self.absorbance_check.toggled.connect(lambda _: self.redraw())

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._item_changed)
        self.table.cellDoubleClicked.connect(self._cell_double_clicked)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.addLegend(offset=(-10, 10), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 220),
                            pen=pg.mkPen("#bbb"))
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        self.xanes = XanesControls(self, self.plot, self.notify)
        self.xanes.changed.connect(self.redraw)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(boxed(self._table_layout()))
        splitter.addWidget(self.plot)
        splitter.setSizes([420, 680])
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.point_button, self.region_button, mask_button, remove_button, export_button,
                             plot_button))
        layout.addLayout(row("Region:", self.statistic_combo, self.absorbance_check, "Show:", self.source_combo))
        layout.addWidget(self.xanes)
        layout.addWidget(splitter, 1)
        self.context.frame_changed.connect(self._frame_changed)

    def _table_layout(self) -> QVBoxLayout:
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint("Double-click a colour to change it; edit names and positions in place; drag "
                              "markers on the image."))
        return layout

    # -- adding and removing ------------------------------------------------
    def _take_pointer(self, which) -> None:
        """Switch between adding points and rectangles (at most one active); the canvas keeps the pointer
        while either is, so a drag draws a rectangle instead of panning."""
        other = self.region_button if which is self.point_button else self.point_button
        other.setChecked(False)
        if which.isChecked() and self.context.shape is not None:
            self.canvas.take(self.pointer)
        else:
            which.setChecked(False)
            self.canvas.give_back(self.pointer)

    def _pointer_released(self) -> None:
        if self.canvas.user is not self.pointer:  # another tool took the pointer
            self.point_button.setChecked(False)
            self.region_button.setChecked(False)

    def _clicked(self, x: float, y: float, _double: bool) -> None:
        if self.point_button.isChecked():
            self.add_point(int(np.floor(y)), int(np.floor(x)))

    def _dragged(self, x: float, y: float, phase: str) -> None:
        if not self.region_button.isChecked():
            return
        if phase == START:
            self._drag_start = (y, x)
        elif phase == FINISH and self._drag_start is not None:
            (y0, x0), (y1, x1) = self._drag_start, (y, x)
            self._drag_start = None
            rect = (int(np.floor(min(y0, y1))), int(np.ceil(max(y0, y1))), int(np.floor(min(x0, x1))),
                    int(np.ceil(max(x0, x1))))
            self.add_region(rect)

    def _next_name(self, prefix: str) -> tuple:
        """A name not used yet ('point 3') and the next colour of the cycle."""
        names = {probe.name for probe in self.probes}
        number = len(self.probes) + 1
        while f"{prefix} {number}" in names:
            number += 1
        return f"{prefix} {number}", COLOURS[len(self.probes) % len(COLOURS)]

    def add_point(self, row_: int, col: int, name: Optional[str] = None) -> Probe:
        auto, colour = self._next_name("point")
        return self._add(Probe(name or auto, POINT, (row_, row_ + 1, col, col + 1), colour))

    def add_region(self, rect, name: Optional[str] = None) -> Probe:
        auto, colour = self._next_name("rect")
        y0, y1, x0, x1 = (int(v) for v in rect)
        return self._add(Probe(name or auto, REGION, (y0, max(y1, y0 + 1), x0, max(x1, x0 + 1)), colour))

    def add_mask_probe(self, mask=None, name: Optional[str] = None) -> Optional[Probe]:
        """A probe over `mask` (default: the pixels painted on the mask tab, i.e. ignored by registration)."""
        if mask is None:
            if self.roi_model.mask is None:
                self.notify("Paint or threshold a region on the 'ROI and mask' tab first.", "info")
                return None
            mask = ~self.roi_model.mask
        auto, colour = self._next_name("mask")
        rows, cols = np.nonzero(mask)
        rect = (int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)
        return self._add(Probe(name or auto, MASK, rect, colour, mask=np.array(mask, dtype=bool)))

    def _add(self, probe: Probe) -> Probe:
        self.model.edit(f"Add {probe.name}", probes=self.probes + (probe,))
        return probe

    def _replace(self, index: int, probe: Probe, label: str) -> None:
        probes = list(self.probes)
        probes[index] = probe
        self.model.edit(label, probes=tuple(probes))

    def remove_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if rows:
            self.model.edit("Remove " + ", ".join(self.probes[i].name for i in sorted(rows)),
                            probes=tuple(p for i, p in enumerate(self.probes) if i not in rows))

    def _probes_changed(self) -> None:
        """Bring the markers, the table and the plot in line with the document's probes."""
        probes = self.probes
        for index in range(len(probes), len(self.markers)):
            self._drop_marker(self.markers[index])
        del self.markers[len(probes):], self._marked[len(probes):]
        for index, probe in enumerate(probes):
            if index < len(self._marked) and self._marked[index] is probe:
                continue
            marker = self._make_marker(index, probe)
            if index < len(self.markers):
                self._drop_marker(self.markers[index])
                self.markers[index], self._marked[index] = marker, probe
            else:
                self.markers.append(marker)
                self._marked.append(probe)
        self.xanes.refill()
        self._fill_table()
        self.redraw()

    # -- markers on the image -----------------------------------------------
    def _make_marker(self, index: int, probe: Probe):
        y0, y1, x0, x1 = probe.rect
        pen = pg.mkPen(probe.colour, width=2)
        if probe.kind == POINT:
            marker = pg.TargetItem((x0 + 0.5, y0 + 0.5), size=12, pen=pen, movable=True, label=probe.name,
                                   labelOpts={"color": probe.colour, "offset": (6, -6)})
            marker.sigPositionChangeFinished.connect(lambda _, i=index: self._marker_moved(i))
        elif probe.kind == REGION:
            marker = pg.RectROI((x0, y0), (x1 - x0, y1 - y0), pen=pen, snapSize=1.0, translateSnap=True,
                                scaleSnap=True)
            marker.sigRegionChangeFinished.connect(lambda _, i=index: self._marker_moved(i))
        else:
            marker = pg.QtWidgets.QGraphicsRectItem(x0, y0, x1 - x0, y1 - y0)
            marker.setPen(pg.mkPen(probe.colour, width=2, style=Qt.PenStyle.DotLine))
        marker.setZValue(12)
        marker.setVisible(probe.visible)
        self.viewbox.addItem(marker)
        return marker

    def _drop_marker(self, marker) -> None:
        self.viewbox.removeItem(marker)

    def _marker_moved(self, index: int) -> None:
        marker, probe = self.markers[index], self.probes[index]
        if probe.kind == POINT:
            pos = marker.pos()
            row_, col = int(np.floor(pos.y())), int(np.floor(pos.x()))
            rect = (row_, row_ + 1, col, col + 1)
        else:
            x0, y0 = (int(round(v)) for v in marker.pos())
            w, h = (max(1, int(round(v))) for v in marker.size())
            rect = (y0, y0 + h, x0, x0 + w)
        if rect != probe.rect:
            self._replace(index, replace(probe, rect=rect), f"Move {probe.name}")

    # -- table ----------------------------------------------------------------
    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.probes))
        for index, probe in enumerate(self.probes):
            y0, y1, x0, x1 = probe.rect
            show = QTableWidgetItem()
            show.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            show.setCheckState(Qt.CheckState.Checked if probe.visible else Qt.CheckState.Unchecked)
            colour = QTableWidgetItem()
            colour.setBackground(QColor(probe.colour))
            colour.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            cells = [show, QTableWidgetItem(probe.name), colour]
            numbers = (x0, y0) if probe.kind == POINT else (x0, y0, x1 - x0, y1 - y0)
            for value in numbers:
                cells.append(QTableWidgetItem(str(value)))
            while len(cells) < len(_COLUMNS):
                blank = QTableWidgetItem("1" if probe.kind == POINT else "")
                blank.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                cells.append(blank)
            if probe.kind == MASK:
                for cell in cells[3:]:
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            for col, cell in enumerate(cells):
                self.table.setItem(index, col, cell)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        index, col = item.row(), item.column()
        probe = self.probes[index]
        if col == 0:
            visible = item.checkState() == Qt.CheckState.Checked
            self._replace(index, replace(probe, visible=visible), f"{'Show' if visible else 'Hide'} {probe.name}")
        elif col == 1:
            name = item.text().strip() or probe.name
            self._replace(index, replace(probe, name=name), f"Rename {probe.name} to {name}")
        else:
            try:
                x, y, w, h = (int(float(self.table.item(index, c).text())) for c in range(3, 7))
            except ValueError:
                self._fill_table()
                return
            self._replace(index, replace(probe, rect=(y, y + max(1, h), x, x + max(1, w))), f"Move {probe.name}")
        self._fill_table()

    def _cell_double_clicked(self, index: int, col: int) -> None:
        if col != 2:
            return
        colour = QColorDialog.getColor(QColor(self.probes[index].colour), self, "Curve colour")
        if colour.isValid():
            self.set_colour(index, colour.name())

    def set_colour(self, index: int, colour: str) -> None:
        probe = self.probes[index]
        self._replace(index, replace(probe, colour=colour), f"Recolour {probe.name}")

    # -- spectra ------------------------------------------------------------
    @staticmethod
    def probe_mask(probe: Probe, shape: tuple) -> np.ndarray:
        return probe.mask if probe.kind == MASK else rect_mask(shape, probe.rect)

    def spectrum(self, probe: Probe, source: str) -> Optional[np.ndarray]:
        """The curve plotted for `probe` from the raw or aligned stack (optical density when chosen, with
        the I0 of the XANES controls; not normalised)."""
        images = self.context.images(source)
        if images is None:
            return None
        if self.absorbance_check.isChecked():
            od = self.xanes.optical_density(images, self.probe_mask(probe, images.shape[1:]),
                                            self.statistic_combo.currentText())
            if od is not None:
                return od
        values = self._values(probe, images)
        return absorbance(values) if self.absorbance_check.isChecked() else values

    def curves(self) -> list:
        """(probe, source, values) of every plotted curve in table order, normalised when chosen."""
        out, errors = [], []
        x, _ = self.context.axis()
        self.xanes.begin()
        for probe in self.probes:
            if not probe.visible:
                continue
            for source in self.source_combo.currentData():
                try:
                    values = self.spectrum(probe, source)
                    if values is not None:
                        values = self.xanes.normalize(f"{probe.name} ({source})", x, values)
                except TxmAlignError as error:
                    errors.append(f"{probe.name} ({source}): {error}")
                    continue
                if values is not None:
                    out.append((probe, source, values))
        self.xanes.finish(errors)
        return out

    def od_curves(self) -> list:
        """(name, OD, normalised or None) of every plotted curve, for the HDF5 export."""
        if not self.absorbance_check.isChecked():
            return []
        out = []
        for probe, source, _ in self.curves():
            name = f"{probe.name} ({source})"
            result = self.xanes.results.get(name)
            od = self.spectrum(probe, source)
            out.append((name, od, None if result is None else result.normalized))
        return out

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self.redraw()

    def redraw(self) -> None:
        self._stale = False
        plot = self.plot.getPlotItem()
        for item in plot.listDataItems():
            plot.removeItem(item)
        self._curves = {}
        x, label = self.context.axis()
        plot.setLabel("bottom", label)
        if self.xanes.normalize_check.isChecked():
            plot.setLabel("left", "normalised optical density")
        else:
            plot.setLabel("left", "optical density -ln(I/I0)" if self.absorbance_check.isChecked() else
                          f"intensity ({self.statistic_combo.currentText()} over a region)")
        for probe, source, values in self.curves():
            pen = pg.mkPen(probe.colour, width=2, style=_SOURCE_STYLE[source])
            index = next(i for i, p in enumerate(self.probes) if p is probe)
            self._curves[(index, source)] = plot.plot(x, values, pen=pen,
                                                                          name=f"{probe.name} ({source})")
        self._frame_changed(self.context.index)

    def _frames_changed(self, frames: list) -> None:
        """Some frames' transforms were edited: update the aligned curves' values at those frames only (all
        of them once the tab is shown, when it is hidden now, or when the XANES options make each value
        depend on more than its own frame: an I0 spectrum or region, an edge normalisation)."""
        images = self.context.images(ALIGNED)
        if images is None or not self._curves:
            return
        if not self.isVisible():
            self._stale = True
            return
        if self.absorbance_check.isChecked() and not self.xanes.frame_by_frame():
            self.redraw()
            return
        for (index, source), item in self._curves.items():
            if source != ALIGNED or index >= len(self.probes):
                continue
            probe = self.probes[index]
            values = np.array(item.yData, dtype=float)
            part = self._values(probe, images[frames])
            values[frames] = absorbance(part) if self.absorbance_check.isChecked() else part
            item.setData(item.xData, values)

    def _values(self, probe: Probe, images: np.ndarray) -> np.ndarray:
        """The probe's intensity in each of `images`: its pixel, or the chosen statistic over its region."""
        y0, y1, x0, x1 = probe.rect
        if probe.kind == POINT:
            return point_spectrum(images, y0, x0)
        # the region's bounding box only: a keystroke must not scan whole 1024 px masks
        y0, x0 = max(0, y0), max(0, x0)
        box = images[:, y0:y1, x0:x1]
        mask = probe.mask[y0:y1, x0:x1] if probe.kind == MASK else rect_mask(box.shape[1:], (0, y1 - y0, 0, x1 - x0))
        return region_spectrum(box, mask, self.statistic_combo.currentText())

    def _frame_changed(self, index: int) -> None:
        x, _ = self.context.axis()
        if 0 <= index < len(x):
            self.cursor_line.setValue(float(x[index]))

    # -- export -------------------------------------------------------------
    def csv(self) -> str:
        x, label = self.context.axis()
        curves = self.curves()
        header = [label] + [f"{probe.name} ({source})" for probe, source, _ in curves]
        return csv_text(header, [x] + [values for _, _, values in curves])

    def _choose_csv(self) -> None:
        if not self.probes:
            self.notify("Add a point or a rectangle first: there is no spectrum to export.", "info")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export spectra", "spectra.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _choose_plot_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save plot", "spectra.png", PLOT_FILTERS)
        if path:
            self.save_plot(path)

    def save_plot(self, path: str) -> bool:
        try:
            export_plot(self.plot, path)
        except (OSError, RuntimeError) as error:
            self.notify(f"Could not save {os.path.basename(path)}: {error}", "error")
            return False
        return True

    def export_csv(self, path: str) -> bool:
        try:
            save_text(path, self.csv())
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not save {os.path.basename(path)}: {error}", "error")
            return False
        return True
