"""The corrections (dy, dx) against rotation angle, and the table of reconstruct-reproject rounds."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, \
    QVBoxLayout, QWidget

_COLUMNS = ("Binning", "Round", "RMS change (px)", "Max change (px)", "Mismatch", "Failed")
_DY_PEN, _DX_PEN = pg.mkPen("#d62728", width=1.5), pg.mkPen("#1f77b4", width=1.5)


class JitterPlot(QWidget):
    """Plot of the per-projection corrections, a summary line and one table row per alignment round."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "rotation angle (°)")
        self.plot.setLabel("left", "correction (px)")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.addLegend(offset=(5, 5))
        self.plot.setMinimumHeight(120)
        self.dy_curve = self.plot.plot([], [], pen=_DY_PEN, symbol="o", symbolSize=4, symbolPen=None,
                                       symbolBrush=_DY_PEN.color(), name="dy (rows)")
        self.dx_curve = self.plot.plot([], [], pen=_DX_PEN, symbol="o", symbolSize=4, symbolPen=None,
                                       symbolBrush=_DX_PEN.color(), name="dx (columns)")
        self.summary = QLabel(" ", wordWrap=True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip("One row per reconstruct-reproject-register round: how far the corrections "
                              "moved and how well the projections match their reprojections")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 2)
        self.clear()

    def clear(self) -> None:
        self._angles = None
        self.dy_curve.setData([], [])
        self.dx_curve.setData([], [])
        self.table.setRowCount(0)
        self.summary.setText("The corrections appear here while the alignment runs.")

    def start(self, angles) -> None:
        """Forget the previous run; the next curves are drawn against `angles` (degrees)."""
        self.clear()
        self._angles = np.asarray(angles, dtype=float)
        self.summary.setText("Coarse alignment...")

    def add_round(self, iteration, transforms) -> None:
        """Append one round (a TomoIteration) to the table and draw its current corrections."""
        self._draw(transforms)
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = (str(iteration.binning), str(iteration.round + 1), f"{iteration.rms_change_px:.3f}",
                  f"{iteration.max_change_px:.3f}", f"{iteration.mismatch:.4f}", str(iteration.failed))
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        self.table.scrollToBottom()
        self.summary.setText(f"Round {row + 1} (binning {iteration.binning}): corrections moved by "
                             f"{iteration.rms_change_px:.3f} px RMS")

    def show_result(self, result) -> None:
        """Show a finished TomoResult: final corrections, every round and a one-line verdict."""
        self.clear()
        self._angles = np.asarray(result.angles_deg, dtype=float)
        for iteration in result.iterations:
            self.add_round(iteration, result.transforms)
        self._draw(result.transforms)
        verdict = "converged" if result.converged else "did not converge within the tolerance"
        self.summary.setText(f"{len(result.iterations)} rounds in {result.seconds:.1f} s, {verdict}. "
                             f"Rotation axis {result.centre_offset:+.2f} px from the central column"
                             + (" (centred by the corrections)." if result.params.get("centre_axis") else "."))

    def curves(self) -> tuple:
        """The plotted (angles, dy) and (angles, dx) data."""
        return self.dy_curve.getData(), self.dx_curve.getData()

    def _draw(self, transforms) -> None:
        order = np.argsort(self._angles, kind="stable")  # interlaced scans are drawn in angle order
        transforms = np.asarray(transforms, dtype=float)[order]
        self.dy_curve.setData(self._angles[order], transforms[:, 0])
        self.dx_curve.setData(self._angles[order], transforms[:, 1])
