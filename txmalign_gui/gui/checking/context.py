"""What the checking tools look at: the open stack (as prepared for registration), the aligned stack, the
alignment and the frame on screen, followed from the main window through one object with signals."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from ...engine.errors import TxmAlignError
from ..prepare import prepare_images

RAW, ALIGNED = "raw", "aligned"


class CheckContext(QObject):
    """`data_changed` fires when the stack, the alignment or the aligned frames change; `frame_changed(i)`
    when another frame is shown."""

    data_changed = pyqtSignal()
    frame_changed = pyqtSignal(int)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._raw: Optional[np.ndarray] = None
        self._raw_key = None
        window.stack_loaded.connect(lambda _: self._changed(drop_raw=True))
        window.alignment_changed.connect(lambda _: self._changed())
        window.view.frame_changed.connect(self.frame_changed)

    def _changed(self, drop_raw: bool = False) -> None:
        if drop_raw:
            self._raw, self._raw_key = None, None
        self.data_changed.emit()

    # -- what the tools read ------------------------------------------------
    @property
    def stack(self):
        return self.window.stack

    @property
    def alignment(self):
        return self.window.alignment

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
            return self.window.aligned is not None and self.alignment is not None
        return self.stack is not None

    def images(self, source: str) -> Optional[np.ndarray]:
        """The whole raw stack (prepared as the current alignment prepared it, so raw and aligned values
        compare) or the aligned stack; None when there is none."""
        if source == ALIGNED:
            return self.window.aligned if self.has(ALIGNED) else None
        if self.stack is None:
            return None
        prepare = dict(self.alignment.prepare) if self.alignment is not None else {}
        key = tuple(sorted(prepare.items()))
        if self._raw is None or self._raw_key != key:
            try:
                loaded = self.stack.load()
            except TxmAlignError as error:  # e.g. a stack that does not fit in memory: say so, show nothing
                self.window.show_error(str(error))
                return None
            self._raw = prepare_images(self.stack, loaded, prepare)
            self._raw_key = key
        return self._raw

    def frame(self, source: str, index: int) -> Optional[np.ndarray]:
        images = self.images(source)
        return None if images is None else images[index]

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
