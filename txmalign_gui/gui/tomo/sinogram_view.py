"""The sinogram of one detector row (angle down, detector column across), before and after alignment."""

from __future__ import annotations

import math

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from .image_pair import ImagePair

BEFORE_TEXT = "Open a projection series to see its sinograms."
AFTER_TEXT = "Run the tomography alignment to see the aligned sinogram."


class SinogramView(QWidget):
    """Row chooser and the before/after sinograms; `row_changed(row)` fires when the row is changed here,
    `projection_clicked(index)` when a sinogram is clicked (its row is one projection)."""

    row_changed = pyqtSignal(int)
    projection_clicked = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row_spin = QSpinBox(minimum=0, maximum=0)
        self.row_spin.setToolTip("Detector row whose sinogram is shown; or click the projection above")
        self.row_spin.valueChanged.connect(self.row_changed)
        self.row_spin.setToolTip("Detector row whose sinogram is shown: type it, drag the yellow line on the "
                                 "projection or click the projection")
        top = QHBoxLayout()
        top.addWidget(QLabel("Sinogram of row"))
        top.addWidget(self.row_spin)
        top.addStretch(1)
        self.pair = ImagePair(("Before alignment", "After alignment"), lock_aspect=False)
        # image row i covers [i, i + 1) in view coordinates
        self.pair.clicked.connect(lambda _, row, col: self.projection_clicked.emit(math.floor(row)))
        self.pair.setToolTip("Each image row is one projection (angle increases downwards); "
                             "click to show that projection")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.pair, 1)
        self.show_sinograms(None, None)

    @property
    def row(self) -> int:
        return self.row_spin.value()

    def set_rows(self, rows: int, row: int) -> None:
        """Allow rows 0..rows-1 and select `row` without emitting `row_changed`."""
        self.row_spin.blockSignals(True)
        self.row_spin.setRange(0, max(rows - 1, 0))
        self.row_spin.setValue(row)
        self.row_spin.blockSignals(False)

    def set_row(self, row: int) -> None:
        self.row_spin.setValue(row)

    def show_sinograms(self, before, after, before_text: str = BEFORE_TEXT) -> None:
        """Show the (angles, columns) sinograms; None leaves a panel with its hint.  Without `after` the
        `before` sinogram is the data as read, with it the prepared (absorbance) data."""
        self.pair.titles[0].setText("Before alignment" if after is not None else "As read")
        self.pair.set_images([before, after], [before_text, AFTER_TEXT])
