"""Which frame a comparison uses as its reference: the anchor, the previous or next frame (best for XANES,
whose contrast changes with energy) or a chosen one."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from .context import CheckContext
from .widgets import spin

ANCHOR, PREVIOUS, NEXT, CHOSEN = "anchor", "previous", "next", "chosen"


class ReferencePicker(QWidget):
    """A combo box (and a frame spin box for 'chosen'); `changed` fires when the choice changes."""

    changed = pyqtSignal()

    def __init__(self, context: CheckContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.combo = QComboBox()
        for key, text in ((ANCHOR, "against the anchor frame"), (PREVIOUS, "against the previous frame"),
                          (NEXT, "against the next frame"), (CHOSEN, "against frame")):
            self.combo.addItem(text, key)
        self.combo.setToolTip("The reference frame; in a XANES series the neighbours have the most similar "
                              "contrast")
        self.frame_spin = spin(0, 0, 0, "The reference frame")
        self.combo.currentIndexChanged.connect(self._changed)
        self.frame_spin.valueChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.frame_spin)
        context.data_changed.connect(lambda: self.frame_spin.setMaximum(max(0, context.count - 1)))
        self._changed()

    def _changed(self) -> None:
        self.frame_spin.setVisible(self.combo.currentData() == CHOSEN)
        self.changed.emit()

    def choose(self, key: str, frame: int = 0) -> None:
        self.frame_spin.setValue(frame)
        self.combo.setCurrentIndex(self.combo.findData(key))

    def index(self) -> int:
        """The reference frame for the frame on screen."""
        key, index, count = self.combo.currentData(), self.context.index, self.context.count
        if key == CHOSEN:
            return self.frame_spin.value()
        if key == PREVIOUS:
            return max(0, index - 1)
        if key == NEXT:
            return min(count - 1, index + 1)
        alignment = self.context.alignment
        return alignment.anchor if alignment is not None else count // 2
