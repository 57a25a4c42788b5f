"""The 'Manual correction' tab: nudge the frame on screen with the arrow keys (0.1 px; 1 px with Shift)
or type its transform, watching the comparison with a reference frame update live; every change can be
undone.  A similarity result adds its scale (typed in %); an affine one is nudged and typed in dy / dx only,
its matrix kept as the alignment found it."""

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
            ("angle", 0.05, "Counter-clockwise rotation applied to this frame", " °"),
            ("scale", 0.01, "Magnification change applied to this frame about its centre: (scale - 1) x 100",
             " %"))}
        self.spin_labels = {name: QLabel(name) for name in self.spins}
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
        spins = [widget for name in self.spins for widget in (self.spin_labels[name], self.spins[name])]
        layout.addLayout(row(self.frame_label, *spins, *arrows, self.undo_button, self.redo_button))
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
        moved = self.edits.transforms()[index]
        moved[:2] += (down * step, right * step)  # dy, dx lead every kind's row
        self.edits.set_rows([index], [moved],
                            f"Nudge frame {index} by ({down * step:+.1f}, {right * step:+.1f}) px")

    def _typed(self) -> None:
        if self.context.alignment is None:
            return
        index = self.context.index
        typed = self.edits.transforms()[index]
        for column, name in _editable(len(typed)):
            spin = self.spins[name]
            if round(_to_spin(name, typed[column]), spin.decimals()) != spin.value():  # keep untouched values exact
                typed[column] = _from_spin(name, spin.value())
        self.edits.set_rows([index], [typed], f"Type the transform of frame {index}")

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
        values = alignment.transforms[index]
        editable = dict((name, column) for column, name in _editable(len(values)))
        for name, spin in self.spins.items():
            spin.setVisible(name in editable)
            self.spin_labels[name].setVisible(name in editable)
            if name in editable:
                spin.blockSignals(True)
                spin.setValue(_to_spin(name, float(values[editable[name]])))
                spin.blockSignals(False)
        self.view.set_images(self.context.frame(ALIGNED, index), self.context.frame(ALIGNED, reference),
                             f"Aligned frame {index} against frame {reference}", keep_range=nudged)


def _editable(width: int) -> tuple:
    """(column, spin name) of a table row of `width` that can be typed: an affine's matrix is left alone."""
    return ((0, "dy"), (1, "dx"), (2, "angle"), (3, "scale"))[:{3: 3, 4: 4}.get(width, 2)]


def _to_spin(name: str, value: float) -> float:
    return (value - 1.0) * 100.0 if name == "scale" else value


def _from_spin(name: str, value: float) -> float:
    return 1.0 + value / 100.0 if name == "scale" else value
