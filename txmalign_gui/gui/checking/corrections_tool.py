"""The 'Corrections' tab: the drift curves with clickable points to exclude a frame's result, repair of
excluded frames from their neighbours or from a smooth fit, and a crop to the area every frame covers."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QFileDialog, QLabel, QVBoxLayout, QWidget

from ...engine.checks import common_box, interpolate_excluded, smooth_fit
from ...engine.errors import TxmAlignError
from ...engine.result import OK
from ...engine.transform import display_rows
from ..alignment import scale_and_shear
from ..document import EXCLUDED
from .context import CheckContext
from .crop_export import save_cropped
from .transform_edits import TransformEdits, undo_redo_buttons
from .widgets import button, hint, row, spin

_COLOURS = {"dy": "#1f77b4", "dx": "#ff7f0e", "angle": "#2ca02c", "scale": "#9467bd"}
_UNITS = {"dy": "px", "dx": "px", "angle": "°", "scale": "%"}
_OPTIONAL = ("angle", "scale")  # drawn (and in the legend) only when some frame has one
_EXCLUDED = "#9a9a9a"


class CorrectionsTool(QWidget):
    """Edits the document's set of excluded frames; every repair goes through `edits` (undoable)."""

    def __init__(self, context: CheckContext, edits: TransformEdits, roi_model, notify, parent=None):
        super().__init__(parent)
        self.context, self.edits, self.roi_model, self.notify = context, edits, roi_model, notify
        self.box: Optional[tuple] = None
        self._alignment = None
        self.box_item = pg.QtWidgets.QGraphicsRectItem()
        self.box_item.setPen(pg.mkPen("#00e000", width=2, style=Qt.PenStyle.DashLine))
        self.box_item.setZValue(9)
        self.box_item.setVisible(False)
        context.window.view.viewbox.addItem(self.box_item)
        self._build()
        context.data_changed.connect(self._data_changed)
        self._stale = False
        context.frames_changed.connect(self._frames_changed)
        context.model.changed.connect(lambda fields, _: EXCLUDED in fields and self._draw())
        context.frame_changed.connect(lambda _: self._draw_cursor())
        self._data_changed()

    def _build(self) -> None:
        self.degree_spin = spin(1, 9, 3, "Degree of the polynomial fitted to the kept frames' drift")
        self.scope_combo = QComboBox()
        self.scope_combo.addItem("excluded frames", "excluded")
        self.scope_combo.addItem("all frames", "all")
        self.scope_combo.setToolTip("Which frames take the value of the smooth curve")
        self.box_label = QLabel()
        self.undo_button, self.redo_button = undo_redo_buttons(self.context.model, self)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", "shift (px)")
        self.plot.addLegend(offset=(-10, 10), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 220),
                            pen=pg.mkPen("#bbb"))
        self.plot.setMenuEnabled(False)
        self.scatter = {key: pg.ScatterPlotItem(size=8, pen=None, brush=colour, name=f"{key} ({_UNITS[key]})")
                        for key, colour in _COLOURS.items()}
        self.curves = {key: pg.PlotCurveItem(pen=pg.mkPen(colour, width=1.5)) for key, colour in _COLOURS.items()}
        # the scale (a fraction of a percent) gets its own right-hand axis: on the shift axis it would be flat
        item = self.plot.getPlotItem()
        self.scale_view = pg.ViewBox(enableMenu=False)
        self.scale_view.setMouseEnabled(False, False)
        self.scale_view.setZValue(-10)  # under the shift view, which keeps the mouse (zoom, clicks)
        item.scene().addItem(self.scale_view)
        item.getAxis("right").linkToView(self.scale_view)
        item.getAxis("right").setLabel("scale (%)", color=_COLOURS["scale"])
        self.scale_view.setXLink(item)
        item.vb.sigResized.connect(lambda: self.scale_view.setGeometry(item.vb.sceneBoundingRect()))
        for key in _COLOURS:
            view = self.scale_view if key == "scale" else self.plot
            view.addItem(self.curves[key])
            view.addItem(self.scatter[key])
        self.excluded_marks = pg.ScatterPlotItem(size=14, symbol="x", pen=pg.mkPen(_EXCLUDED, width=2),
                                                 brush=_EXCLUDED, name="excluded")
        self.plot.addItem(self.excluded_marks)
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        self.plot.scene().sigMouseClicked.connect(self._plot_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(row(button("Exclude poor frames", "Exclude every frame registered with low "
                                    "confidence or failed", self.exclude_poor),
                             button("Clear exclusions", "Trust every frame again", self.clear_exclusions),
                             button("Interpolate excluded", "Replace each excluded frame's transform by linear "
                                    "interpolation between the nearest kept frames", self.interpolate),
                             button("Smooth fit", "Fit a polynomial to the kept frames' drift and use it for "
                                    "the chosen frames", self.fit), "degree", self.degree_spin, "for",
                             self.scope_combo, self.undo_button, self.redo_button))
        layout.addLayout(row(button("Find common area", "The rectangle in which every aligned frame holds data "
                                    "(shown dashed green on the image)", self.find_box),
                             button("Save cropped stack...", "Write the aligned stack cropped to that area",
                                    self._choose_crop_path), self.box_label))
        layout.addWidget(hint("Click a point of the plot to exclude (or keep again) that frame's result; "
                              "the frame is also shown above."))
        layout.addWidget(self.plot, 1)

    # -- exclusions -----------------------------------------------------------
    @property
    def excluded(self) -> frozenset:
        return self.context.model.excluded

    def _set_excluded(self, frames, label: str) -> None:
        self.context.model.edit(label, excluded=frozenset(int(f) for f in frames))

    def toggle(self, frame: int) -> None:
        verb = "Keep" if frame in self.excluded else "Exclude"
        self._set_excluded(self.excluded ^ {int(frame)}, f"{verb} frame {frame}")

    def exclude_poor(self) -> None:
        alignment = self.context.alignment
        if alignment is not None:
            self._set_excluded(self.excluded | {i for i, status in enumerate(alignment.statuses) if status != OK},
                               "Exclude the poor frames")

    def clear_exclusions(self) -> None:
        self._set_excluded((), "Clear the exclusions")

    def _plot_clicked(self, event) -> None:
        alignment = self.context.alignment
        vb = self.plot.getPlotItem().vb
        if alignment is None or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        x, _ = self.context.axis()
        point = vb.mapSceneToView(event.scenePos())
        # nearest frame in screen distance, over the dy and dx points
        scale = vb.viewPixelSize()
        transforms = alignment.transforms
        distance = np.minimum(np.hypot((x - point.x()) / scale[0], (transforms[:, 0] - point.y()) / scale[1]),
                              np.hypot((x - point.x()) / scale[0], (transforms[:, 1] - point.y()) / scale[1]))
        frame = int(np.argmin(distance))
        if distance[frame] <= 15:
            self.toggle(frame)
            self.context.window.view.set_index(frame)

    # -- repairs --------------------------------------------------------------
    def _repair(self, compute, text: str) -> None:
        if self.context.alignment is None:
            return
        try:
            table = compute(self.edits.transforms())
        except TxmAlignError as error:
            self.notify(f"Cannot {text.lower()}: {error}.", "error")
            return
        self.edits.set_table(table, text)

    def interpolate(self) -> None:
        if not self.excluded:
            self.notify("Exclude some frames first (click their points in the plot).", "info")
            return
        x, _ = self.context.axis()
        self._repair(lambda t: interpolate_excluded(t, sorted(self.excluded), x=x),
                     f"Interpolate {len(self.excluded)} excluded frame(s)")

    def fit(self) -> None:
        x, _ = self.context.axis()
        everything = self.scope_combo.currentData() == "all"
        replace = range(self.context.count) if everything else sorted(self.excluded)
        if not everything and not self.excluded:
            self.notify("Exclude some frames first, or fit all frames.", "info")
            return
        degree = self.degree_spin.value()
        self._repair(lambda t: smooth_fit(t, sorted(self.excluded), degree, x=x, replace=replace),
                     f"Smooth fit (degree {degree}) of {len(replace)} frame(s)")

    # -- crop -----------------------------------------------------------------
    def find_box(self) -> Optional[tuple]:
        if self.context.alignment is None:
            self.notify("Align the stack first: the common area depends on the transforms.", "info")
            return None
        try:
            self.box = common_box(self.context.shape, self.context.alignment.transforms)
        except TxmAlignError as error:
            self.notify(f"No common area: {error}.", "error")
            self.box = None
        self._show_box()
        return self.box

    def _show_box(self) -> None:
        self.box_item.setVisible(self.box is not None)
        if self.box is None:
            self.box_label.setText("")
            return
        y0, y1, x0, x1 = self.box
        self.box_item.setRect(x0, y0, x1 - x0, y1 - y0)
        height, width = self.context.shape
        self.box_label.setText(f"Common area: x {x0}-{x1}, y {y0}-{y1}  ({x1 - x0} x {y1 - y0} of "
                               f"{width} x {height} px)")

    def _choose_crop_path(self) -> None:
        if self.find_box() is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the cropped aligned stack", "aligned_cropped.h5",
                                              "Aligned HDF5 (*.h5);;Multi-page TIFF (*.tif)")
        if path:
            self.save_cropped(path)

    def save_cropped(self, path: str) -> bool:
        window = self.context.window
        try:
            save_cropped(path, window.stack, window.alignment, window.aligned, self.box, self.roi_model.roi,
                         self.roi_model.mask)
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not save {os.path.basename(path)}: {error}", "error")
            return False
        window.statusBar().showMessage(f"Saved {path}", 10000)
        return True

    # -- display --------------------------------------------------------------
    def _frames_changed(self, _frames) -> None:
        if self.isVisible():
            self._data_changed()
        else:  # redrawn when the tab is shown
            self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._data_changed()

    def _data_changed(self) -> None:
        alignment = self.context.alignment
        if alignment is None or self._alignment is None or len(alignment) != len(self._alignment):
            self.box = None
            self._show_box()
        elif self.box is not None:
            self.find_box()
        self._alignment = alignment
        self.setEnabled(alignment is not None)
        self._draw()

    def _draw(self) -> None:
        alignment = self.context.alignment
        x, label = self.context.axis()
        self.plot.setLabel("bottom", label)
        if alignment is None:
            for item in (*self.scatter.values(), *self.curves.values(), self.excluded_marks):
                item.setData([], [])
            return
        transforms = display_rows(alignment.transforms)
        scale = scale_and_shear(alignment.transforms)[0]
        columns = {"dy": transforms[:, 0], "dx": transforms[:, 1], "angle": transforms[:, 2], "scale": scale}
        has = {"angle": bool(np.any(transforms[:, 2] != 0)), "scale": alignment.kind != "rigid"}
        self.plot.getPlotItem().showAxis("right", has["scale"])
        legend = self.plot.getPlotItem().legend
        for key in _OPTIONAL:
            legend.removeItem(self.scatter[key])
            if has[key]:
                legend.addItem(self.scatter[key], self.scatter[key].name())
        for key, values in columns.items():
            shown = has.get(key, True)
            self.scatter[key].setData(x if shown else [], values if shown else [])
            self.curves[key].setData(x if shown else [], values if shown else [])
        if has["scale"]:
            self.scale_view.enableAutoRange(y=True)
        frames = sorted(f for f in self.excluded if f < len(x))
        self.excluded_marks.setData(np.concatenate([x[frames], x[frames]]),
                                    np.concatenate([transforms[frames, 0], transforms[frames, 1]]))
        self._draw_cursor()

    def _draw_cursor(self) -> None:
        x, _ = self.context.axis()
        index = self.context.index
        if 0 <= index < len(x):
            self.cursor_line.setValue(float(x[index]))
