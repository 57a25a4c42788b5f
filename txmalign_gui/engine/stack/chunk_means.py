"""The chunked strategy: images onto their local target, then the chunks linked through their averages.

Linking single local targets (Xiao et al. 2022) adds each link's noise error along the chain: on the
example's 101-image XANES stack the targets far from the anchor drifted by 0.1-0.2 px.  Here every image
is first registered to its local target; each chunk's images are then moved onto the target (images whose
pair is not ok stay out, unless only their precision is in doubt) and averaged with it, and each chunk's
average is registered to the neighbouring chunk's average toward the anchor.  An average of k images has
1/sqrt(k) of one image's noise, so the links, the only errors that add up, become several times more
precise (0.104 -> 0.046 px RMS on the 1024 px example).  Pixels an image does not cover take the average
so far, so the average has no borders of its own.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple, cast

import numpy as np

from ..result import LOW_CONFIDENCE, OK, RegistrationResult
from ..transform import apply_transform
from . import plan
from .chain import TreeAssembler
from .runner import Frames, Pair, PairPool, PairRegistrar, register_pairs

# The largest measured standard error (px, both axes combined) with which an imprecise image still joins its
# chunk's average (see `joins`).
JOIN_PRECISION_PX = 0.3


class ChunkAverages:
    """Running sums of each local target and the images registered onto it, resampled onto the target, in
    the rows of one (targets, H, W) block that `averages` divides in place.

    A row is started (with its target) when its chunk's first image arrives, not up front: the workers are
    forked before most do, and pages this process has not written yet are resident nowhere, while a sum
    they inherited would stay resident in them as well once this process wrote to its copy.  Dividing in
    place, instead of into a new block (60 MB of fresh pages for a 101 x 1024 px stack), took the serial
    step before the links from 0.15-0.23 s to 5 ms."""

    def __init__(self, frames: Frames, targets: Sequence[int]):
        self.frames = frames
        self.row = {target: k for k, target in enumerate(targets)}
        self.counts = np.ones(len(targets))
        self._block: Optional[np.ndarray] = None
        self._started: Set[int] = set()

    def _sum(self, target: int) -> np.ndarray:
        if self._block is None:  # address space only, until rows are written
            self._block = np.empty((len(self.row),) + tuple(self.frames.stack.shape[1:]), dtype=np.float32)
        k = self.row[target]
        if k not in self._started:
            self._block[k] = self.frames.stack[target]
            self._started.add(k)
        return self._block[k]

    def add(self, pair: Pair, result: RegistrationResult) -> None:
        """Add the moving image of `pair`, moved by its registration, to its target's sum (`joins`)."""
        target, moving = pair
        if target is None or not joins(result):
            return
        k, total = self.row[target], self._sum(target)
        moved = apply_transform(np.asarray(self.frames.stack[moving], dtype=np.float32), result.transform)
        uncovered = np.isnan(moved)
        if uncovered.any():
            moved[uncovered] = total[uncovered] / np.float32(self.counts[k])
        total += moved
        self.counts[k] += 1

    def averages(self) -> np.ndarray:
        """The averages (targets, H, W), made from the sums in place (a target that no image joined: its own
        frame), so the sums are gone afterwards."""
        for target, k in self.row.items():
            total = self._sum(target)
            np.divide(total, np.float32(self.counts[k]), out=total)
        block, self._block, self._started = self._block, None, set()
        assert block is not None  # _sum made it
        return block


def joins(result: RegistrationResult) -> bool:
    """Whether a registered image joins its chunk's average: ok, or flagged only because noise leaves its
    measured precision worse than an ok answer's, within JOIN_PRECISION_PX.  Such an error moves an average
    of k images by a k-th of it, and leaving the image out costs more: on the 512 px example stacks the
    chunked RMS error went 0.061 -> 0.071 px (seed 0) and 0.085 -> 0.111 px (seed 1) without them."""
    if result.status == OK:
        return True
    error = result.details.get("precision_px")
    return (result.status == LOW_CONFIDENCE and bool(result.details.get("precision_limited"))
            and error is not None and float(np.hypot(*error)) <= JOIN_PRECISION_PX)


def align_chunked(frames: Frames, registrar: PairRegistrar, count: int, anchor: int, chunk_size: int,
                  jobs: int, reporter, on_image) -> Tuple[TreeAssembler, Dict[Pair, RegistrationResult]]:
    """Register every image onto its local target, then each chunk's average onto the next one toward
    the anchor; returns (assembler, {pair: result}) with the links keyed by their targets' indices."""
    parents = plan.tree_parents("chunked", count, anchor, chunk_size)
    targets = plan.local_targets(count, anchor, chunk_size)
    assembler = TreeAssembler(parents, registrar.method, registrar.params, on_image)
    members: List[Pair] = [pair for pair in plan.tree_pairs(parents) if pair[1] not in targets]
    links: List[Tuple[int, int]] = [(parents[t], t) for t in targets if parents[t] != t]
    split = len(members) / max(len(members) + len(links), 1)
    sums = ChunkAverages(frames, targets)

    def on_member(pair: Pair, result: RegistrationResult) -> None:
        sums.add(pair, result)
        assembler.add(pair[1], result)

    with PairPool() as pool:  # the links are timed by the members' pairs and go to the same workers
        results: Dict[Pair, RegistrationResult] = register_pairs(members, frames, registrar, jobs,
                                                                 reporter.sub(0.0, split), on_member, pool)
        reporter.update(split, "averaging each chunk onto its local target")
        averages = Frames(sums.averages())
        row = sums.row
        by_row: List[Pair] = [(row[fixed], row[moving]) for fixed, moving in links]
        linked = register_pairs(by_row, averages, registrar, jobs, reporter.sub(split, 1.0),
                                lambda pair, result: assembler.add(targets[pair[1]], result), pool)
    results.update({(targets[cast(int, a)], targets[b]): result for (a, b), result in linked.items()})
    return assembler, results


def averaging_helps(count: int, anchor: int, chunk_size: int) -> bool:
    """Whether there are chunks to average (chunks of 2 or more) and links between them (2 or more targets)."""
    return chunk_size > 1 and len(plan.local_targets(count, anchor, chunk_size)) > 1
