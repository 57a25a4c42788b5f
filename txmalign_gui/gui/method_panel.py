"""The right-hand panel: method, its parameters, how frames are chained, the reference, and Run/Cancel.

The settings scroll; the Run box stays visible at the bottom.

Every parameter widget is generated from the engine's ParamSet descriptions
(the method's own and STACK_PARAMS), so the panel never lists parameters itself.
"""

from __future__ import annotations

from typing import Optional

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.methods import available_methods
from ..engine.stack import PREPARE_PARAMS, STACK_PARAMS
from .param_form import ParamForm
from .run_panel import RunPanel, flats_text, group_box, note, show_flat_field

DEFAULT_METHOD = "tvdm"


class MethodPanel(RunPanel):
    """Collects the run settings; emits `run_clicked`, `cancel_clicked` and `use_frame_clicked`."""

    use_frame_clicked = pyqtSignal()
    changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start_folder = ""
        self._forms: dict = {}
        self._lay_out([self._build_prepare_box(), self._build_method_box(), self._build_frames_box(),
                       self._build_reference_box()], self._build_align_box())
        self.set_running(False)
        self.set_ready(False)

    # -- construction -------------------------------------------------------
    def _build_prepare_box(self) -> QGroupBox:
        self.prepare_form = ParamForm(PREPARE_PARAMS)
        self.prepare_form.changed.connect(self.changed)
        self.flats_label = note("")
        self.flats_label.setVisible(False)
        self.prepare_section = group_box("1. Prepare the images", self.flats_label, self.prepare_form,
                                         expanded=False)
        return self.prepare_section

    def _build_method_box(self) -> QGroupBox:
        self.method_combo = QComboBox()
        self.method_description = note("")
        self.method_description.setStyleSheet("color: #555; font-size: 11px;")
        self.method_forms = QWidget()
        forms_layout = QVBoxLayout(self.method_forms)
        forms_layout.setContentsMargins(0, 0, 0, 0)
        for spec in available_methods():
            self.method_combo.addItem(spec.label, spec.name)
            form = ParamForm(spec.params)
            form.changed.connect(self.changed)
            self._forms[spec.name] = form
            forms_layout.addWidget(form)
        self.method_combo.currentIndexChanged.connect(self._method_chosen)
        reset = QPushButton("Reset to defaults")
        reset.setToolTip("Put every parameter of this method back to its default value")
        reset.clicked.connect(lambda: self.method_form().reset_defaults())
        box = group_box("2. Registration method", self.method_combo, self.method_description, self.method_forms,
                        reset)
        self.method_section = box
        index = self.method_combo.findData(DEFAULT_METHOD)
        self.method_combo.setCurrentIndex(max(index, 0))
        self._method_chosen()
        return box

    def _build_frames_box(self) -> QGroupBox:
        self.stack_form = ParamForm(STACK_PARAMS)
        self.stack_form.changed.connect(self.changed)
        self.use_frame_button = QPushButton("Use the frame on screen as anchor")
        self.use_frame_button.setToolTip("Set the anchor (the frame every other frame is aligned with) "
                                         "to the frame shown in the viewer")
        self.use_frame_button.clicked.connect(self.use_frame_clicked)
        self.frames_section = group_box("3. How frames are aligned", self.stack_form, self.use_frame_button)
        return self.frames_section

    def _build_reference_box(self) -> QWidget:
        box = QWidget()
        self.own_frames_radio = QRadioButton("Frames of this stack (as set above)")
        self.separate_radio = QRadioButton("A separate image or stack:")
        self.own_frames_radio.setChecked(True)
        group = QButtonGroup(box)
        group.addButton(self.own_frames_radio)
        group.addButton(self.separate_radio)
        self.separate_radio.setToolTip("Register every frame onto this image (or onto frame i of this "
                                       "stack); it is used only as the target and is not saved")
        self.reference_edit = QLineEdit(placeholderText="image.tif, stack.npy or file.h5:/dataset")
        self.reference_edit.textChanged.connect(lambda text: text and self.separate_radio.setChecked(True))
        browse = QToolButton(text="...")
        browse.setToolTip("Choose the target image or stack")
        browse.clicked.connect(self._browse_reference)
        row = QHBoxLayout()
        row.addWidget(self.reference_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.own_frames_radio)
        layout.addWidget(self.separate_radio)
        layout.addLayout(row)
        self.target_section = group_box("4. Registration target", box, expanded=False)
        return self.target_section

    def _build_align_box(self) -> QGroupBox:
        box, layout = self._build_run_box("5. Run", "Align stack",
                                          "Align every frame with the settings above (runs in the background)")
        self.live_label = QLabel(" ")
        self.live_label.setStyleSheet("color: #555;")
        layout.addWidget(self.live_label)
        return box

    # -- reading the settings -----------------------------------------------
    def method(self) -> str:
        return self.method_combo.currentData()

    def method_form(self, name: Optional[str] = None) -> ParamForm:
        return self._forms[name or self.method()]

    def params(self) -> dict:
        """The current method's parameters, typed; an "auto" value (None) is left to the engine's default."""
        return _set_values(self.method_form().values())

    def stack_options(self) -> dict:
        return _set_values(self.stack_form.values())

    def prepare_options(self) -> dict:
        return self.prepare_form.values()

    def reference_spec(self) -> Optional[str]:
        """The separate registration target the user chose, or None to use the stack's own frames."""
        text = self.reference_edit.text().strip()
        return text if self.separate_radio.isChecked() and text else None

    def state(self) -> dict:
        return {"method": self.method(),
                "params": {name: form.values() for name, form in self._forms.items()},
                "stack_options": self.stack_form.values(),
                "prepare": self.prepare_form.values(),
                "reference": self.reference_edit.text().strip(),
                "use_reference": self.separate_radio.isChecked()}

    def load_state(self, state: dict) -> None:
        for name, values in state.get("params", {}).items():
            if name in self._forms:
                self._forms[name].set_values(values)
        index = self.method_combo.findData(state.get("method"))
        if index >= 0:
            self.method_combo.setCurrentIndex(index)
        self.stack_form.set_values(state.get("stack_options", {}))
        self.prepare_form.set_values(state.get("prepare", {}))
        self.reference_edit.setText(state.get("reference", ""))
        (self.separate_radio if state.get("use_reference") else self.own_frames_radio).setChecked(True)

    def set_references(self, stack) -> None:
        """Say whether the opened file brought flat and dark images (flat-field correction needs flats)."""
        flats, darks = stack.flats, stack.darks
        show_flat_field(self.prepare_form, stack)
        self.flats_label.setVisible(True)
        self.flats_label.setText(flats_text(flats, darks))

    def set_anchor(self, index: int) -> None:
        self.stack_form.set_value("anchor", index)

    # -- run state ----------------------------------------------------------
    def set_ready(self, ready: bool) -> None:
        """Enable Run only when a stack is loaded."""
        self._ready = ready
        self.run_button.setEnabled(ready and not self.cancel_button.isEnabled())
        self.use_frame_button.setEnabled(ready)

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        if running:
            self.live_label.setText(" ")

    def reset_run_state(self) -> None:
        super().reset_run_state()
        self.live_label.setText(" ")

    def show_progress(self, fraction: float, elapsed: float) -> None:
        self.time_label.setText(self._show_fraction(fraction, elapsed, _duration))

    def show_frame_result(self, index: int, result) -> None:
        t = result.transform
        self.live_label.setText(f"Frame {index}: dy {t.dy:+.2f}, dx {t.dx:+.2f} px"
                                + (f", {t.angle_deg:+.2f}°" if t.angle_deg else "")
                                + f", conf. {result.confidence:.2f}")

    def show_outcome(self, text: str) -> None:
        self.time_label.setText(text)

    # -- internals ----------------------------------------------------------
    def _method_chosen(self) -> None:
        name = self.method()
        spec = next(s for s in available_methods() if s.name == name)
        self.method_description.setText(spec.description)
        for form_name, form in self._forms.items():
            form.setVisible(form_name == name)
        self.changed.emit()

    def _browse_reference(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Registration target", self.start_folder,
                                              "Images (*.tif *.tiff *.npy *.h5 *.hdf5);;All files (*)")
        if path:
            self.reference_edit.setText(path)


def _set_values(values: dict) -> dict:
    return {name: value for name, value in values.items() if value is not None}


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
