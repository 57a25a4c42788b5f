"""A form of input widgets generated from an engine `ParamSet`; help texts become tooltips.

Parameters flagged `advanced` go in a collapsible section.  An integer parameter
whose default is a sentinel below the normal range (None, or -1 at the minimum,
e.g. "anchor: -1 = the middle image") gets a spin box whose lowest entry reads
"auto".
"""

from __future__ import annotations

import math
from typing import Optional

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.params import Param, ParamSet

_INT_LIMIT = 2**31 - 1
_AUTO_TEXT = "auto"


class ParamForm(QWidget):
    """Input widgets for every parameter of a ParamSet; `changed` fires on any edit.

    `choices` ({name: [(value, text), ...]}) offers a list for a parameter whose ParamSet leaves it open
    (the registration method of the tomography alignment: any registered method).
    """

    changed = pyqtSignal()

    def __init__(self, params: ParamSet, parent=None, choices: Optional[dict] = None):
        super().__init__(parent)
        self._params = params
        self._choices = dict(choices or {})
        self._editors: dict = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        basic = QFormLayout()
        layout.addLayout(basic)
        advanced = [p for p in params if p.advanced]
        for param in params:
            if not param.advanced:
                self._add_row(basic, param)
        self.advanced_toggle = None
        if advanced:
            self.advanced_toggle = QToolButton(text="Advanced", checkable=True)
            self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
            self.advanced_toggle.setAutoRaise(True)
            box = QWidget()
            box_layout = QFormLayout(box)
            box_layout.setContentsMargins(12, 0, 0, 0)
            for param in advanced:
                self._add_row(box_layout, param)
            box.setVisible(False)
            self.advanced_toggle.toggled.connect(box.setVisible)
            self.advanced_toggle.toggled.connect(lambda on: self.advanced_toggle.setArrowType(
                Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow))
            layout.addWidget(self.advanced_toggle)
            layout.addWidget(box)
        self.reset_defaults()

    @property
    def params(self) -> ParamSet:
        return self._params

    def editor(self, name: str) -> QWidget:
        """The input widget of parameter `name` (for tests and for wiring buttons next to it)."""
        return self._editors[name]

    def values(self) -> dict:
        """Every parameter's current value, typed as its Param declares."""
        return {p.name: _read(p, self._editors[p.name]) for p in self._params}

    def set_values(self, values: dict) -> None:
        """Show `values` (unknown names are ignored, so older sessions still load)."""
        for param in self._params:
            if param.name in values:
                _write(param, self._editors[param.name], values[param.name])
        self.changed.emit()

    def set_value(self, name: str, value) -> None:
        self.set_values({name: value})

    def reset_defaults(self) -> None:
        self.set_values(self._params.defaults())

    def _add_row(self, layout: QFormLayout, param: Param) -> None:
        editor = _make_editor(param, self._choices.get(param.name))
        editor.setToolTip(param.help)
        editor.setObjectName(f"param_{param.name}")
        _connect_changed(editor, self.changed.emit)
        self._editors[param.name] = editor
        layout.addRow(param.label, editor)
        label = layout.labelForField(editor)
        if label is not None:
            label.setToolTip(param.help)


def _make_editor(param: Param, choices=None) -> QWidget:
    if choices is not None or param.choices is not None:
        editor = QComboBox()
        for value, text in choices if choices is not None else ((c, str(c)) for c in param.choices):
            editor.addItem(text, value)
        return editor
    if param.kind is bool:
        return QCheckBox()
    if param.kind is int:
        editor = QSpinBox()
        low = int(param.minimum) if param.minimum is not None else -_INT_LIMIT
        high = int(param.maximum) if param.maximum is not None else _INT_LIMIT
        if param.default is None:
            low -= 1
        if param.minimum_text is not None:
            editor.setSpecialValueText(param.minimum_text)
        elif param.default is None or (param.default == param.minimum and param.default < 0):
            editor.setSpecialValueText(_AUTO_TEXT)
        editor.setRange(low, high)
        editor.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        return editor
    if param.kind is float:
        editor = QDoubleSpinBox()
        editor.setDecimals(_decimals(param))
        low = param.minimum if param.minimum is not None else -1e12
        high = param.maximum if param.maximum is not None else 1e12
        editor.setRange(low, high)
        editor.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        return editor
    return QLineEdit()


def _decimals(param: Param) -> int:
    """Enough decimals to show the default and the minimum exactly (3 at least, 8 at most)."""
    places = 3
    for value in (param.default, param.minimum):
        if value:
            places = max(places, int(math.ceil(-math.log10(abs(value)))) + 2)
    return min(places, 8)


def _connect_changed(editor: QWidget, slot) -> None:
    if isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(slot)
    elif isinstance(editor, QCheckBox):
        editor.toggled.connect(slot)
    elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        editor.valueChanged.connect(slot)
    else:
        editor.textChanged.connect(slot)


def _read(param: Param, editor: QWidget):
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        if param.default is None and editor.value() == editor.minimum():
            return None
        return editor.value()
    if isinstance(editor, QDoubleSpinBox):
        return editor.value()
    return editor.text()


def _write(param: Param, editor: QWidget, value) -> None:
    if isinstance(editor, QComboBox):
        index = editor.findData(value)
        if index < 0:
            index = editor.findText(str(value))
        if index >= 0:
            editor.setCurrentIndex(index)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(editor.minimum() if value is None else int(value))
    elif isinstance(editor, QDoubleSpinBox):
        editor.setValue(float(value))
    else:
        editor.setText("" if value is None else str(value))
