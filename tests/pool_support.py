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


class SlowOnDarkImages(runner.PairRegistrar):
    """Registers like PairRegistrar but first waits `delay` s for a moving image darker than `below` (mean):
    the batch with the first, darkest images of a brightening stack then finishes after later ones."""

    def __init__(self, below: float, delay: float):
        super().__init__("phasecorr", {})
        self.below, self.delay = below, delay

    def __call__(self, fixed, moving, progress=None):
        if float(np.mean(moving)) < self.below:
            import time

            time.sleep(self.delay)
        return super().__call__(fixed, moving, progress)


def always_pool() -> None:
    runner._POOL_PAYS_SECONDS = {"fork": 0.0, "forkserver": 0.0, "spawn": 0.0}


def _stack():
    from txmalign_gui.engine.synthetic import synthetic_xanes

    return synthetic_xanes(13, 96, jitter=5.0, seed=5).images


def check_inherited(folder: str) -> None:
    """An in-memory stack, or raw frames kept from an HDF5 file (all read, by several threads, before the
    fork): forked workers get pair indices only; a lazy stack that reads a file each time: batches with
    frames; all give the serial answers bit for bit."""
    import h5py

    from txmalign_gui.batch.prepare import KeptFrames
    from txmalign_gui.io.lazy import H5Array, LazyFrames

    images = _stack()
    options = dict(strategy="chunked", chunk_size=3, average_chunks=False)  # one pool per run
    serial = align_stack(images, "tvdm", jobs=1, **options)
    always_pool()
    runner.ProcessPoolExecutor = RecordingPool
    assert runner._pool_context().get_start_method() == "fork"

    def run(stack, inherits: bool):
        RecordingPool.sent, RecordingPool.inherited = [], []
        result = align_stack(stack, "tvdm", jobs=2, **options)
        assert len(RecordingPool.inherited) == 1 and RecordingPool.sent, (RecordingPool.inherited, RecordingPool.sent)
        if inherits:  # never a frame
            assert isinstance(RecordingPool.inherited[0], runner.Frames) and not any(RecordingPool.sent)
        else:
            assert RecordingPool.inherited == [None] and all(RecordingPool.sent)
        assert np.array_equal(serial.transforms, result.transforms)
        assert np.array_equal(serial.costs, result.costs) and serial.statuses == result.statuses

    run(images, inherits=True)
    run(LazyFrames(len(images), images.shape[1:], np.float32, images.__getitem__), inherits=False)
    path = os.path.join(folder, "frames.h5")
    with h5py.File(path, "w") as h5:
        h5.create_dataset("frames", data=images, chunks=(1,) + images.shape[1:], compression="gzip", shuffle=True)
    kept = KeptFrames(H5Array(path, "frames"))
    run(LazyFrames(len(images), images.shape[1:], np.float32, kept.__getitem__, source=kept), inherits=True)
    assert kept._read.all()


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
    {"inherited": check_inherited, "dying": check_dying_worker}[sys.argv[1]](*sys.argv[2:])
