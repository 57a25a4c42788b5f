"""What the stack and tomography panels share: scrolling settings above a pinned Run box, and the run state."""

from __future__ import annotations

from typing import Callable

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class RunPanel(QWidget):
    """A panel of setting boxes that scroll above a Run box; emits `run_clicked` and `cancel_clicked`."""

    run_clicked = pyqtSignal()
    cancel_clicked = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ready = False
        self._run_text = ""

    def _lay_out(self, boxes: list, run_box: QGroupBox) -> None:
        """Put `boxes` in a scrolling settings area (`settings_area`) and pin `run_box` below it."""
        settings = self.settings_area = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.setContentsMargins(4, 2, 4, 2)
        settings_layout.setSpacing(2)
        for box in boxes:
            settings_layout.addWidget(box)
        settings_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(settings)
        scroll.setMinimumWidth(min(settings.sizeHint().width(), 300) + scroll.verticalScrollBar().sizeHint().width())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(run_box)

    def _build_run_box(self, title: str, run_text: str, run_tip: str) -> tuple:
        """Build the Run box (Run and Cancel, progress bar, time label) and return it with its layout."""
        box = QGroupBox(title)
        self._run_text = run_text
        self.run_button = QPushButton(run_text)
        self.run_button.setToolTip(run_tip)
        self.run_button.setMinimumHeight(34)
        self.run_button.setStyleSheet("QPushButton:enabled { font-weight: bold; }")
        self.run_button.clicked.connect(self.run_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the alignment; the previous result is kept")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.progress_bar = QProgressBar(minimum=0, maximum=1000, textVisible=True)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setVisible(False)  # until the first run
        self.time_label = QLabel(" ")
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.time_label)
        return box, layout

    def set_running(self, running: bool) -> None:
        """Switch Run, Cancel and the settings between running and idle, and reset the progress on a start."""
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running and self._ready)
        self.run_button.setText("Aligning..." if running else self._run_text)
        self.settings_area.setEnabled(not running)
        if running:
            self.progress_bar.setVisible(True)
            self.progress_bar.setValue(0)
            self.time_label.setText("Starting...")

    def reset_run_state(self) -> None:
        """Forget the last run's progress and outcome (another file was opened)."""
        self.progress_bar.setVisible(False)
        self.progress_bar.setValue(0)
        self.time_label.setText(" ")

    def _show_fraction(self, fraction: float, elapsed: float, duration: Callable[[float], str]) -> str:
        """Move the progress bar to `fraction` and return the elapsed and time-left text, written by `duration`."""
        self.progress_bar.setValue(int(round(1000 * fraction)))
        text = f"{duration(elapsed)} elapsed"
        if 0.02 < fraction < 1.0:
            text += f", about {duration(elapsed * (1 - fraction) / fraction)} left"
        return text


class Section(QWidget):
    """A titled section whose body folds away under its header (click the title), so a short screen shows
    the essential settings and Run without scrolling."""

    def __init__(self, title: str, widgets=(), expanded: bool = True, parent=None):
        super().__init__(parent)
        self.header = QToolButton(text=title, checkable=True, checked=expanded, autoRaise=True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setStyleSheet("QToolButton { font-weight: bold; border: none; }")
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(14, 0, 2, 4)
        self.body_layout.setSpacing(4)
        for widget in widgets:
            self.body_layout.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.header.toggled.connect(self.set_expanded)
        self.set_expanded(expanded)

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, on: bool) -> None:
        if self.header.isChecked() != on:
            self.header.setChecked(on)
        self.header.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)


def group_box(title: str, *widgets: QWidget, expanded: bool = True) -> Section:
    """A titled, foldable section holding `widgets` one below the other."""
    return Section(title, widgets, expanded)


def note(text: str = " ") -> QLabel:
    """A grey, word-wrapped explanatory label."""
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #555;")
    return label


def flats_text(flats, darks) -> str:
    """Say how many flat and dark images the opened file brought (or that it has no flats)."""
    if flats is None:
        return "This file has no flat (bright-field) images."
    darks_text = f" and {_count(darks)} dark" if darks is not None else ""
    return f"The file has {_count(flats)} flat{darks_text} image(s)."


def show_flat_field(form, stack) -> None:
    """Tick and enable the form's flat-field box when the file brought flats; untick and grey it out (it would
    do nothing) when it did not."""
    editor = form.editor("flat_field")
    has_flats = stack is not None and stack.flats is not None
    editor.setEnabled(has_flats)
    editor.setChecked(has_flats)
    editor.setToolTip(form.params.get("flat_field").help if has_flats else
                      "This file has no flat (bright-field) images, so there is nothing to correct with.")


def _count(frames) -> int:
    return 1 if np.ndim(frames) == 2 else len(frames)
