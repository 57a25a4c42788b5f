"""Two images side by side (before / after) with linked zoom and one shared robust display range."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QLabel, QStackedWidget, QWidget

from ..contrast import robust_levels


class ImagePair(QWidget):
    """A titled pair of image panels; a panel without an image shows its placeholder text instead.

    `clicked(panel, row, col)` reports a left click in image pixel coordinates.
    """

    clicked = pyqtSignal(int, float, float)

    def __init__(self, titles: tuple, lock_aspect: bool, parent=None):
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(2)
        self.titles, self.placeholders, self.items, self._pages = [], [], [], []
        self.graphics, self.viewboxes = [], []
        for column, title in enumerate(titles):
            label = QLabel(title, alignment=Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("font-weight: bold;")
            graphics = pg.GraphicsLayoutWidget()
            graphics.setMinimumSize(80, 80)
            viewbox = graphics.addViewBox(lockAspect=lock_aspect, invertY=True)
            viewbox.setMenuEnabled(False)
            item = pg.ImageItem(axisOrder="row-major")
            viewbox.addItem(item)
            graphics.scene().sigMouseClicked.connect(
                lambda event, index=column: self._clicked(index, event))
            placeholder = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
            placeholder.setStyleSheet("color: #777;")
            pages = QStackedWidget()
            pages.addWidget(placeholder)
            pages.addWidget(graphics)
            layout.addWidget(label, 0, column)
            layout.addWidget(pages, 1, column)
            layout.setColumnStretch(column, 1)
            self.titles.append(label)
            self.placeholders.append(placeholder)
            self.items.append(item)
            self.graphics.append(graphics)
            self.viewboxes.append(viewbox)
            self._pages.append(pages)
        layout.setRowStretch(1, 1)
        for other in self.viewboxes[1:]:
            other.setXLink(self.viewboxes[0])
            other.setYLink(self.viewboxes[0])

    def set_images(self, images: list, placeholders: list) -> None:
        """Show `images` (arrays or None, one per panel); the display range comes from all of them."""
        shown = [np.asarray(image, dtype=np.float32) for image in images if image is not None]
        levels = robust_levels(np.concatenate([image.ravel() for image in shown])) if shown else None
        refit = False
        for index, (image, text) in enumerate(zip(images, placeholders)):
            self.placeholders[index].setText(text)
            self._pages[index].setCurrentIndex(0 if image is None else 1)
            if image is None:
                self.items[index].clear()
                continue
            image = np.asarray(image, dtype=np.float32)
            refit |= self.items[index].image is None or self.items[index].image.shape != image.shape
            self.items[index].setImage(image, levels=levels, autoLevels=False)
        if refit:
            self.viewboxes[0].autoRange(padding=0.01)

    def image(self, index: int) -> Optional[np.ndarray]:
        """The array panel `index` shows, or None."""
        return self.items[index].image

    def _clicked(self, index: int, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.viewboxes[index].mapSceneToView(event.scenePos())
        self.clicked.emit(index, float(point.y()), float(point.x()))
