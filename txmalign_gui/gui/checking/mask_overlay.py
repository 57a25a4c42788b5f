"""The mask drawn over the main image: ignored pixels tinted red, the polygon being drawn as a yellow line."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg

_TINT = (230, 30, 30, 110)


class MaskOverlay:
    """Adds a translucent image and a polyline to `viewbox`; `show(ignored)` redraws them."""

    def __init__(self, viewbox: pg.ViewBox):
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(4)
        self.image.setAcceptedMouseButtons(pg.QtCore.Qt.MouseButton.NoButton)
        self.outline = pg.PlotCurveItem(pen=pg.mkPen("#ffd400", width=2))  # no symbols: they would catch clicks
        self.outline.setZValue(6)
        viewbox.addItem(self.image)
        viewbox.addItem(self.outline)

    def show(self, ignored: Optional[np.ndarray]) -> None:
        if ignored is None or not ignored.any():
            self.image.clear()
            return
        rgba = np.zeros(ignored.shape + (4,), dtype=np.uint8)
        rgba[ignored] = _TINT
        self.image.setImage(rgba, autoLevels=False, levels=(0, 255))

    def show_polygon(self, points) -> None:
        """`points` [(x, y), ...] in view coordinates; empty hides the line."""
        if len(points):
            xs, ys = zip(*points)
            self.outline.setData(list(xs), list(ys))
        else:
            self.outline.setData([], [])
