"""Checks of the stack pool that need a forked pool, run as `python pool_support.py CHECK` in a fresh,
single-threaded interpreter (a test process with threads left by earlier tests never forks), plus the
recording pool the tests share.  A check exits 0 when it holds and fails with an AssertionError otherwise."""

from __future__ import annotations

import os
import sys

import numpy as np

from txmalign_gui.engine.stack import align_stack, runner


def arrays_in(value) -> int:
    """How many numpy arrays `value` (nested tuples, lists and dicts) holds."""
    if isinstance(value, np.ndarray):
        return 1
    if isinstance(value, dict):
        value = list(value.values())
    return sum(arrays_in(v) for v in value) if isinstance(value, (list, tuple)) else 0


class RecordingPool(runner.ProcessPoolExecutor):
    """The pool, noting how many frame arrays travel with each batch, what the initializer inherits, and
    its worker processes (which `shutdown` forgets)."""

    sent: list = []
    inherited: list = []

    def __init__(self, *args, **kwargs):
        RecordingPool.inherited.append(kwargs["initargs"][1])
        super().__init__(*args, **kwargs)
        self.workers: list = []

    def submit(self, fn, *args, **kwargs):
        RecordingPool.sent.append(arrays_in(args))
        future = super().submit(fn, *args, **kwargs)
        self.workers = list(self._processes.values())
        return future


def always_pool() -> None:
    runner._POOL_PAYS_SECONDS = {"fork": 0.0, "forkserver": 0.0, "spawn": 0.0}


def _stack():
    from txmalign_gui.engine.synthetic import synthetic_xanes

    return synthetic_xanes(13, 96, jitter=5.0, seed=5).images


def check_inherited() -> None:
    """An in-memory stack: forked workers get pair indices only; a lazy one: batches with frames; both
    give the serial answers bit for bit."""
    from txmalign_gui.io.lazy import LazyFrames

    images = _stack()
    serial = align_stack(images, "tvdm", strategy="chunked", chunk_size=3, jobs=1)
    always_pool()
    runner.ProcessPoolExecutor = RecordingPool
    assert runner._pool_context().get_start_method() == "fork"
    in_memory = align_stack(images, "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    assert isinstance(RecordingPool.inherited[0], runner.Frames), RecordingPool.inherited
    assert RecordingPool.sent and not any(RecordingPool.sent), RecordingPool.sent  # never a frame
    RecordingPool.sent, RecordingPool.inherited = [], []
    lazy = LazyFrames(len(images), images.shape[1:], np.float32, images.__getitem__)
    from_file = align_stack(lazy, "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    assert RecordingPool.inherited == [None] and RecordingPool.sent and all(RecordingPool.sent)
    for parallel in (in_memory, from_file):
        assert np.array_equal(serial.transforms, parallel.transforms)
        assert np.array_equal(serial.costs, parallel.costs) and serial.statuses == parallel.statuses


def _die(*args):
    os._exit(3)  # a worker killed mid-run (out of memory, a crash in C code)


def check_dying_worker() -> None:
    """A worker that dies stops the run with BrokenProcessPool (the command line words it), never a hang."""
    from concurrent.futures.process import BrokenProcessPool

    always_pool()
    runner._work = _die  # inherited by the forked workers
    try:
        align_stack(_stack(), "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    except BrokenProcessPool:
        return
    raise AssertionError("the run went on without its worker")


if __name__ == "__main__":
    {"inherited": check_inherited, "dying": check_dying_worker}[sys.argv[1]]()
