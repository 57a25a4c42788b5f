"""Edits of the alignment's transforms (manual nudges, interpolated or fitted frames) with undo and redo.

Each edit replaces some rows of the transform table, re-samples only those frames of the aligned stack
and tells the window, so every view, the results table, the session and the saved files follow.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QUndoCommand, QUndoStack
from PyQt6.QtWidgets import QToolButton

from ...engine.stack import apply_transforms
from .context import RAW, CheckContext


class _RowsCommand(QUndoCommand):
    def __init__(self, edits: "TransformEdits", frames, before, after, text: str):
        super().__init__(text)
        self.edits, self.frames, self.before, self.after = edits, frames, before, after

    def redo(self) -> None:
        self.edits._write(self.frames, self.after)

    def undo(self) -> None:
        self.edits._write(self.frames, self.before)


class TransformEdits(QObject):
    """The undo stack of transform edits for the current alignment; `edited(frames)` after each change."""

    edited = pyqtSignal(list)

    def __init__(self, context: CheckContext):
        super().__init__(context)
        self.context = context
        self.undo_stack = QUndoStack(self)
        self._writing = False
        self._alignment = None
        context.data_changed.connect(self._data_changed)

    def _data_changed(self) -> None:
        """A new alignment (a run, a re-run, a session) that is not one of our edits starts a fresh history."""
        if not self._writing and self.context.alignment is not self._alignment:
            self.undo_stack.clear()
            self._alignment = self.context.alignment

    def transforms(self) -> np.ndarray:
        return np.array(self.context.alignment.transforms, dtype=float)

    def set_rows(self, frames, rows, text: str) -> None:
        """Give `frames` the transforms `rows` (one [dy, dx, angle] per frame), as one undoable edit."""
        frames = [int(f) for f in frames]
        after = np.asarray(rows, dtype=float).reshape(len(frames), 3)
        before = self.transforms()[frames]
        if np.array_equal(before, after):
            return
        self.undo_stack.push(_RowsCommand(self, frames, before, after, text))

    def set_table(self, table, text: str) -> None:
        """Replace the whole table; only the rows that differ are edited (and re-sampled)."""
        table = np.asarray(table, dtype=float)
        changed = np.flatnonzero(np.any(table != self.transforms(), axis=1))
        if changed.size:
            self.set_rows(changed, table[changed], text)

    def _write(self, frames: list, rows: np.ndarray) -> None:
        window = self.context.window
        table = self.transforms()
        table[frames] = rows
        raw = self.context.images(RAW)
        window.aligned[frames] = apply_transforms(raw[frames], rows)
        alignment = replace(window.alignment, transforms=table)
        self._alignment = alignment
        window.alignment = alignment
        window.view.refresh_aligned(frames)
        window.results.show_alignment(alignment)
        window.results.set_current(window.view.index)
        self._writing = True
        try:
            window.alignment_changed.emit(alignment)
        finally:
            self._writing = False
        self.edited.emit(frames)


def undo_redo_buttons(edits: TransformEdits, parent) -> tuple:
    """Two tool buttons bound to the undo stack; their tooltips say what would be undone or redone."""
    buttons = []
    for action in (edits.undo_stack.createUndoAction(parent, "Undo"),
                   edits.undo_stack.createRedoAction(parent, "Redo")):
        widget = QToolButton()
        widget.setDefaultAction(action)
        action.changed.connect(lambda widget=widget, action=action: (widget.setToolTip(action.text()),
                                                                    widget.setText(action.text().split()[0])))
        widget.setText(action.text().split()[0])
        buttons.append(widget)
    return tuple(buttons)
