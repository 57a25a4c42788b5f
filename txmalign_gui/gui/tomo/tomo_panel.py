"""The right-hand tomography panel: preparation, angles, TOMO_PARAMS, Run/Cancel, progress and Save.

Every parameter widget comes from a ParamSet; the panel only collects values and shows run state.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QCompleter, QFrame, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                             QScrollArea, QVBoxLayout, QWidget)

from ...engine.methods import available_methods
from ...engine.tomo import TOMO_PARAMS
from ..param_form import ParamForm
from .tomo_runner import TOMO_ANGLE_PARAMS, TOMO_PREPARE_PARAMS

_RUN_TEXT = "Align projections"


class TomoPanel(QWidget):
    """Collects the tomography settings; emits `run_clicked`, `cancel_clicked` and `save_clicked`."""

    run_clicked = pyqtSignal()
    cancel_clicked = pyqtSignal()
    save_clicked = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ready = False
        settings = self.settings_area = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self._build_prepare_box())
        settings_layout.addWidget(self._build_angles_box())
        settings_layout.addWidget(self._build_params_box())
        settings_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(settings)
        scroll.setMinimumWidth(settings.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._build_run_box())
        self.set_stack(None)
        self.set_running(False)

    # -- construction -------------------------------------------------------
    def _build_prepare_box(self) -> QGroupBox:
        box = QGroupBox("1. Prepare the projections")
        self.flats_label = _note()
        self.prepare_form = ParamForm(TOMO_PREPARE_PARAMS)
        layout = QVBoxLayout(box)
        layout.addWidget(self.flats_label)
        layout.addWidget(self.prepare_form)
        return box

    def _build_angles_box(self) -> QGroupBox:
        box = QGroupBox("2. Rotation angles")
        self.angles_label = _note()
        self.angle_form = ParamForm(TOMO_ANGLE_PARAMS)
        layout = QVBoxLayout(box)
        layout.addWidget(self.angles_label)
        layout.addWidget(self.angle_form)
        return box

    def _build_params_box(self) -> QGroupBox:
        box = QGroupBox("3. Projection alignment")
        description = _note("Removes the jitter of each projection by making the series consistent "
                            "with one reconstruction (parallel beam, rotation axis vertical).")
        self.form = ParamForm(TOMO_PARAMS)
        names = [spec.name for spec in available_methods()]
        self.form.editor("method").setCompleter(QCompleter(names, self))
        self.form.editor("method").setPlaceholderText(", ".join(names))
        reset = QPushButton("Reset to defaults")
        reset.setToolTip("Put every tomography parameter back to its default value")
        reset.clicked.connect(self.form.reset_defaults)
        layout = QVBoxLayout(box)
        layout.addWidget(description)
        layout.addWidget(self.form)
        layout.addWidget(reset)
        return box

    def _build_run_box(self) -> QGroupBox:
        box = QGroupBox("4. Run")
        self.run_button = QPushButton(_RUN_TEXT)
        self.run_button.setToolTip("Align the projections with the settings above (runs in the background)")
        self.run_button.setMinimumHeight(34)
        self.run_button.setStyleSheet("QPushButton:enabled { font-weight: bold; }")
        self.run_button.clicked.connect(self.run_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the alignment; the previous result is kept")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.progress_bar = QProgressBar(minimum=0, maximum=1000, textVisible=True)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setVisible(False)
        self.time_label = QLabel(" ", wordWrap=True)
        self.save_button = QPushButton("Save aligned projections...")
        self.save_button.setToolTip("HDF5 with angles, corrections, provenance and the preview slices, "
                                    "or a multi-page TIFF")
        self.save_button.clicked.connect(self.save_clicked)
        self.save_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(box)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.time_label)
        layout.addWidget(self.save_button)
        return box

    # -- reading the settings -----------------------------------------------
    def params(self) -> dict:
        return self.form.values()

    def prepare_options(self) -> dict:
        return self.prepare_form.values()

    def angle_range(self) -> tuple:
        values = self.angle_form.values()
        return values["first"], values["last"]

    # -- showing the data and the run state ---------------------------------
    def set_stack(self, stack) -> None:
        """Describe the opened series: its flats and darks, and its angles (or ask for them)."""
        self._ready = stack is not None
        has_flats = stack is not None and stack.flats is not None
        self.prepare_form.editor("flat_field").setEnabled(has_flats)
        if stack is None:
            self.flats_label.setText("Open a projection series (File > Open).")
        elif has_flats:
            darks = "" if stack.darks is None else f" and {_count(stack.darks)} dark"
            self.flats_label.setText(f"The file has {_count(stack.flats)} flat{darks} image(s).")
        else:
            self.flats_label.setText("This file has no flat (bright-field) images.")
        angles = None if stack is None else stack.angles
        self.angle_form.setVisible(stack is not None and angles is None)
        if stack is None:
            self.angles_label.setText(" ")
        elif angles is None:
            self.angles_label.setText(f"This file holds no angles: give the range of its {len(stack)} "
                                      "projections.")
        else:
            self.angles_label.setText(f"From the file: {len(angles)} projections, {np.min(angles):.1f}° to "
                                      f"{np.max(angles):.1f}°.")
        self.save_button.setEnabled(False)
        self.run_button.setEnabled(self._ready and not self.cancel_button.isEnabled())

    def set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running and self._ready)
        self.run_button.setText("Aligning..." if running else _RUN_TEXT)
        self.settings_area.setEnabled(not running)
        if running:
            self.save_button.setEnabled(False)
            self.progress_bar.setVisible(True)
            self.progress_bar.setValue(0)
            self.time_label.setText("Starting...")

    def show_progress(self, fraction: float, message: str, elapsed: float) -> None:
        self.progress_bar.setValue(int(round(1000 * fraction)))
        text = f"{elapsed:.0f} s elapsed"
        if 0.02 < fraction < 1.0:
            text += f", about {elapsed * (1 - fraction) / fraction:.0f} s left"
        self.time_label.setText(f"{text} · {message}" if message else text)

    def show_outcome(self, text: str, can_save: bool = False) -> None:
        self.time_label.setText(text)
        self.save_button.setEnabled(can_save)


def _note(text: str = " ") -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #555;")
    return label


def _count(frames) -> int:
    return 1 if np.ndim(frames) == 2 else len(frames)
