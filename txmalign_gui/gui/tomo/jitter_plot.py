"""The corrections (dy, dx) against rotation angle, and the table of reconstruct-reproject rounds."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

_COLUMNS = ("Binning", "Round", "RMS (px)", "Max (px)", "Mismatch", "Failed")
_DY_COLOUR, _DX_COLOUR = "#d62728", "#1f77b4"
_TITLE = (f"<span style='color:{_DY_COLOUR}'>dy (rows)</span> and "
          f"<span style='color:{_DX_COLOUR}'>dx (columns)</span> corrections")


class JitterPlot(QWidget):
    """Plot of the per-projection corrections, a summary line and one table row per alignment round."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "rotation angle (°)")
        self.plot.setLabel("left", "correction (px)")
        self.plot.setTitle(_TITLE, size="9pt")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setMinimumHeight(120)
        self.dy_curve = self.plot.plot([], [], pen=pg.mkPen(_DY_COLOUR, width=1.5), symbol="o", symbolSize=4,
                                       symbolPen=None, symbolBrush=_DY_COLOUR)
        self.dx_curve = self.plot.plot([], [], pen=pg.mkPen(_DX_COLOUR, width=1.5), symbol="o", symbolSize=4,
                                       symbolPen=None, symbolBrush=_DX_COLOUR)
        self.summary = QLabel(" ", wordWrap=True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip("One row per reconstruct-reproject-register round: how far the corrections "
                              "moved (RMS and largest change, px), the relative mismatch between the "
                              "projections and their reprojections, and projections that failed to register")
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
        self.plot.enableAutoRange()  # the next series sets its own ranges, not the last one's
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
        self.summary.setText(result_summary(result))

    def curves(self) -> tuple:
        """The plotted (angles, dy) and (angles, dx) data."""
        return self.dy_curve.getData(), self.dx_curve.getData()

    def _draw(self, transforms) -> None:
        order = np.argsort(self._angles, kind="stable")  # interlaced scans are drawn in angle order
        transforms = np.asarray(transforms, dtype=float)[order]
        self.dy_curve.setData(self._angles[order], transforms[:, 0])
        self.dx_curve.setData(self._angles[order], transforms[:, 1])


def result_summary(result) -> str:
    """One line on a finished TomoResult: rounds, convergence, rotation-axis offset and tilt."""
    if getattr(result, "pairwise_fallback", False):
        return (f"Aligned pairwise in {result.seconds:.1f} s (too few projections or too small a range "
                "for tomographic consistency); rotation axis not located.")
    verdict = "converged" if result.converged else "did not converge within the tolerance"
    centred = " (both corrected)" if result.params.get("centre_axis") else " (tilt corrected)"
    return (f"{len(result.iterations)} rounds in {result.seconds:.1f} s, {verdict}. Rotation axis "
            f"{result.centre_offset:+.2f} px from the central column, tilted "
            f"{getattr(result, 'axis_tilt_deg', 0.0):+.3f} deg{centred}.")
