"""The automatic refinement as a job for the window's JobRunner: a frozen copy of the images, landmarks and
settings taken when the button was pressed; `run(progress)` never touches a widget."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import numpy as np

from ...batch.correlate_job import CorrelativeOutput, correlate_images
from ...engine.progress import Progress


@dataclass(frozen=True)
class RefineJob:
    xray: np.ndarray
    em: np.ndarray
    landmarks: Optional[tuple]
    params: Mapping = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def run(self, progress: Progress) -> CorrelativeOutput:
        return correlate_images(self.xray, self.em, landmarks=self.landmarks, params=dict(self.params),
                                progress=progress)
