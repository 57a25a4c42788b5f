"""An invisible layer over the main image that turns clicks and drags into pixel positions for whichever
checking tool holds the pointer (placing points, drawing lines, painting masks); otherwise it lets the
view pan and zoom as usual."""

from __future__ import annotations

from typing import Optional

import pyqtgraph as pg
from PyQt6.QtCore import QObject, QRectF, Qt, pyqtSignal

START, MOVE, FINISH = "start", "move", "finish"


class PointerUser(QObject):
    """What a tool hands to the canvas: signals for clicks (x, y, double) and drags (x, y, phase), plus
    `released` when another tool takes the pointer."""

    clicked = pyqtSignal(float, float, bool)
    dragged = pyqtSignal(float, float, str)
    released = pyqtSignal()


_IDLE_Z, _DRAWING_Z = 5, 1000  # while a tool draws, the canvas lies above every ROI and marker


class DrawingCanvas(pg.GraphicsObject):
    """Covers the image in the view's coordinates (x = column, y = row, pixel centres at +0.5).

    While a tool holds the pointer the canvas is raised above the ROI rectangle and the markers, so a
    brush stroke or a drag inside them draws instead of moving them.
    """

    def __init__(self, image_item: pg.ImageItem):
        super().__init__()
        self.image_item = image_item
        self.user: Optional[PointerUser] = None
        self.setZValue(_IDLE_Z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        image_item.sigImageChanged.connect(self.prepareGeometryChange)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt naming)
        return self.image_item.boundingRect()

    def paint(self, painter, *args) -> None:
        pass

    def take(self, user: Optional[PointerUser]) -> None:
        """Give the pointer to `user` (None: back to panning); the previous user hears `released`."""
        previous, self.user = self.user, user
        if previous is not None and previous is not user:
            previous.released.emit()
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton if user else Qt.MouseButton.NoButton)
        self.setZValue(_DRAWING_Z if user else _IDLE_Z)
        self.setCursor(Qt.CursorShape.CrossCursor if user else Qt.CursorShape.ArrowCursor)

    def give_back(self, user: PointerUser) -> None:
        if self.user is user:
            self.take(None)

    def mouseClickEvent(self, event) -> None:  # noqa: N802
        if self.user is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        self.user.clicked.emit(event.pos().x(), event.pos().y(), event.double())

    def mouseDragEvent(self, event) -> None:  # noqa: N802
        if self.user is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        if event.isStart():
            start = event.buttonDownPos()
            self.user.dragged.emit(start.x(), start.y(), START)
        phase = FINISH if event.isFinish() else MOVE
        self.user.dragged.emit(event.pos().x(), event.pos().y(), phase)
