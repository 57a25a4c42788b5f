"""The state of the correlative mode, without widgets: the two images, the landmark pairs, the fit and the
refined result.  Widgets show it and change it only through these methods; `changed` follows every change.

Landmarks are pairs of an X-ray point and an EM point ((row, col) pixels of each image); a pair may lack one
side while the user is clicking.  Complete pairs (3 or more) are fitted at once with the chosen model; a fit
that cannot be made (collinear points...) leaves `fit` None and says why in `fit_error`.
"""

from __future__ import annotations

import os
from typing import List, Optional

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from ...engine.correlative import LandmarkFit, PointMap, fit_landmarks
from ...engine.errors import InputError

SIDES = ("xray", "em")


class CorrelativeModel(QObject):
    """Images (`xray`, `em`), `pairs` ([[xray point or None, em point or None], ...]), `model`, `fit` and
    `output` (the last refinement's batch.correlate_job.CorrelativeOutput, or None)."""

    changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.xray: Optional[np.ndarray] = None
        self.xray_source = ""
        self.xray_frame: Optional[int] = None
        self.em: Optional[np.ndarray] = None
        self.em_source = ""
        self.pairs: List[list] = []
        self.model = "similarity"
        self.fit: Optional[LandmarkFit] = None
        self.fit_error = ""
        self.output = None

    # -- images -------------------------------------------------------------
    def set_xray(self, image: np.ndarray, source: str, frame: Optional[int] = None) -> None:
        """A new X-ray image: the landmarks' X-ray sides and the result belong to the old one and go."""
        self.xray, self.xray_source, self.xray_frame = np.asarray(image, dtype=np.float32), source, frame
        self.pairs = [[None, em] for _, em in self.pairs if em is not None]
        self._changed(keep_output=False)

    def describe_xray(self) -> str:
        name = os.path.basename(self.xray_source.split(":")[0] if ":" in self.xray_source[2:] else self.xray_source)
        return name if self.xray_frame is None else f"frame {self.xray_frame} of {name}"

    def set_em(self, image: np.ndarray, source: str) -> None:
        self.em, self.em_source = np.asarray(image), source
        self.pairs = [[xray, None] for xray, _ in self.pairs if xray is not None]
        self._changed(keep_output=False)

    # -- landmarks ----------------------------------------------------------
    def add_point(self, side: str, point) -> int:
        """Put `point` on `side` of the first pair that lacks that side (or of a new pair); returns the pair."""
        column = SIDES.index(side)
        point = (float(point[0]), float(point[1]))
        for index, pair in enumerate(self.pairs):
            if pair[column] is None:
                pair[column] = point
                self._changed()
                return index
        pair = [None, None]
        pair[column] = point
        self.pairs.append(pair)
        self._changed()
        return len(self.pairs) - 1

    def move_point(self, side: str, index: int, point) -> None:
        self.pairs[index][SIDES.index(side)] = (float(point[0]), float(point[1]))
        self._changed()

    def delete_pair(self, index: int) -> None:
        del self.pairs[index]
        self._changed()

    def clear_pairs(self) -> None:
        self.pairs = []
        self._changed()

    def complete_pairs(self) -> tuple:
        """(X-ray points, EM points) of the pairs with both sides, each (N, 2)."""
        full = [(x, e) for x, e in self.pairs if x is not None and e is not None]
        xray = np.array([x for x, _ in full], float).reshape(-1, 2)
        return xray, np.array([e for _, e in full], float).reshape(-1, 2)

    def set_model(self, model: str) -> None:
        if model != self.model:
            self.model = model
            self._changed()

    # -- results ------------------------------------------------------------
    def set_output(self, output) -> None:
        self.output = output
        self.changed.emit()

    def point_map(self) -> Optional[PointMap]:
        """The refined map when there is one, else the landmark fit's."""
        if self.output is not None:
            return self.output.result.point_map
        return None if self.fit is None else self.fit.point_map

    def _changed(self, keep_output: bool = True) -> None:
        """Refit the complete pairs; a landmark edit keeps the refined result (it is still a result of these
        images) but a new image drops it."""
        if not keep_output:
            self.output = None
        xray, em = self.complete_pairs()
        self.fit, self.fit_error = None, ""
        if len(xray):
            try:
                self.fit = fit_landmarks(xray, em, self.model)
            except InputError as error:
                self.fit_error = str(error)
        self.changed.emit()

    # -- sessions -----------------------------------------------------------
    def to_dict(self) -> dict:
        """What a session keeps: where the images come from, the landmarks, the model and the refined map."""
        output = self.output
        return {"xray_source": self.xray_source, "xray_frame": self.xray_frame, "em_source": self.em_source,
                "pairs": [[None if p is None else list(p) for p in pair] for pair in self.pairs], "model": self.model,
                "result": None if output is None else output.result.to_dict()}

    def load_pairs(self, pairs: list, model: str) -> None:
        self.model = model
        self.pairs = [[None if p is None else (float(p[0]), float(p[1])) for p in pair] for pair in pairs]
        self._changed()
