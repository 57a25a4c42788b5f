"""An inline banner at the top of the window for errors, warnings and notices (no modal dialogs)."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

_STYLES = {
    "error": "background: #fde2e1; border: 1px solid #e0a3a0; color: #7a1f1a;",
    "warning": "background: #fff3d6; border: 1px solid #e8c77a; color: #6b4b00;",
    "info": "background: #e3effc; border: 1px solid #a9c7ea; color: #1d3f66;",
}


class MessageBar(QFrame):
    """Shows one message with a close button; `show_message(text, level)` replaces the previous one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(text="✕", autoRaise=True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""
        self.hide()

    def show_message(self, text: str, level: str = "error") -> None:
        self.level = level
        self.setStyleSheet(f"MessageBar {{ {_STYLES[level]} border-radius: 4px; }} QLabel {{ border: none; }}")
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
