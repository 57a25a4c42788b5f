"""Small widget helpers shared by the checking tools."""

from __future__ import annotations

from PyQt6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget


def spin(minimum: int, maximum: int, value: int, tip: str = "", prefix: str = "", suffix: str = "") -> QSpinBox:
    box = QSpinBox(minimum=minimum, maximum=maximum, value=value, prefix=prefix, suffix=suffix)
    box.setToolTip(tip)
    return box


def double_spin(minimum: float, maximum: float, value: float, step: float, decimals: int, tip: str = "",
                suffix: str = "") -> QDoubleSpinBox:
    box = QDoubleSpinBox(minimum=minimum, maximum=maximum, value=value, singleStep=step, decimals=decimals,
                         suffix=suffix)
    box.setToolTip(tip)
    return box


def button(text: str, tip: str, slot=None, checkable: bool = False) -> QToolButton:
    widget = QToolButton(text=text, checkable=checkable)
    widget.setToolTip(tip)
    if slot is not None:
        (widget.toggled if checkable else widget.clicked).connect(lambda *_: slot())
    return widget


def row(*items, stretch: bool = True) -> QHBoxLayout:
    """A horizontal layout of widgets; strings become labels."""
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        layout.addWidget(QLabel(item) if isinstance(item, str) else item)
    if stretch:
        layout.addStretch(1)
    return layout


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #666;")
    return label


def boxed(layout) -> QWidget:
    widget = QWidget()
    widget.setLayout(layout)
    return widget
