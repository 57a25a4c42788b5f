"""The 'Manual correction' tab: nudge the frame on screen with the arrow keys (0.1 px; 1 px with Shift)
or type its transform, watching the comparison with a reference frame update live; every change can be
undone."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .comparison_view import ComparisonView
from .context import ALIGNED, CheckContext
from .reference_picker import ReferencePicker
from .transform_edits import TransformEdits, undo_redo_buttons
from .widgets import button, double_spin, hint, row

FINE, COARSE = 0.1, 1.0
_ARROWS = {Qt.Key.Key_Left: (0.0, -1.0), Qt.Key.Key_Right: (0.0, 1.0), Qt.Key.Key_Up: (-1.0, 0.0),
           Qt.Key.Key_Down: (1.0, 0.0)}


class ManualTool(QWidget):
    """Edits the transform of the frame on screen through `edits`; the picture shows it against a reference."""

    wants_height = True  # the window gives this tab half its height, to judge a tenth of a pixel

    def __init__(self, context: CheckContext, edits: TransformEdits, parent=None):
        super().__init__(parent)
        self.context, self.edits = context, edits
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.frame_label = QLabel(wordWrap=True)
        self.frame_label.setStyleSheet("font-weight: bold;")
        self.frame_label.setMinimumWidth(80)
        self.spins = {name: double_spin(-10000, 10000, 0.0, step, 3, tip, suffix) for name, step, tip, suffix in (
            ("dy", FINE, "Shift down (rows) applied to this frame", " px"),
            ("dx", FINE, "Shift right (columns) applied to this frame", " px"),
            ("angle", 0.05, "Counter-clockwise rotation applied to this frame", " °"))}
        for box in self.spins.values():
            box.editingFinished.connect(self._typed)
        self.undo_button, self.redo_button = undo_redo_buttons(context.model, self)
        arrows = [button(text, f"Move the frame {where} by 0.1 px (Shift + arrow key: 1 px)",
                         lambda d=d: self.nudge(*d, FINE))
                  for text, where, d in (("←", "left", (0.0, -1.0)), ("→", "right", (0.0, 1.0)),
                                         ("↑", "up", (-1.0, 0.0)), ("↓", "down", (1.0, 0.0)))]
        self.view = ComparisonView()
        self.view.link_to(context.window.view.viewbox)
        self.reference = ReferencePicker(context)
        self.reference.changed.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.frame_label, "dy", self.spins["dy"], "dx", self.spins["dx"], "angle",
                             self.spins["angle"], *arrows, self.undo_button, self.redo_button))
        self.view.add_control(self.reference)
        self.help = hint("Click here, then use the arrow keys: 0.1 px per press, 1 px with Shift; "
                         "Edit > Undo (Ctrl+Z) takes nudges back.")
        layout.addWidget(self.help)
        layout.addWidget(self.view, 1)
        context.data_changed.connect(self.refresh)
        context.frame_changed.connect(lambda _: self.refresh())
        context.frames_changed.connect(lambda frames: self.context.index in frames and self.refresh(nudged=True))
        self.refresh()

    def nudge(self, down: float, right: float, step: float) -> None:
        """Move the frame on screen by `step` pixels in the direction (down, right)."""
        if self.context.alignment is None:
            return
        index = self.context.index
        dy, dx, angle = self.edits.transforms()[index]
        self.edits.set_rows([index], [[dy + down * step, dx + right * step, angle]],
                            f"Nudge frame {index} by ({down * step:+.1f}, {right * step:+.1f}) px")

    def _typed(self) -> None:
        if self.context.alignment is None:
            return
        index = self.context.index
        values = [self.spins[name].value() for name in ("dy", "dx", "angle")]
        self.edits.set_rows([index], [values], f"Type the transform of frame {index}")

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in _ARROWS and self.context.alignment is not None:
            step = COARSE if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else FINE
            self.nudge(*_ARROWS[event.key()], step)
            event.accept()
            return
        super().keyPressEvent(event)

    def refresh(self, nudged: bool = False) -> None:
        alignment = self.context.alignment
        ready = alignment is not None and self.context.has(ALIGNED)
        for widget in (*self.spins.values(), self.view):
            widget.setEnabled(ready)
        if not ready:
            self.frame_label.setText("Align the stack first; then correct any frame by hand here.")
            self.view.set_images(None, None)
            return
        index, reference = self.context.index, self.reference.index()
        self.frame_label.setText(f"Frame {index}:")
        for name, value in zip(("dy", "dx", "angle"), alignment.transforms[index]):
            self.spins[name].blockSignals(True)
            self.spins[name].setValue(float(value))
            self.spins[name].blockSignals(False)
        self.view.set_images(self.context.frame(ALIGNED, index), self.context.frame(ALIGNED, reference),
                             f"Aligned frame {index} against frame {reference}", keep_range=nudged)
