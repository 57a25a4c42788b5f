"""Edits of the alignment's transforms (manual nudges, interpolated or fitted frames) as undoable steps
of the document.

Each edit replaces some rows of the transform table; the window re-samples only those frames of the
aligned stack, so every view, the results table, the session and the saved files follow.  Undo and
Redo are the document's (Edit menu).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PyQt6.QtWidgets import QToolButton

from .context import CheckContext


class TransformEdits:
    """Writes transform edits into the document of `context`."""

    def __init__(self, context: CheckContext):
        self.context = context

    def transforms(self) -> np.ndarray:
        return np.array(self.context.alignment.transforms, dtype=float)

    def set_rows(self, frames, rows, text: str) -> None:
        """Give `frames` the transforms `rows` (one table row per frame, as wide as the alignment's table:
        [dy, dx, angle], + scale, or [dy, dx, a11, a12, a21, a22]), as one undoable edit."""
        frames = [int(f) for f in frames]
        table = self.transforms()
        after = np.asarray(rows, dtype=float).reshape(len(frames), table.shape[1])
        if np.array_equal(table[frames], after):
            return
        table[frames] = after
        alignment = replace(self.context.alignment, transforms=table)
        self.context.model.edit(text, frames=tuple(frames), alignment=alignment)

    def set_table(self, table, text: str) -> None:
        """Replace the whole table; only the rows that differ are edited (and re-sampled)."""
        table = np.asarray(table, dtype=float)
        changed = np.flatnonzero(np.any(table != self.transforms(), axis=1))
        if changed.size:
            self.set_rows(changed, table[changed], text)


def undo_redo_buttons(model, parent) -> tuple:
    """Two tool buttons bound to the document's Undo and Redo; their tooltips say what would be undone."""
    buttons = []
    for action in (model.undo_action, model.redo_action):
        widget = QToolButton(parent)
        widget.setDefaultAction(action)
        action.changed.connect(lambda widget=widget, action=action: (widget.setToolTip(action.text()),
                                                                    widget.setText(action.text().split()[0])))
        widget.setText(action.text().split()[0])
        buttons.append(widget)
    return tuple(buttons)
