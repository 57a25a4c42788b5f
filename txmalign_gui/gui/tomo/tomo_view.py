"""The Tomography tab below the image: sinograms, reconstructed slices and the corrections, side by side."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from .jitter_plot import JitterPlot
from .sinogram_view import SinogramView
from .slice_view import SliceView


class TomoView(QWidget):
    """Holds the three result views of the tomography mode in one resizable row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sinograms = SinogramView()
        self.slices = SliceView()
        self.jitter = JitterPlot()
        splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        for widget in (self.sinograms, self.slices, self.jitter):
            splitter.addWidget(widget)
        splitter.setSizes([400, 300, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    def clear(self) -> None:
        self.slices.show_result(None)
        self.jitter.clear()
