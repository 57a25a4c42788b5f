"""The settings side of the correlative window: the images' sources, the landmark table with per-point
residuals, the fitted transform, the refinement settings (generated from CORRELATE_PARAMS) and the buttons.
It shows the model's state and reports clicks as signals; the window does the work."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.correlative import CORRELATE_PARAMS
from ..param_form import ParamForm

_STATUS_COLOURS = {"ok": "#1b7f1b", "low_confidence": "#b36b00", "failed": "#c62828"}
_HEADERS = ("#", "X-ray (row, col)", "EM (row, col)", "Residual (px)")


def _point_text(point) -> str:
    return "click it" if point is None else f"{point[0]:.1f}, {point[1]:.1f}"


def describe_map(point_map) -> str:
    """Scale, angle and the 2 x 3 matrix in a few lines."""
    m = point_map.matrix
    text = (f"scale {point_map.scale:.5f} X-ray px per EM px, angle {point_map.angle_deg:+.3f}°\n"
            f"[{m[0, 0]:+.5f} {m[0, 1]:+.5f} {m[0, 2]:+.2f}]\n[{m[1, 0]:+.5f} {m[1, 1]:+.5f} {m[1, 2]:+.2f}]")
    if point_map.anisotropy > 1e-6:
        text += f"\nanisotropy {100 * point_map.anisotropy:.2f} %"
    return text


class CorrelativePanel(QWidget):
    open_xray_clicked = pyqtSignal()
    use_frame_clicked = pyqtSignal()
    open_em_clicked = pyqtSignal()
    delete_clicked = pyqtSignal(int)
    clear_clicked = pyqtSignal()
    save_landmarks_clicked = pyqtSignal()
    load_landmarks_clicked = pyqtSignal()
    refine_clicked = pyqtSignal()
    cancel_clicked = pyqtSignal()
    export_clicked = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)

        images = QGroupBox("Images")
        box = QVBoxLayout(images)
        self.xray_label = QLabel("X-ray: none", wordWrap=True)
        self.em_label = QLabel("EM: none", wordWrap=True)
        self.use_frame_button = QPushButton()
        self.use_frame_button.setToolTip("Take the X-ray image from the stack open in the main window")
        self.open_xray_button = QPushButton()
        self.open_xray_button.setToolTip("Open the X-ray image from a file (a stack as file[index])")
        self.open_em_button = QPushButton()
        self.open_em_button.setToolTip("Open the electron-microscopy image: any format txmalign reads; large "
                                       "8-bit SEM/TEM TIFFs are fine")
        self.open_em_button.setText("Open EM...")
        self.open_xray_button.setText("Open X-ray...")
        self.use_frame_button.setText("Frame on screen")
        row = QHBoxLayout()
        row.addWidget(self.use_frame_button)
        row.addWidget(self.open_xray_button)
        row.addWidget(self.open_em_button)
        box.addWidget(self.xray_label)
        box.addWidget(self.em_label)
        box.addLayout(row)
        layout.addWidget(images)

        marks = QGroupBox("Landmarks")
        box = QVBoxLayout(marks)
        self.hint = QLabel("Click a feature on the X-ray image, then the same one on the EM image (3 pairs or "
                           "more). Drag a marker to move it; right-click it to delete its pair.", wordWrap=True)
        self.hint.setStyleSheet("color: #555;")
        self.table = QTableWidget(0, len(_HEADERS))
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(110)
        self.delete_button = QPushButton("Delete pair")
        self.clear_button = QPushButton("Clear")
        self.save_landmarks_button = QPushButton("Save...")
        self.load_landmarks_button = QPushButton("Load...")
        for button, tip in ((self.save_landmarks_button, "Write the pairs as CSV (xray_row, xray_col, em_row, "
                             "em_col), the file `txmalign correlate --landmarks` reads"),
                            (self.load_landmarks_button, "Read pairs from such a CSV file")):
            button.setToolTip(tip)
        row = QHBoxLayout()
        for button in (self.delete_button, self.clear_button, self.save_landmarks_button, self.load_landmarks_button):
            row.addWidget(button)
        self.fit_label = QLabel(wordWrap=True)
        self.fit_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.hint)
        box.addWidget(self.table, 1)
        box.addLayout(row)
        box.addWidget(self.fit_label)
        layout.addWidget(marks, 1)

        refine = QGroupBox("Automatic refinement (mutual information)")
        box = QVBoxLayout(refine)
        self.form = ParamForm(CORRELATE_PARAMS)
        self.refine_button = QPushButton("Refine automatically")
        self.refine_button.setToolTip("Search and refine the transform by mutual information on an image pyramid, "
                                      "starting from the landmarks when there are 3 or more")
        self.cancel_button = QPushButton("Cancel", enabled=False)
        self.progress_label = QLabel(wordWrap=True)
        self.result_label = QLabel(wordWrap=True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export EM in the X-ray frame...")
        self.export_button.setToolTip("HDF5 with the resampled EM image, the transform, the landmarks and provenance")
        row = QHBoxLayout()
        row.addWidget(self.refine_button, 1)
        row.addWidget(self.cancel_button)
        box.addWidget(self.form)
        box.addLayout(row)
        box.addWidget(self.progress_label)
        box.addWidget(self.result_label)
        box.addWidget(self.export_button)
        layout.addWidget(refine)

        self.open_xray_button.clicked.connect(self.open_xray_clicked)
        self.use_frame_button.clicked.connect(self.use_frame_clicked)
        self.open_em_button.clicked.connect(self.open_em_clicked)
        self.delete_button.clicked.connect(
            lambda: self.selected() is not None and self.delete_clicked.emit(self.selected()))
        self.clear_button.clicked.connect(self.clear_clicked)
        self.save_landmarks_button.clicked.connect(self.save_landmarks_clicked)
        self.load_landmarks_button.clicked.connect(self.load_landmarks_clicked)
        self.refine_button.clicked.connect(self.refine_clicked)
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.export_button.clicked.connect(self.export_clicked)

    def selected(self) -> Optional[int]:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def show_state(self, model, running: bool) -> None:
        """Everything the panel shows, from the CorrelativeModel."""
        size = f"  ({model.xray.shape[1]} x {model.xray.shape[0]} px)" if model.xray is not None else ""
        self.xray_label.setText(f"X-ray: {model.describe_xray() or 'none'}{size}")
        self.em_label.setText(f"EM: {os.path.basename(model.em_source) or 'none'}"
                              + (f"  ({model.em.shape[1]} x {model.em.shape[0]} px, {model.em.dtype})"
                                 if model.em is not None else ""))
        self._fill_table(model)
        if model.fit is not None:
            self.fit_label.setText(f"Landmark fit ({model.fit.model}, rms {model.fit.rms:.2f} px):\n"
                                   + describe_map(model.fit.point_map))
        else:
            self.fit_label.setText(model.fit_error or "At least 3 complete pairs are needed for a fit.")
        output = model.output
        if output is None:
            self.result_label.setText("")
        else:
            result = output.result
            colour = _STATUS_COLOURS.get(result.status, "#000")
            text = (f"<b>Refined</b> (from {result.start}, {result.details.get('seconds', 0):.1f} s): "
                    f"<span style='color:{colour}'><b>{result.status}</b></span>"
                    + (f" – {result.message}" if result.message else "")
                    + "<br>" + describe_map(result.point_map).replace("\n", "<br>"))
            self.result_label.setText(text)
        ready = model.xray is not None and model.em is not None
        self.refine_button.setEnabled(ready and not running)
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(ready and not running and model.point_map() is not None)
        for button in (self.open_xray_button, self.use_frame_button, self.open_em_button):
            button.setEnabled(not running)

    def _fill_table(self, model) -> None:
        distances = None
        if model.fit is not None:
            distances = iter(model.fit.distances)
        self.table.setRowCount(len(model.pairs))
        worst = float(np.max(model.fit.distances)) if model.fit is not None and len(model.fit.distances) else None
        for index, (xray, em) in enumerate(model.pairs):
            residual = next(distances) if distances is not None and xray is not None and em is not None else None
            cells = (str(index + 1), _point_text(xray), _point_text(em),
                     "" if residual is None else f"{residual:.2f}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and residual is not None and worst and residual == worst and model.fit.redundancy > 0:
                    item.setForeground(QColor("#c62828"))
                    item.setToolTip("The largest residual: check this pair first")
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
