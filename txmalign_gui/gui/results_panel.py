"""Plots and a table of the per-frame transforms and confidences; poor frames stand out in colour.

Clicking a point or a row asks the window to show that frame; the selected rows
can be re-run.  During a run the plots fill in live, frame by frame.
"""

from __future__ import annotations

import html
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..engine.check_params import DISAGREE_PX
from ..engine.methods import available_methods
from ..engine.result import FAILED, LOW_CONFIDENCE, OK
from ..engine.transform import display_rows
from .alignment import Alignment, scale_and_shear

STATUS_COLOURS = {OK: "#2e9d4a", LOW_CONFIDENCE: "#f0a020", FAILED: "#d62728"}
_ROW_COLOURS = {LOW_CONFIDENCE: QColor(255, 236, 200), FAILED: QColor(255, 205, 205)}
_STATUS_TEXT = {OK: "ok", LOW_CONFIDENCE: "low confidence", FAILED: "failed"}
# (header, tooltip); short headers keep every column in view on a 1366 px screen, the tooltip says the rest
_LEADING = (("Frame", "Frame index in the stack"), ("Axis", ""),
            ("dy px", "Shift down (rows, px) that aligns the frame with the anchor"),
            ("dx px", "Shift right (columns, px) that aligns the frame with the anchor"),
            ("Angle °", "Counter-clockwise rotation (degrees) about the image centre"))
_SCALE = ("Scale %", "Magnification change (scale - 1) x 100 applied to the frame about the image centre: "
                     "+1 means the frame was enlarged by 1 % to match the anchor")
_SHEAR = ("Shear %", "What no similarity can do: stretch of one axis against the other, or shear, relative to "
                     "the scale (0 for a pure scale and rotation); the cell's tooltip gives the full matrix")
_TRAILING = (("Cost", "The method's cost at the answer (lower is better)"),
             ("Conf.", "Confidence of the registration, 0 to 1"),
             ("Status", "ok, low confidence or failed"),
             ("Check (px)", f"How far the second opinion lies from the answer (px); '!' beyond {DISAGREE_PX} px"))
_KIND_COLUMNS = {"rigid": (), "similarity": (_SCALE,), "affine": (_SCALE, _SHEAR)}
_AXIS_COLUMN = 1
_MAX_TABLE_PX = 760  # the table claims at most this much of the splitter; the plots stretch into the rest
_PENDING = "#bbbbbb"
_DY_COLOUR, _DX_COLOUR, _SCALE_COLOUR = "#1f77b4", "#ff7f0e", "#9467bd"
_MIN_POOR_BAR = 0.06
_LIVE_REDRAW_MS = 100  # live results are drawn at most this often, however fast frames finish


def _check_text(differences, row: int) -> str:
    """How far the second opinion lies from the frame's answer, with '!' beyond DISAGREE_PX; blank if none."""
    if differences is None or not np.isfinite(differences[row]):
        return ""
    value = float(differences[row])
    return f"{value:.2f}" + (" !" if value > DISAGREE_PX else "")


class ResultsPanel(QWidget):
    """Shows an Alignment (or a run in progress); emits `frame_selected` and `rerun_requested`."""

    frame_selected = pyqtSignal(int)
    rerun_requested = pyqtSignal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._alignment: Optional[Alignment] = None
        self._axis_values = {"index": None, "energy": None, "angle": None}
        self._live: Optional[dict] = None
        self._stale_rows: set = set()
        self._redraw_timer = QTimer(self, singleShot=True, interval=_LIVE_REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._build()
        self.show_alignment(None)

    def _build(self) -> None:
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.axis_combo = QComboBox(sizeAdjustPolicy=QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.axis_combo.setToolTip("What the horizontal axis of the plots shows")
        self.axis_combo.currentIndexChanged.connect(lambda _: self._redraw())
        self.select_poor_button = QPushButton("Select poor frames")
        self.select_poor_button.setToolTip("Select every frame with low confidence or a failed registration")
        self.select_poor_button.clicked.connect(self.select_poor_frames)
        self.rerun_button = QPushButton("Re-run selected frames")
        self.rerun_button.setToolTip("Register only the selected table rows again, onto the anchor frame, "
                                     "with the method and parameters now set on the right")
        self.rerun_button.clicked.connect(lambda: self.rerun_requested.emit(self.selected_frames()))
        self.controls = QWidget()
        controls = QHBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(QLabel("x axis:"))
        controls.addWidget(self.axis_combo)
        controls.addWidget(self.select_poor_button)
        controls.addWidget(self.rerun_button)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.controls)

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.shift_plot = self.plots.addPlot(row=0, col=0)
        self._shift_label(compact=False)
        self.shift_plot.showGrid(x=True, y=True, alpha=0.3)
        self.dy_curve = self.shift_plot.plot(name="dy", pen=pg.mkPen(_DY_COLOUR, width=2), symbol="o",
                                             symbolSize=6, symbolBrush=_DY_COLOUR, symbolPen=None)
        self.dx_curve = self.shift_plot.plot(name="dx", pen=pg.mkPen(_DX_COLOUR, width=2), symbol="s",
                                             symbolSize=6, symbolBrush=_DX_COLOUR, symbolPen=None)
        self.poor_marks = pg.ScatterPlotItem(size=13, pen=pg.mkPen(STATUS_COLOURS[FAILED], width=2),
                                             brush=None, symbol="o")
        self.shift_plot.addItem(self.poor_marks)
        self.angle_plot = self.plots.addPlot(row=1, col=0)
        self.angle_plot.setLabel("left", "angle °")
        self.angle_plot.showGrid(x=True, y=True, alpha=0.3)
        self.angle_curve = self.angle_plot.plot(pen=pg.mkPen("#2ca02c", width=2), symbol="t", symbolSize=6,
                                                symbolBrush="#2ca02c", symbolPen=None)
        self.angle_plot.setXLink(self.shift_plot)
        self.scale_plot = self.plots.addPlot(row=2, col=0)
        self.scale_plot.setLabel("left", "scale %")
        self.scale_plot.showGrid(x=True, y=True, alpha=0.3)
        self.scale_curve = self.scale_plot.plot(pen=pg.mkPen(_SCALE_COLOUR, width=2), symbol="d", symbolSize=6,
                                                symbolBrush=_SCALE_COLOUR, symbolPen=None)
        self.scale_plot.setXLink(self.shift_plot)
        self.confidence_plot = self.plots.addPlot(row=3, col=0)
        self.confidence_plot.setLabel("left", "conf.")
        self.confidence_plot.setYRange(0, 1.05)
        self.confidence_plot.setXLink(self.shift_plot)
        self.confidence_bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.confidence_plot.addItem(self.confidence_bars)
        self.angle_plot.setMaximumHeight(75)
        self.scale_plot.setMaximumHeight(75)
        self.confidence_plot.setMaximumHeight(85)
        for plot in (self.shift_plot, self.angle_plot, self.scale_plot):  # x-linked: the bottom one numbers x
            plot.getAxis("bottom").setStyle(showValues=False)
        self.cursor_lines = []
        for plot in self._plots():
            plot.setMenuEnabled(False)
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
            plot.addItem(line, ignoreBounds=True)
            self.cursor_lines.append(line)
        self.plots.scene().sigMouseClicked.connect(self._plot_clicked)

        self.table = QTableWidget(0, 0)
        self._columns: tuple = ()
        self._set_columns("rigid")
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(30)
        self.table.horizontalHeader().setDefaultSectionSize(40)  # the stretched last column may be this narrow
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.cellClicked.connect(lambda row, _: self.frame_selected.emit(row))
        self.table.itemSelectionChanged.connect(self._update_buttons)

        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setVisible(False)  # shown once a stack gives the plots an axis
        self.controls.setVisible(False)
        splitter.addWidget(self.plots)
        splitter.addWidget(self.table)
        splitter.setSizes([600, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addStretch(0)  # keeps the summary at the top while there is nothing to plot

    # -- public API ---------------------------------------------------------
    @property
    def alignment(self) -> Optional[Alignment]:
        return self._alignment

    def set_axes(self, count: int, energies=None, angles=None) -> None:
        """The values a frame index can be plotted against (energies in eV, angles in degrees)."""
        self._axis_values = {"index": np.arange(count, dtype=float), "energy": energies, "angle": angles}
        self.splitter.setVisible(True)
        self.controls.setVisible(True)
        self._set_columns(self._alignment.kind if self._alignment is not None else "rigid")
        self.axis_combo.blockSignals(True)
        self.axis_combo.clear()
        self.axis_combo.addItem("Frame index", "index")
        if energies is not None:
            self.axis_combo.addItem("Energy (eV)", "energy")
        if angles is not None:
            self.axis_combo.addItem("Angle (°)", "angle")
        self.axis_combo.setCurrentIndex(self.axis_combo.count() - 1 if energies is not None else 0)
        self.axis_combo.blockSignals(False)
        self._redraw()

    def show_alignment(self, alignment: Optional[Alignment]) -> None:
        self._redraw_timer.stop()
        self._stale_rows = set()
        self._alignment = alignment
        self._live = None
        self._set_columns(alignment.kind if alignment is not None else "rigid")
        self._fill_table()
        self._redraw()
        self._update_buttons()

    def update_rows(self, alignment: Alignment, frames) -> None:
        """`alignment` differs from the one shown only in `frames` (a correction): refresh just those rows."""
        if self._alignment is None or len(self._alignment) != len(alignment) or self._live is not None:
            self.show_alignment(alignment)
            return
        self._alignment = alignment
        self._stale_rows |= {int(row) for row in frames}
        if self.isVisible():  # otherwise when the tab is shown again
            self._refresh_stale_rows()

    def _refresh_stale_rows(self) -> None:
        rows, self._stale_rows = self._stale_rows, set()
        if rows and self._alignment is not None:
            for row in sorted(rows):
                self._fill_row(row)
            self._redraw()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self._refresh_stale_rows()

    def start_live(self, count: int, frames=None) -> None:
        """Begin a run: the frames being (re)computed are cleared and fill in as results arrive."""
        base = self._alignment if frames is not None and self._alignment is not None else None
        transforms = _plot_rows(base.transforms) if base is not None else np.full((count, 4), np.nan)
        confidences = base.confidences.copy() if base is not None else np.full(count, np.nan)
        statuses = list(base.statuses) if base is not None else [""] * count
        for frame in (frames if frames is not None else range(count)):
            transforms[frame] = np.nan
            confidences[frame] = np.nan
            statuses[frame] = ""
        self._live = {"transforms": transforms, "confidences": confidences, "statuses": statuses}
        self.summary.setText("Aligning...")
        self._redraw()
        self._update_buttons()

    def add_live(self, index: int, result) -> None:
        """Show one frame's RegistrationResult as soon as the engine reports it."""
        if self._live is None or not 0 <= index < len(self._live["statuses"]):
            return
        t = result.transform
        scale = (t.scale - 1.0) * 100.0 if t.kind != "rigid" else np.nan
        self._live["transforms"][index] = (t.dy, t.dx, t.angle_deg, scale)
        self._live["confidences"][index] = result.confidence
        self._live["statuses"][index] = result.status
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def stop_live(self) -> None:
        """End a run that produced nothing (cancelled or failed): show the previous alignment again."""
        self.show_alignment(self._alignment)

    def set_current(self, index: int) -> None:
        x = self._x()
        if x is not None and 0 <= index < len(x):
            for line in self.cursor_lines:
                line.setValue(float(x[index]))
        if 0 <= index < self.table.rowCount():
            self.table.scrollToItem(self.table.item(index, 0))

    def selected_frames(self) -> list:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def select_frames(self, frames) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for frame in frames:
            self.table.selectRow(frame)
        self.table.setSelectionMode(mode)

    def select_poor_frames(self) -> None:
        if self._alignment is not None:
            self.select_frames(self._alignment.poor_frames())

    # -- drawing ------------------------------------------------------------
    def _x(self) -> Optional[np.ndarray]:
        values = self._axis_values.get(self.axis_combo.currentData() or "index")
        return None if values is None else np.asarray(values, dtype=float)

    def _data(self):
        if self._live is not None:
            return self._live["transforms"], self._live["confidences"], self._live["statuses"]
        if self._alignment is not None:
            a = self._alignment
            return _plot_rows(a.transforms), a.confidences, list(a.statuses)
        return None

    def _redraw(self) -> None:
        data, x = self._data(), self._x()
        self.confidence_plot.setLabel("bottom", self.axis_combo.currentText() or "Frame index")
        if data is None or x is None or len(x) != len(data[0]):
            for curve in (self.dy_curve, self.dx_curve, self.angle_curve, self.scale_curve):
                curve.setData([], [])
            self.confidence_bars.setOpts(x=[], height=[])
            self.poor_marks.setData([], [])
            self.angle_plot.setVisible(False)
            self.scale_plot.setVisible(False)
            if x is not None and len(x):
                self.shift_plot.setXRange(float(np.nanmin(x)), float(np.nanmax(x)))
            return
        transforms, confidences, statuses = data
        done = np.isfinite(transforms[:, 0])
        self.dy_curve.setData(x[done], transforms[done, 0])
        self.dx_curve.setData(x[done], transforms[done, 1])
        poor = np.array([s in (LOW_CONFIDENCE, FAILED) for s in statuses], dtype=bool)
        self.poor_marks.setData(np.concatenate([x[poor], x[poor]]),
                                np.concatenate([transforms[poor, 0], transforms[poor, 1]]))
        has_angle = bool(np.any(transforms[done, 2] != 0))
        self.angle_plot.setVisible(has_angle)
        self.angle_curve.setData(x[done], transforms[done, 2])
        scaled = done & np.isfinite(transforms[:, 3])
        self.scale_plot.setVisible(bool(np.any(scaled)))
        self._shift_label(compact=bool(np.any(scaled)))
        self.scale_curve.setData(x[scaled], transforms[scaled, 3])
        steps = np.diff(np.sort(x))
        width = 0.8 * float(steps[steps > 0].min()) if np.any(steps > 0) else 0.8
        brushes = [STATUS_COLOURS.get(s, _PENDING) for s in statuses]
        heights = np.nan_to_num(confidences)
        heights[poor] = np.maximum(heights[poor], _MIN_POOR_BAR)  # keep a failed frame's red bar visible
        self.confidence_bars.setOpts(x=x, height=heights, width=width, brushes=brushes,
                                     pens=[pg.mkPen(None)] * len(x))

    def _fill_table(self) -> None:
        alignment = self._alignment
        self.table.setRowCount(0 if alignment is None else len(alignment))
        if alignment is None:
            self.summary.setText("No alignment yet: choose a method on the right and press Align stack."
                                 if self.splitter.isVisible() else "Results appear here once a stack is "
                                 "aligned.")
            return
        for row in range(len(alignment)):
            self._fill_row(row)
        self._fit_columns()
        poor = alignment.poor_frames()
        label = {spec.name: spec.label for spec in available_methods()}.get(alignment.method, alignment.method)
        text = (f"{len(alignment)} frames aligned onto frame {alignment.anchor} with {label} "
                f"in {alignment.seconds:.1f} s.  ")
        text += (f"<span style='color:{STATUS_COLOURS[FAILED]}'><b>{len(poor)} poor frame(s)</b></span> "
                 "(coloured rows): check them, or select them and re-run." if poor
                 else "All frames registered with good confidence.")
        if alignment.messages:
            text += "<br><i>" + html.escape("; ".join(alignment.messages[:3])) + (
                " ..." if len(alignment.messages) > 3 else "") + "</i>"
        self.summary.setText(text)
        self.summary.setToolTip("\n".join(alignment.messages))

    def _fill_row(self, row: int) -> None:
        alignment = self._alignment
        axis = self._axis_values.get("energy")
        axis = axis if axis is not None else self._axis_values.get("angle")
        table = alignment.transforms[row:row + 1]
        dy, dx, angle = display_rows(table)[0]
        scale, shear = (float(v[0]) for v in scale_and_shear(table))
        extra = (f"{scale:+.3f}", f"{shear:.3f}")[:len(_KIND_COLUMNS[alignment.kind])]
        status = alignment.statuses[row]
        cells = (str(row), "" if axis is None else f"{axis[row]:.2f}", f"{dy:+.3f}", f"{dx:+.3f}",
                 f"{angle:+.3f}", *extra, f"{alignment.costs[row]:.4g}", f"{alignment.confidences[row]:.2f}",
                 _STATUS_TEXT.get(status, status), _check_text(alignment.check_differences, row))
        status_column = len(cells) - 2
        matrix = _matrix_tip(alignment.transforms[row])
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col != status_column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if matrix and 4 < col < status_column - 2:
                item.setToolTip(matrix)
            if status in _ROW_COLOURS:
                item.setBackground(_ROW_COLOURS[status])
            self.table.setItem(row, col, item)

    def _set_columns(self, kind: str) -> None:
        """Headers for a table of `kind`: rigid results keep today's columns, the others add scale (and shear)."""
        energies, angles = self._axis_values.get("energy"), self._axis_values.get("angle")
        axis = ("eV", "Energy (eV) of the frame") if energies is not None else ("Angle °", "Projection angle")
        columns = (_LEADING[0], axis, *_LEADING[2:], *_KIND_COLUMNS[kind], *_TRAILING)
        if columns != self._columns:
            self._columns = columns
            self.table.setColumnCount(len(columns))
            for col, (header, tip) in enumerate(columns):
                item = QTableWidgetItem(header)
                item.setToolTip(tip)
                self.table.setHorizontalHeaderItem(col, item)
        self.table.setColumnHidden(_AXIS_COLUMN, energies is None and angles is None)

    def _fit_columns(self) -> None:
        """Size the columns to their contents and keep the table at least that wide (up to _MAX_TABLE_PX), so
        the splitter takes the room from the stretchy plots: no horizontal scrolling on a 1366 px screen."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        needed = sum(self.table.columnWidth(c) for c in range(header.count()) if not header.isSectionHidden(c))
        needed += self.table.verticalScrollBar().sizeHint().width() + 2 * self.table.frameWidth()
        self.table.setMinimumWidth(min(needed, _MAX_TABLE_PX))

    def _shift_label(self, compact: bool) -> None:
        """'dy, dx (px)'; with the scale plot too the shift plot is short, and the unit goes to keep it in."""
        self.shift_plot.setLabel("left", f"<span style='color:{_DY_COLOUR}'>dy</span>, "
                                         f"<span style='color:{_DX_COLOUR}'>dx</span>" + ("" if compact else " (px)"))

    def _plots(self) -> tuple:
        return self.shift_plot, self.angle_plot, self.scale_plot, self.confidence_plot

    def _update_buttons(self) -> None:
        idle = self._live is None and self._alignment is not None
        self.rerun_button.setEnabled(idle and bool(self.selected_frames()))
        self.select_poor_button.setEnabled(idle and bool(self._alignment.poor_frames()))

    def _plot_clicked(self, event) -> None:
        x = self._x()
        if x is None or not len(x):
            return
        for plot in self._plots():
            if plot.isVisible() and plot.vb.sceneBoundingRect().contains(event.scenePos()):
                value = plot.vb.mapSceneToView(event.scenePos()).x()
                self.frame_selected.emit(int(np.nanargmin(np.abs(x - value))))
                return


def _plot_rows(table) -> np.ndarray:
    """(N, 4) [dy, dx, angle_deg, scale %] of any stack table; scale % is NaN for rigid rows."""
    return np.column_stack([display_rows(table), scale_and_shear(table)[0]])


def _matrix_tip(row) -> str:
    """The full 2 x 2 matrix of an affine row (a tooltip), '' for the other kinds."""
    if len(row) != 6:
        return ""
    a11, a12, a21, a22 = row[2:]
    return f"A = [[{a11:.5f}, {a12:+.5f}], [{a21:+.5f}, {a22:.5f}]] on (row, col) offsets from the centre"
