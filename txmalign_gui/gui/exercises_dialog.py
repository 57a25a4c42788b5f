"""Help > Teaching exercises: create an exercise stack and open it, then check the answer from the state
of the app (the frame index typed in, the painted mask, the current alignment)."""

from __future__ import annotations

import os
from typing import Optional

from PyQt6.QtCore import QStandardPaths
from PyQt6.QtWidgets import QComboBox, QDialog, QLabel, QPushButton, QSpinBox, QVBoxLayout

from ..engine.errors import TxmAlignError
from ..engine.teaching import EXERCISES, check_frame, check_mask, check_transforms, make_exercise
from ..io.exercise_files import read_exercise_info, write_exercise
from .checking.widgets import row


def exercise_folder() -> str:
    folder = os.path.join(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation),
                          "exercises")
    os.makedirs(folder, exist_ok=True)
    return folder


class ExercisesDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Teaching exercises")
        self.resize(560, 360)
        self.combo = QComboBox()
        for spec in EXERCISES.values():
            self.combo.addItem(spec.title, spec.name)
        self.combo.currentIndexChanged.connect(lambda _: self._chosen())
        self.task = QLabel(wordWrap=True)
        self.open_button = QPushButton("Create and open")
        self.open_button.setToolTip("Write the exercise stack to your application data folder and open it")
        self.open_button.clicked.connect(self.create_and_open)
        self.frame_spin = QSpinBox(minimum=0, maximum=100000)
        self.frame_spin.setToolTip("Index of the frame you think is bad (counting from 0, as the viewer does)")
        self.check_button = QPushButton("Check my answer")
        self.check_button.setToolTip("Checks the frame index (bad frame), the painted mask (beam block) and "
                                     "the current alignment against the exercise's answer")
        self.check_button.clicked.connect(self.check)
        self.verdict = QLabel(wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addLayout(row("Exercise:", self.combo, self.open_button))
        layout.addWidget(self.task)
        layout.addLayout(row("Bad frame:", self.frame_spin, self.check_button))
        layout.addWidget(self.verdict, 1)
        self._chosen()

    def _chosen(self) -> None:
        spec = EXERCISES[self.combo.currentData()]
        self.task.setText(spec.task)
        self.frame_spin.setEnabled(spec.name == "bad_frame")

    def create_and_open(self) -> Optional[str]:
        name = self.combo.currentData()
        path = os.path.join(exercise_folder(), f"exercise_{name}.h5")
        try:
            if not os.path.exists(path):
                write_exercise(path, make_exercise(name))
        except (TxmAlignError, OSError) as error:
            self.verdict.setText(f"Could not create the exercise: {error}")
            return None
        self.window.open_path(path)
        self.verdict.setText("Opened. Work on it, then press 'Check my answer'.")
        return path

    def check(self) -> list:
        """[(what, Verdict)] for what the open exercise asks; also shown in the dialog."""
        document = self.window.model.document
        stack = document.stack
        try:
            if stack is None:
                raise TxmAlignError("open the exercise first ('Create and open')")
            name, seed = read_exercise_info(stack.path)
            truth = make_exercise(name, seed)
            verdicts = []
            if name == "bad_frame":
                verdicts.append(("bad frame", check_frame(truth, self.frame_spin.value())))
            if name == "beam_block":
                mask = document.mask
                if mask is None:
                    raise TxmAlignError("paint the beam block on the 'ROI and mask' tab first")
                verdicts.append(("mask", check_mask(truth, mask)))
            alignment = document.alignment
            if alignment is None:
                verdicts.append(("alignment", None))
            else:
                skip = [truth.answer["frame"]] if "frame" in truth.answer else []
                verdicts.append(("alignment", check_transforms(truth, alignment.transforms, skip)))
        except TxmAlignError as error:
            self.verdict.setText(str(error))
            return []
        lines = [f"<b>{what}</b>: " + ("run an alignment first" if v is None else
                                       ("<span style='color:#1b6e20'>right</span> - " if v.correct else
                                        "<span style='color:#b00'>not yet</span> - ") + v.message)
                 for what, v in verdicts]
        self.verdict.setText("<br>".join(lines))
        return verdicts


def install_exercises(window, menu) -> None:
    holder = {}

    def show() -> None:
        if "dialog" not in holder:
            holder["dialog"] = ExercisesDialog(window)
            window.exercises_dialog = holder["dialog"]
        holder["dialog"].show()
        holder["dialog"].raise_()

    action = menu.addAction("Teaching &exercises...")
    action.setStatusTip("Generated stacks with a known answer and a check of your result")
    action.triggered.connect(lambda _=False: show())
