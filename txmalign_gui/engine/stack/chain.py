"""Turn the pair results of a tree strategy into per-image transforms relative to the anchor.

An image's transform is its pair's transform followed by its parent's; its status is the worst and its
confidence the lowest along the chain, since an error anywhere on the way moves it too.  Images are
reported as soon as their whole chain is known, so a live preview fills in from the anchor outwards.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from ..result import FAILED, LOW_CONFIDENCE, OK, RegistrationResult
from ..transform import Transform, as_table

_SEVERITY = {OK: 0, LOW_CONFIDENCE: 1, FAILED: 2}

OnImage = Callable[[int, RegistrationResult], None]


def worst(*statuses: str) -> str:
    return max(statuses, key=_SEVERITY.__getitem__)


class TreeAssembler:
    """Collects pair results for `parents` (None = the separate reference image) and composes chains."""

    def __init__(self, parents: Sequence[Optional[int]], method: str, params: dict,
                 on_image: Optional[OnImage] = None):
        self.parents = parents
        self.results: Dict[int, RegistrationResult] = {}
        self._pending: Dict[int, RegistrationResult] = {}
        self._on_image = on_image
        for index, parent in enumerate(parents):
            if parent == index:
                self._emit(index, RegistrationResult(Transform(), 0.0, method, params, 0.0))

    def add(self, moving: int, pair_result: RegistrationResult) -> None:
        """Record the registration of image `moving` onto its parent; emit every chain now complete."""
        self._pending[moving] = pair_result
        ready = [moving]
        while ready:
            index = ready.pop()
            parent = self.parents[index]
            if index not in self._pending or (parent is not None and parent not in self.results):
                continue
            self._emit(index, self._compose(index, self._pending.pop(index), parent))
            ready.extend(child for child in self._pending if self.parents[child] == index)

    def _compose(self, index: int, pair: RegistrationResult, parent: Optional[int]) -> RegistrationResult:
        if parent is None:
            return pair
        above = self.results[parent]
        status = worst(pair.status, above.status)
        message = pair.message
        if above.status != OK:
            message = (message + "; " if message else "") + f"chained through image {parent} ({above.status})"
        return dataclasses.replace(pair, transform=pair.transform.then(above.transform), status=status,
                                   confidence=min(pair.confidence, above.confidence), message=message)

    def _emit(self, index: int, result: RegistrationResult) -> None:
        self.results[index] = result
        if self._on_image is not None:
            self._on_image(index, result)

    def arrays(self):
        """(transforms (N, 3 | 4 | 6: the most general kind found), costs, confidences, statuses) in image
        order."""
        ordered = [self.results[i] for i in range(len(self.parents))]
        return (as_table([r.transform for r in ordered]), np.array([r.cost for r in ordered]),
                np.array([r.confidence for r in ordered]), [r.status for r in ordered])
