"""What the checking tools look at: the document's stack (as prepared for registration), the aligned stack,
the alignment and the frame on screen, with signals that say what changed."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from ...engine.errors import TxmAlignError
from ..document import ALIGNED as ALIGNED_FIELD
from ..document import ALIGNMENT, PREPARE, STACK

RAW, ALIGNED = "raw", "aligned"


class CheckContext(QObject):
    """`data_changed` fires when the stack, the alignment or the aligned frames change as a whole;
    `frames_changed(frames)` when only some frames' transforms were edited (a nudge, a repair);
    `stack_changed` when another file was opened; `frame_changed(i)` when another frame is shown."""

    data_changed = pyqtSignal()
    frames_changed = pyqtSignal(list)
    stack_changed = pyqtSignal()
    frame_changed = pyqtSignal(int)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.model.changed.connect(self._document_changed)
        window.view.frame_changed.connect(self.frame_changed)

    def _document_changed(self, fields: frozenset, frames) -> None:
        if STACK in fields:
            self.stack_changed.emit()
        if frames is not None and fields == {ALIGNMENT}:
            self.frames_changed.emit([int(f) for f in frames])
        elif fields & {STACK, ALIGNMENT, ALIGNED_FIELD} or (PREPARE in fields and self.alignment is None):
            self.data_changed.emit()

    # -- what the tools read ------------------------------------------------
    @property
    def stack(self):
        return self.model.stack

    @property
    def alignment(self):
        return self.model.alignment

    @property
    def index(self) -> int:
        return self.window.view.index

    @property
    def count(self) -> int:
        return 0 if self.stack is None else len(self.stack)

    @property
    def shape(self) -> Optional[tuple]:
        return None if self.stack is None else tuple(self.stack.shape[1:])

    def has(self, source: str) -> bool:
        if source == ALIGNED:
            return self.model.aligned is not None and self.alignment is not None
        return self.stack is not None

    def images(self, source: str) -> Optional[np.ndarray]:
        """The whole raw stack (prepared as the current alignment prepared it, or as the panel says before
        aligning, so raw and aligned values compare) or the aligned stack; None when there is none."""
        if source == ALIGNED:
            return self.model.aligned if self.has(ALIGNED) else None
        if self.stack is None:
            return None
        prepare = self.alignment.prepare if self.alignment is not None else self.model.prepare
        try:
            return self.window.prepared.images(self.stack, prepare)
        except TxmAlignError as error:  # e.g. a stack that does not fit in memory: say so, show nothing
            self.window.show_error(str(error))
            return None

    def frame(self, source: str, index: int) -> Optional[np.ndarray]:
        images = self.images(source)
        return None if images is None or not 0 <= index < len(images) else images[index]

    def available_sources(self) -> list:
        return [s for s in (RAW, ALIGNED) if self.has(s)]

    def axis(self) -> tuple:
        """(values per frame, label) for plots against the frame: energies, angles or the index."""
        stack = self.stack
        if stack is not None and stack.energies is not None and len(stack.energies) == self.count:
            return np.asarray(stack.energies, dtype=float), "Energy (eV)"
        if stack is not None and stack.angles is not None and len(stack.angles) == self.count:
            return np.asarray(stack.angles, dtype=float), "Angle (°)"
        return np.arange(self.count, dtype=float), "Frame"
