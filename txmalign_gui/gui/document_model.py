"""The thin Qt side of the document: its change notifications as a signal, and Undo / Redo actions.

Widgets connect to `changed(fields, frames)` and test `fields` for what they show;
the signal is emitted on the GUI thread because the document is only changed there.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence

from .document import Document


class DocumentModel(QObject):
    """Owns a Document (`document`) and re-emits its changes; `undo_action` / `redo_action` follow the history."""

    changed = pyqtSignal(frozenset, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.document = Document()
        self.undo_action = QAction("Undo", self, shortcut=QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action = QAction("Redo", self, shortcut=QKeySequence(QKeySequence.StandardKey.Redo))
        self.undo_action.triggered.connect(lambda: self.document.undo())
        self.redo_action.triggered.connect(lambda: self.document.redo())
        self.document.subscribe(self._changed)
        self._update_actions()

    def __getattr__(self, name: str):
        """Fields and methods of the document (`model.alignment`, `model.edit(...)`)."""
        if name.startswith("_") or name in ("document",):
            raise AttributeError(name)
        return getattr(self.__dict__.get("document") or super().__getattribute__("document"), name)

    def _changed(self, fields: frozenset, frames) -> None:
        self._update_actions()
        self.changed.emit(fields, frames)

    def _update_actions(self) -> None:
        for action, verb, text in ((self.undo_action, "Undo", self.document.undo_text()),
                                   (self.redo_action, "Redo", self.document.redo_text())):
            action.setEnabled(text is not None)
            action.setText(f"{verb} {text[0].lower()}{text[1:]}" if text else verb)
