"""Run many pair registrations, serially or in a process pool, with identical results either way.

Workers receive the two frames of each pair (the settings once, at start-up), so nothing is shared but
what a pair needs and memory stays bounded: at most two pairs per worker are in flight.  Cancellation is
checked while waiting for results; pending pairs are then dropped and `Cancelled` is raised.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..pair import register_pair
from ..progress import Progress
from ..result import RegistrationResult

Pair = Tuple[Optional[int], int]  # (fixed index, or None for the single reference image; moving index)
OnPair = Callable[[Pair, RegistrationResult], None]

_POLL_SECONDS = 0.1


class PairRegistrar:
    """Registers frames with one method, its resolved parameters, a mask and an ROI (and, when `check`
    names a method, a second opinion on every pair)."""

    def __init__(self, method: str, params: dict, mask=None, roi=None, check=None):
        self.method, self.params, self.mask, self.roi, self.check = method, params, mask, roi, check

    def __call__(self, fixed: np.ndarray, moving: np.ndarray, progress=None) -> RegistrationResult:
        return register_pair(fixed, moving, self.method, params=self.params, mask=self.mask, roi=self.roi,
                             progress=progress, check=self.check)


class Frames:
    """Looks up the moving frame and the registration target of a pair."""

    def __init__(self, stack: np.ndarray, reference: Optional[np.ndarray] = None):
        self.stack, self.reference = stack, reference

    def target(self, fixed: Optional[int]) -> np.ndarray:
        if self.reference is None:
            return self.stack[fixed]
        return self.reference if self.reference.ndim == 2 else self.reference[fixed]

    def pair(self, pair: Pair):
        return self.target(pair[0]), self.stack[pair[1]]


_WORKER_REGISTRAR: Optional[PairRegistrar] = None


def _start_worker(registrar: PairRegistrar) -> None:
    global _WORKER_REGISTRAR
    _WORKER_REGISTRAR = registrar


def _work(fixed: np.ndarray, moving: np.ndarray) -> RegistrationResult:
    assert _WORKER_REGISTRAR is not None, "the pool initializer sets it"
    return _WORKER_REGISTRAR(fixed, moving)


def worker_count(jobs: int) -> int:
    """`jobs`, with 0 meaning one worker per CPU core."""
    return max(1, os.cpu_count() or 1) if jobs == 0 else jobs


def _pool_context():
    # forkserver avoids forking a multi-threaded caller (the GUI) and starts workers faster than spawn.
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["txmalign_gui.engine.pair"])
        return context
    return multiprocessing.get_context()


def register_pairs(pairs: Sequence[Pair], frames: Frames, registrar: PairRegistrar, jobs: int,
                   progress: Progress, on_pair: Optional[OnPair] = None) -> Dict[Pair, RegistrationResult]:
    """Register every pair; `on_pair(pair, result)` is called in this thread as each one finishes."""
    workers = min(worker_count(jobs), len(pairs))
    if workers <= 1:
        return _serial(pairs, frames, registrar, progress, on_pair)
    return _parallel(pairs, frames, registrar, workers, progress, on_pair)


def _finish(results, pair, result, total, progress, on_pair) -> None:
    results[pair] = result
    if on_pair is not None:
        on_pair(pair, result)
    progress.update(len(results) / total, f"registered {len(results)} of {total} pairs")


def _serial(pairs, frames, registrar, progress, on_pair):
    results: Dict[Pair, RegistrationResult] = {}
    total = len(pairs)
    for k, pair in enumerate(pairs):
        result = registrar(*frames.pair(pair), progress=progress.sub(k / total, (k + 1) / total))
        _finish(results, pair, result, total, progress, on_pair)
    return results


def _parallel(pairs, frames, registrar, workers, progress, on_pair):
    results: Dict[Pair, RegistrationResult] = {}
    total = len(pairs)
    queue: List[Pair] = list(pairs)
    order = {pair: k for k, pair in enumerate(pairs)}
    running: Dict[Future, Pair] = {}
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                   initializer=_start_worker, initargs=(registrar,))
    finished = False
    try:
        while queue or running:
            while queue and len(running) < 2 * workers:
                pair = queue.pop(0)
                running[executor.submit(_work, *frames.pair(pair))] = pair
            done, _ = wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            progress.check()
            for future in sorted(done, key=lambda f: order[running[f]]):
                _finish(results, running.pop(future), future.result(), total, progress, on_pair)
        finished = True
    finally:
        executor.shutdown(wait=finished, cancel_futures=not finished)
    return {pair: results[pair] for pair in pairs}  # the serial order, so later sums match bit for bit
