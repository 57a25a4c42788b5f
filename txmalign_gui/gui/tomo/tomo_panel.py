"""The right-hand tomography panel: preparation, angles, TOMO_PARAMS, Run/Cancel, progress and Save.

Every parameter widget comes from a ParamSet; the panel only collects values and shows run state.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from ...engine.methods import available_methods
from ...engine.tomo import TOMO_PARAMS
from ...engine.tomo.params import TOMO_PREPARE_PARAMS
from ..param_form import ParamForm
from ..run_panel import RunPanel, flats_text, group_box, note, show_flat_field
from .tomo_runner import TOMO_ANGLE_PARAMS, default_skip


class TomoPanel(RunPanel):
    """Collects the tomography settings; emits `run_clicked`, `cancel_clicked` and `save_clicked`."""

    save_clicked = pyqtSignal()
    skip_changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lay_out([self._build_prepare_box(), self._build_angles_box(), self._build_params_box()],
                      self._build_align_box())
        self.set_stack(None)
        self.set_running(False)

    # -- construction -------------------------------------------------------
    def _build_prepare_box(self) -> QGroupBox:
        self.flats_label = note()
        self.prepare_form = ParamForm(TOMO_PREPARE_PARAMS)
        return group_box("1. Prepare the projections", self.flats_label, self.prepare_form)

    def _build_angles_box(self) -> QGroupBox:
        self.angles_label = note()
        self.angle_form = ParamForm(TOMO_ANGLE_PARAMS)
        self.skip_spin = QSpinBox(minimum=0, maximum=0)
        self.skip_spin.setToolTip("Values at the start of the angles file that belong to dark and flat images, "
                                  "not to projections")
        self.skip_spin.valueChanged.connect(lambda _: self.skip_changed.emit())
        self.skip_row = QWidget()
        row = QHBoxLayout(self.skip_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Skip the first"))
        row.addWidget(self.skip_spin)
        row.addWidget(QLabel("values of the file"))
        row.addStretch(1)
        return group_box("2. Rotation angles", self.angles_label, self.skip_row, self.angle_form)

    def _build_params_box(self) -> QGroupBox:
        description = note("Removes the jitter of each projection by making the series consistent "
                            "with one reconstruction (parallel beam, rotation axis vertical).")
        self.form = ParamForm(TOMO_PARAMS, choices={"method": [(spec.name, spec.label)
                                                               for spec in available_methods()]})
        reset = QPushButton("Reset to defaults")
        reset.setToolTip("Put every tomography parameter back to its default value")
        reset.clicked.connect(self.form.reset_defaults)
        return group_box("3. Projection alignment", description, self.form, reset)

    def _build_align_box(self) -> QGroupBox:
        box, layout = self._build_run_box("4. Run", "Align projections",
                                          "Align the projections with the settings above (runs in the background)")
        self.time_label.setWordWrap(True)
        self.save_button = QPushButton("Save aligned projections...")
        self.save_button.setToolTip("HDF5 with angles, corrections, provenance and the preview slices, "
                                    "or a multi-page TIFF")
        self.save_button.clicked.connect(self.save_clicked)
        self.save_button.setEnabled(False)
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
    def skip(self) -> int:
        return self.skip_spin.value()

    def show_angles_text(self, text: str) -> None:
        self.angles_label.setText(text)

    def set_stack(self, stack, file_values: Optional[int] = None) -> None:
        """Describe the opened series: its flats and darks, and its angles: from the file, from an angles
        file with `file_values` values (more than projections: some are skipped), or asked for."""
        self._ready = stack is not None
        show_flat_field(self.prepare_form, stack)
        if stack is None:
            self.flats_label.setText("Open a projection series (File > Open).")
        else:
            self.flats_label.setText(flats_text(stack.flats, stack.darks))
        angles = None if stack is None else stack.angles
        self.skip_row.setVisible(file_values is not None)
        if file_values is not None:
            self.skip_spin.blockSignals(True)
            self.skip_spin.setMaximum(file_values - len(stack))
            self.skip_spin.setValue(default_skip(file_values, len(stack)))
            self.skip_spin.blockSignals(False)
        self.angle_form.setVisible(stack is not None and angles is None and file_values is None)
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
        super().set_running(running)
        if running:
            self.save_button.setEnabled(False)

    def show_progress(self, fraction: float, message: str, elapsed: float) -> None:
        text = self._show_fraction(fraction, elapsed, _seconds)
        self.time_label.setText(f"{text} · {message}" if message else text)

    def show_outcome(self, text: str, can_save: bool = False) -> None:
        self.time_label.setText(text)
        self.save_button.setEnabled(can_save)


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f} s"
