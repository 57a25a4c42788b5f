"""The EM image drawn in the X-ray frame over the X-ray image: a blend with an opacity slider, or a
checkerboard of the two (each on its own robust gray scale) whose tiles show at once whether edges continue
across tile borders."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout, QWidget

from ..contrast import robust_levels


def normalised(image: np.ndarray) -> np.ndarray:
    """`image` mapped to [0, 1] between its robust display levels (NaN stays NaN)."""
    black, white = robust_levels(image)
    return np.clip((np.asarray(image, np.float32) - black) / (white - black), 0.0, 1.0)


def checkerboard(xray: np.ndarray, em: np.ndarray, tile: int) -> np.ndarray:
    """Tiles of `tile` px taking the X-ray and the EM image in turn (both normalised; EM NaN shows X-ray)."""
    rows, cols = np.indices(xray.shape)
    use_em = ((rows // tile + cols // tile) % 2 == 1) & np.isfinite(em)
    return np.where(use_em, normalised(em), normalised(xray))


class OverlayView(QWidget):
    """X-ray in gray with the resampled EM in colour above it (opacity slider), or the checkerboard."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.xray: Optional[np.ndarray] = None
        self.em: Optional[np.ndarray] = None
        self.graphics = pg.GraphicsLayoutWidget()
        self.viewbox = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.viewbox.setMenuEnabled(False)
        self.base = pg.ImageItem(axisOrder="row-major")
        self.top = pg.ImageItem(axisOrder="row-major")
        self.top.setLookupTable(pg.colormap.get("CET-L8").getLookupTable(nPts=256))
        self.viewbox.addItem(self.base)
        self.viewbox.addItem(self.top)
        self.opacity = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.opacity.setToolTip("How much of the EM image shows over the X-ray image")
        self.checker = QCheckBox("Checkerboard")
        self.checker.setToolTip("Alternate tiles of the two images: edges that continue across the tile borders "
                                "are well registered")
        self.tile = QSpinBox(minimum=4, maximum=512, value=32, suffix=" px")
        self.tile.setToolTip("Tile size of the checkerboard (X-ray pixels)")
        self.placeholder = QLabel("Fit the landmarks or refine to see the overlay.",
                                  alignment=Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #777;")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("X-ray"))
        controls.addWidget(self.opacity, 1)
        controls.addWidget(QLabel("EM"))
        controls.addSpacing(12)
        controls.addWidget(self.checker)
        controls.addWidget(self.tile)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(controls)
        self.opacity.valueChanged.connect(self._redraw)
        self.checker.toggled.connect(self._redraw)
        self.tile.valueChanged.connect(self._redraw)
        self.show_images(None, None)

    def show_images(self, xray: Optional[np.ndarray], em_in_xray_frame: Optional[np.ndarray]) -> None:
        first = self.xray is None
        self.xray, self.em = xray, em_in_xray_frame
        ready = xray is not None and em_in_xray_frame is not None
        self.placeholder.setVisible(not ready)
        self.graphics.setVisible(ready)
        self._redraw()
        if ready and first:
            self.viewbox.autoRange(padding=0.02)

    def _redraw(self) -> None:
        if self.xray is None or self.em is None:
            self.base.clear()
            self.top.clear()
            return
        self.tile.setEnabled(self.checker.isChecked())
        self.opacity.setEnabled(not self.checker.isChecked())
        if self.checker.isChecked():
            self.base.setImage(checkerboard(self.xray, self.em, self.tile.value()), levels=(0, 1))
            self.top.setVisible(False)
            return
        self.base.setImage(normalised(self.xray), levels=(0, 1))
        self.top.setImage(normalised(self.em), levels=(0, 1))
        self.top.setOpacity(self.opacity.value() / 100.0)
        self.top.setVisible(True)
