"""Run many pair registrations, serially or in a process pool, with identical results either way.

Pairs run grouped by their target image, each group right after the one that registered its target (a
depth-first walk), so a target's pyramid, kept by `image_cache.reuse()`, serves its whole group.  A pool
starts only when it pays: the first batch of pairs runs here and times the work; the rest goes to worker
processes only when the serial estimate clearly exceeds what starting them costs.  Forked workers (the
command line) read an in-memory stack from their inherited, copy-on-write copy of this process's memory and
receive only pair indices; otherwise (a lazy stack, whose file handles must not cross a fork, or workers from
a forkserver) they receive batches of pairs with the frames they need, at most `_IN_FLIGHT` batches per
worker, so memory stays bounded.  (A shared-memory copy of the stack for a forkserver's workers would add a
whole stack to the peak unless the stack were made there in the first place; the batches add a few frames.)
The settings go once, at start-up.  The calls of one alignment may share their workers (`PairPool`): the
chunked strategy's links then go to the workers that registered its images, with no second start-up (unless
forked workers would have to be sent large chunk averages that new forked ones inherit instead).
Cancellation is checked while waiting for results; pending pairs are then dropped and `Cancelled` is raised.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .. import image_cache
from ..in_memory import holds_in_memory
from ..pair import register_pair
from ..progress import Progress
from ..result import RegistrationResult

Pair = Tuple[Optional[int], int]  # (fixed index, or None for the single reference image; moving index)
OnPair = Callable[[Pair, RegistrationResult], None]

_POLL_SECONDS = 0.1
# Pyramids kept per process (about 10 frames each): a group's target and the image registered last, which is
# the next group's target (`execution_order` puts a group's targets last); more cost memory in every process
# and saved no CPU time (101 x 1024 px, serial and 2 workers).
_CACHED_IMAGES = 2
# Batches handed to the pool per worker over the run (smaller batches balance better, larger ones reuse
# more), the most frame bytes one batch carries, and the most batches one worker has queued at a time.
_BATCHES_PER_WORKER = 4
_BATCH_BYTES = 16 * 1024 ** 2
_IN_FLIGHT = 2
# Estimated seconds of serial work left above which starting workers pays, by start method: a forked
# worker starts at once; a forkserver or spawned one first imports the engine (about 1-2 s).
_POOL_PAYS_SECONDS = {"fork": 1.0, "forkserver": 6.0, "spawn": 8.0}
# Pairs registered here first, to time a pair before deciding on workers: two, since one core works alone
# meanwhile (a whole batch, 13 pairs of a 101-image stack, cost 2.3 s of 15 at 1024 px; four probes 0.5 s of
# 12).  The first pair also builds its target's pyramid, so the estimate errs towards starting workers.
_PROBE_PAIRS = 2
# The shortest time over which `jobs=0` watches the machine's CPU counters to count the idle cores before
# starting workers (it waits out the rest when timing the first pairs took less).
_IDLE_SAMPLE_SECONDS = 0.05


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

    def batch(self, pairs: Sequence[Pair]):
        """(targets by fixed index, moving frames in pair order): each target once for a batch."""
        targets = {fixed: self.target(fixed) for fixed, _ in pairs}
        return targets, [self.stack[moving] for _, moving in pairs]

    @property
    def frame_bytes(self) -> int:
        """Bytes of one float32 frame (what a batch carries per frame)."""
        return 4 * int(np.prod(self.stack.shape[1:]))

    def hold_in_memory(self, threads: int = 1) -> bool:
        """Whether every frame is in memory, which a forked worker may read from its inherited copy of this
        process's memory; a lazy stack that keeps its frames reads the rest now (`threads` inflating), any
        other reads files (HDF5 handles must not cross a fork)."""
        return holds_in_memory(self.stack, threads) and (self.reference is None
                                                         or holds_in_memory(self.reference, threads))


def execution_order(pairs: Sequence[Pair]) -> List[Pair]:
    """`pairs` grouped by target, depth first: a group follows the group that registered its target, and
    within a group the images that are targets themselves come last, so the next group's target is the
    image just registered."""
    groups: Dict[Optional[int], List[Pair]] = {}
    for pair in pairs:
        groups.setdefault(pair[0], []).append(pair)
    for members in groups.values():
        members.sort(key=lambda pair: pair[1] in groups)
    order: List[Pair] = []
    done = set()
    stack = list(reversed(groups))
    while stack:
        fixed = stack.pop()
        if fixed in done:
            continue
        done.add(fixed)
        order.extend(groups[fixed])
        stack.extend(moving for _, moving in groups[fixed] if moving in groups and moving not in done)
    return order


_WORKER_REGISTRAR: Optional[PairRegistrar] = None
_INHERITED_FRAMES: Optional[Frames] = None  # the parent's frames, inherited by a forked worker


def _start_worker(registrar: PairRegistrar, frames: Optional[Frames] = None) -> None:
    """Pool initializer.  Under fork its arguments are inherited, not pickled: `frames` then is the
    parent's in-memory stack itself, shared copy-on-write, and batches carry only pair indices."""
    global _WORKER_REGISTRAR, _INHERITED_FRAMES
    _WORKER_REGISTRAR, _INHERITED_FRAMES = registrar, frames
    image_cache.start_reusing(_CACHED_IMAGES)  # the worker serves this one alignment


def _work(pairs: Sequence[Pair], batch: Optional[tuple] = None) -> List[RegistrationResult]:
    """Register `pairs` with the frames of `batch` (`Frames.batch`), or else with the inherited frames."""
    assert _WORKER_REGISTRAR is not None, "the pool initializer sets it"
    if batch is None:  # inherited frames are looked up pair by pair, never a whole batch of them at once
        assert _INHERITED_FRAMES is not None, "frames are inherited when a batch comes without them"
        pair_frames: Iterable = map(_INHERITED_FRAMES.pair, pairs)
    else:
        pair_frames = ((batch[0][fixed], moving) for (fixed, _), moving in zip(pairs, batch[1]))
    results = [_WORKER_REGISTRAR(fixed, moving) for fixed, moving in pair_frames]
    del batch, pair_frames
    release_free_memory()
    return results


def release_free_memory() -> None:
    """Hand the free pages of the C heap back to the system (glibc `malloc_trim`; nothing elsewhere).

    glibc raises its threshold for mmap-ing a block to the size of the largest one freed, so after the first
    frame-sized temporaries every later one comes from the heap, and a process's freed frames stay resident.
    Measured (101 x 1024 px, 2 workers): about 30 MB less per worker and 20 MB less in this process at the
    peak, and no measurable time for a trim per batch."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # another C library (musl)
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def worker_count(jobs: int) -> int:
    """`jobs`, with 0 meaning one worker per CPU core this process may run on; how many of those are idle
    is decided when a pool would start (`idle_cores`)."""
    return jobs or _usable_cores()


def _usable_cores() -> int:
    """The cores of this process's CPU set (a container's or a batch system's, not the whole machine's)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


class CpuSample:
    """The machine's CPU time counters (Linux /proc/stat; None where unreadable), this process's own CPU
    time and the clock, at one moment: `idle_cores` measures from one."""

    def __init__(self) -> None:
        try:
            self.ticks: Optional[Tuple[int, int]] = _cpu_ticks()
        except (OSError, ValueError, IndexError):
            self.ticks = None
        self.own_seconds = time.process_time()
        self.clock = time.monotonic()


def idle_cores(seconds: float = _IDLE_SAMPLE_SECONDS, since: Optional[CpuSample] = None) -> int:
    """How many of this process's cores other processes leave idle, from the machine's CPU time counters
    over the time since `since` (taken when this process began timing its first pairs, say), less this
    process's own CPU time; the window is made up to at least `seconds` by sleeping.

    Only when the process may use every core of the machine (a CPU set's share of the machine's load is
    unknown); otherwise, or when the counters cannot be read, all its cores.  The load average would not
    do: it still counts work that ended a minute ago, such as the previous alignment of a script."""
    cores = _usable_cores()
    if cores != (os.cpu_count() or cores):
        return cores
    first = since or CpuSample()
    time.sleep(max(0.0, seconds - (time.monotonic() - first.clock)))
    second = CpuSample()
    if first.ticks is None or second.ticks is None:
        return cores
    total, idle = (b - a for a, b in zip(first.ticks, second.ticks))
    own = (second.own_seconds - first.own_seconds) * os.sysconf("SC_CLK_TCK")
    busy_elsewhere = max(0.0, total - idle - own)
    return max(1, min(cores, int(round(cores * (1.0 - busy_elsewhere / total))))) if total > 0 else cores


def _cpu_ticks():
    """(all, idle) CPU time ticks of the machine since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    return sum(values), values[3] + values[4]  # idle + iowait


def _pool_context():
    """fork when this is a single-threaded main thread on Linux (the command line: workers start at once,
    with everything imported); otherwise forkserver, which never forks a multi-threaded caller (the app)."""
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context()
    if threading.current_thread() is threading.main_thread() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["txmalign_gui.engine.pair"])
    return context


class PairPool:
    """What the `register_pairs` calls of one alignment share: how long one pair took when first timed (a
    later call decides on workers at once instead of timing pairs again on one core), and the worker
    processes once a call started them, which later calls with the same registrar use at once (`serves`).

    The workers keep the frames they inherited at start (under fork); a later call's frames, such as the
    chunk averages, travel with its batches.  `close()`, or the end of a `with` block, stops them; a run
    that fails or is cancelled stops them at once."""

    def __init__(self) -> None:
        self.seconds: Optional[float] = None
        self.workers = 0
        self.start_method: Optional[str] = None
        self.inherited: Optional[Frames] = None  # the frames the workers read from inherited memory
        self._executor: Optional[ProcessPoolExecutor] = None
        self._registrar: Optional[PairRegistrar] = None

    def serves(self, registrar: PairRegistrar, frames: Frames) -> bool:
        """Whether running workers for `registrar` should take pairs of `frames`: yes, unless they were
        forked and would have to be sent more than _BATCH_BYTES of frames that freshly forked workers would
        inherit instead (each batch in flight holds a pickled copy here and one in its worker: with the
        15 chunk averages of a 101 x 1024 px stack this process peaked 110 MB higher, the process tree 76 MB
        higher, than with workers forked anew)."""
        if self._executor is None or self._registrar is not registrar:
            return False
        sent = frames is not self.inherited and self.start_method == "fork"
        return not sent or frames.stack.shape[0] * frames.frame_bytes <= _BATCH_BYTES

    def start(self, registrar: PairRegistrar, frames: Frames, workers: int, context) -> None:
        """Start `workers` processes for `registrar`; forked ones read an in-memory `frames` from their
        inherited copy of this process's memory."""
        assert self._executor is None, "close() comes first (before the start method is chosen)"
        inherited = context.get_start_method() == "fork" and frames.hold_in_memory(workers)
        self.inherited = frames if inherited else None
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                             initargs=(registrar, self.inherited))
        self._registrar, self.workers, self.start_method = registrar, workers, context.get_start_method()

    def submit(self, pairs: Sequence[Pair], frames: Frames) -> Future:
        """Register `pairs` in a worker (their frames sent along unless the worker inherited `frames`)."""
        assert self._executor is not None, "start() comes first"
        return self._executor.submit(_work, pairs, None if frames is self.inherited else frames.batch(pairs))

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: after their work, or with `cancel` at once, dropping what is still queued."""
        if self._executor is not None:
            self._executor.shutdown(wait=not cancel, cancel_futures=cancel)
        self._executor, self._registrar, self.inherited, self.workers = None, None, None, 0

    def __enter__(self) -> "PairPool":
        return self

    def __exit__(self, kind, *_) -> None:
        self.close(cancel=kind is not None)


def register_pairs(pairs: Sequence[Pair], frames: Frames, registrar: PairRegistrar, jobs: int,
                   progress: Progress, on_pair: Optional[OnPair] = None,
                   pool: Optional[PairPool] = None) -> Dict[Pair, RegistrationResult]:
    """Register every pair; `on_pair(pair, result)` is called in this thread as each one finishes, in the
    order the pairs run (`execution_order`) whether or not workers share them, so that what it accumulates
    is the same bit for bit.  `pool` shares the timing and the workers with the alignment's other calls
    (the caller closes it); without one, workers started here stop before this returns.

    The result is in the order of `pairs` whatever order they ran in."""
    if pool is None:
        with PairPool() as own:
            return register_pairs(pairs, frames, registrar, jobs, progress, on_pair, own)
    order = execution_order(pairs)
    workers = min(worker_count(jobs), len(order))
    batch = max(1, min(math.ceil(len(order) / (_BATCHES_PER_WORKER * workers)),
                       _BATCH_BYTES // frames.frame_bytes - 1))
    results: Dict[Pair, RegistrationResult] = {}
    with image_cache.reuse(_CACHED_IMAGES):
        before = CpuSample()
        warm = pool.serves(registrar, frames)
        first = order if workers <= 1 else order[:0 if pool.seconds or warm else min(batch, _PROBE_PAIRS)]
        _serial(first, frames, registrar, progress, on_pair, results, len(order))
        if first and not pool.seconds:
            pool.seconds = (time.monotonic() - before.clock) / len(first)
        rest = order[len(first):]
        if rest and not warm:
            # workers that cannot serve this call stop first: their pool's threads would otherwise make this
            # process look multi-threaded, and a forkserver's start-up cost would keep the pairs serial
            pool.close()
            context = _pool_context()
            pays = (pool.seconds or 0.0) * len(rest) > _POOL_PAYS_SECONDS.get(context.get_start_method(), 6.0)
            if pays and jobs == 0:
                workers = min(workers, idle_cores(since=before))
            if pays and workers > 1:
                # the workers build their own pyramids and this process registers no more; what it frees
                # goes back to the system before the fork, or every worker would keep a copy resident
                image_cache.clear()
                release_free_memory()
                pool.start(registrar, frames, workers, context)
                warm = True
        if rest and warm:
            _parallel(rest, frames, pool, batch, progress, on_pair, results, len(order))
        elif rest:
            _serial(rest, frames, registrar, progress, on_pair, results, len(order))
    return {pair: results[pair] for pair in pairs}  # the given order, so later sums match bit for bit


def _finish(results, pair, result, total, progress, on_pair) -> None:
    results[pair] = result
    if on_pair is not None:
        on_pair(pair, result)
    progress.update(len(results) / total, f"registered {len(results)} of {total} pairs")


def _serial(pairs, frames, registrar, progress, on_pair, results, total):
    for pair in pairs:
        done = len(results)
        result = registrar(*frames.pair(pair), progress=progress.sub(done / total, (done + 1) / total))
        _finish(results, pair, result, total, progress, on_pair)


def _parallel(pairs, frames, pool: PairPool, batch, progress, on_pair, results, total):
    """Register `pairs` on the workers of `pool`.  Workers that inherited `frames` get only pair indices,
    so batches may be larger (a target's pyramid then serves more pairs in one worker); otherwise each
    batch carries its frames."""
    if frames is pool.inherited:
        batch = max(batch, math.ceil(len(pairs) / (_BATCHES_PER_WORKER * pool.workers)))
    queue = [pairs[k:k + batch] for k in range(0, len(pairs), batch)]
    # Results are handed on in the order of `pairs`, whichever batch finishes first: `on_pair` then sees the
    # same sequence as in a serial run (the chunk averages sum their images in it, bit for bit).
    arrived: Dict[Pair, RegistrationResult] = {}
    waiting = iter(pairs)
    next_pair = next(waiting, None)
    running: Dict[Future, Sequence[Pair]] = {}
    try:
        while queue or running:
            while queue and len(running) < _IN_FLIGHT * pool.workers:
                chunk = queue.pop(0)
                running[pool.submit(chunk, frames)] = chunk
            done, _ = wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            progress.check()
            for future in done:
                arrived.update(zip(running.pop(future), future.result()))
            while next_pair is not None and next_pair in arrived:
                _finish(results, next_pair, arrived.pop(next_pair), total, progress, on_pair)
                next_pair = next(waiting, None)
            if done:
                release_free_memory()  # the frames sent with the finished batches (and at first the pyramids)
    except BaseException:
        pool.close(cancel=True)
        raise
