"""One image of the correlative pair with its numbered landmarks: a click adds a point, dragging a marker
moves it, a right click on a marker (or the Delete key after selecting it in the table) removes its pair.

Coordinates are (row, col) pixels with pixel centres at integers; the image item puts pixel (r, c) on the
square [c, c + 1) x [r, r + 1) of the view, so a pixel centre sits at view (c + 0.5, r + 0.5).
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..contrast import robust_levels

_COLOURS = {"xray": "#ffd700", "em": "#00e5ff"}
_PREDICTED_PEN = pg.mkPen("#ff4d4d", width=1.5)


class LandmarkView(QWidget):
    """`point_added(row, col)`, `point_moved(index, row, col)` and `point_deleted(index)` report user edits;
    `show_points(points, predicted)` draws the current ones (index = pair number - 1)."""

    point_added = pyqtSignal(float, float)
    point_moved = pyqtSignal(int, float, float)
    point_deleted = pyqtSignal(int)

    def __init__(self, side: str, title: str, parent=None):
        super().__init__(parent)
        self.side = side
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: bold;")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumSize(120, 120)
        self.viewbox = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.viewbox.setMenuEnabled(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.viewbox.addItem(self.image_item)
        self.markers: List[pg.TargetItem] = []
        self.predicted: List[pg.GraphicsObject] = []
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.graphics, 1)

    def set_image(self, image: Optional[np.ndarray]) -> None:
        if image is None:
            self.image_item.clear()
            return
        self.image_item.setImage(np.asarray(image, dtype=np.float32), levels=robust_levels(image))
        self.viewbox.autoRange(padding=0.02)

    def show_points(self, points: List[Optional[tuple]], predicted: Optional[np.ndarray] = None) -> None:
        """Markers numbered 1.. for the pairs' points on this side (None: not clicked yet); `predicted` (N, 2)
        draws where the fitted map puts each pair's partner, joined to the marker (the residual)."""
        for item in self.markers + self.predicted:
            self.viewbox.removeItem(item)
        self.markers, self.predicted = [], []
        for index, point in enumerate(points):
            if point is None:
                continue
            marker = pg.TargetItem(pos=(point[1] + 0.5, point[0] + 0.5), size=13, pen=pg.mkPen(_COLOURS[self.side],
                                   width=2), movable=True, label=str(index + 1),
                                   labelOpts={"color": _COLOURS[self.side], "offset": (8, -8)})
            marker.pair_index = index
            marker.sigPositionChangeFinished.connect(self._moved)
            self.viewbox.addItem(marker)
            self.markers.append(marker)
            if predicted is not None and np.isfinite(predicted[index]).all():
                end = predicted[index]
                line = pg.PlotCurveItem([point[1] + 0.5, end[1] + 0.5], [point[0] + 0.5, end[0] + 0.5],
                                        pen=_PREDICTED_PEN)
                self.viewbox.addItem(line)
                self.predicted.append(line)

    def marker_scene_pos(self, index: int):
        """Scene position of the marker of pair `index` (for tests and the tour)."""
        marker = next(m for m in self.markers if m.pair_index == index)
        return self.viewbox.mapViewToScene(marker.pos())

    def pixel_scene_pos(self, row: float, col: float):
        """Scene position of the centre of pixel (row, col)."""
        return self.viewbox.mapViewToScene(pg.Point(col + 0.5, row + 0.5))

    def _moved(self, marker) -> None:
        pos = marker.pos()
        self.point_moved.emit(marker.pair_index, float(pos.y() - 0.5), float(pos.x() - 0.5))

    def _clicked(self, event) -> None:
        if self.image_item.image is None or event.isAccepted():
            return
        hit = next((m for m in self.markers if m.sceneBoundingRect().contains(event.scenePos())), None)
        if event.button() == Qt.MouseButton.RightButton and hit is not None:
            event.accept()
            self.point_deleted.emit(hit.pair_index)
            return
        if event.button() != Qt.MouseButton.LeftButton or hit is not None:
            return
        view = self.viewbox.mapSceneToView(event.scenePos())
        rows, cols = self.image_item.image.shape[:2]
        row, col = float(view.y() - 0.5), float(view.x() - 0.5)
        if -0.5 <= row <= rows - 0.5 and -0.5 <= col <= cols - 0.5:
            event.accept()
            self.point_added.emit(row, col)
