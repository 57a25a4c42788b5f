"""How a stack's pairs run: grouped by target, pyramids shared by content, the pool only when it pays
(and then with results identical to a serial run, forked or from a forkserver), and memory: frames read
once or from the file, and a stack too large refused up front with the amount needed."""

import os
import subprocess
import sys
import threading
import time

import h5py
import numpy as np
import pytest
from pool_support import RecordingPool, SlowOnDarkImages
from skimage import data

from txmalign_gui.cli import main
from txmalign_gui.engine import image_cache, register_pair
from txmalign_gui.engine.methods.tvdm_levels import image_pyramid
from txmalign_gui.engine.progress import Progress
from txmalign_gui.engine.stack import align_stack, plan, runner
from txmalign_gui.engine.synthetic import synthetic_xanes
from txmalign_gui.io import memory
from txmalign_gui.io.example import write_example


@pytest.fixture(scope="module")
def small():
    return synthetic_xanes(13, 96, jitter=5.0, seed=5)


@pytest.mark.parametrize("strategy", ["anchor", "sequential", "chunked"])
def test_execution_order_runs_each_group_after_its_target_was_registered(strategy):
    parents = plan.tree_parents(strategy, 23, 11, 4)
    pairs = plan.tree_pairs(parents)
    order = runner.execution_order(pairs)
    assert sorted(order) == sorted(pairs)
    registered, started = {11}, []
    for fixed, moving in order:
        assert fixed in registered  # a chain is known before its image is used as a target
        if not started or started[-1] != fixed:
            assert fixed not in started  # each target's pairs run together
            started.append(fixed)
        registered.add(moving)


def test_execution_order_keeps_every_pair_of_a_graph():
    pairs = plan.consistent_pairs(17, 8, 4, 2)
    order = runner.execution_order(pairs)
    assert sorted(order) == sorted(pairs) and len(order) == len(set(order))


def test_image_cache_keeps_results_by_content_only_inside_reuse():
    image = np.arange(64.0).reshape(8, 8)
    calls = []

    def compute():
        calls.append(1)
        return object()

    assert image_cache.cached("k", image, None, compute) is not image_cache.cached("k", image, None, compute)
    with image_cache.reuse(2):
        first = image_cache.cached("k", image, None, compute)
        assert image_cache.cached("k", image.copy(), None, compute) is first  # same content, another array
        changed = image.copy()
        changed[3, 3] += 1e-9
        assert image_cache.cached("k", changed, None, compute) is not first
        assert image_cache.cached("k", image, image > 10, compute) is not first  # the mask is part of the key
    assert len(calls) == 5


@pytest.mark.parametrize("name", ["camera", "coins"])
def test_shared_pyramids_give_the_same_answer_as_fresh_ones(name):
    scene = getattr(data, name)().astype(float)
    image = scene[20:212, 20:212]
    moving = scene[17:209, 25:217] * 1.3  # moved by (3, -5), so (-3, 5) aligns it; the gray scale matters
    fresh = [register_pair(image, moving, "tvdm") for _ in range(2)]
    with image_cache.reuse():
        shared = [register_pair(image, moving, "tvdm") for _ in range(2)]
        assert image_pyramid(image, None) is image_pyramid(image.copy(), None)
    for a, b in zip(fresh, shared):
        assert np.allclose(a.transform.as_tuple(), b.transform.as_tuple(), atol=1e-4)
        assert a.status == b.status
    assert shared[0].transform == shared[1].transform
    assert abs(shared[0].transform.dy + 3) < 0.1 and abs(shared[0].transform.dx - 5) < 0.1


def _always_pool(monkeypatch):
    monkeypatch.setattr(runner, "_POOL_PAYS_SECONDS", {"fork": 0.0, "forkserver": 0.0, "spawn": 0.0})
    used = []
    original = runner._parallel

    def spy(*args, **kwargs):
        used.append(args[2].start_method)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_parallel", spy)
    return used


def test_pool_results_equal_serial_forked_and_from_a_thread(small, monkeypatch):
    serial = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=1)
    used = _always_pool(monkeypatch)
    # the main thread forks only while it is the process's one thread (earlier tests may have left some)
    first = "fork" if threading.active_count() == 1 else "forkserver"
    forked = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    threaded = {}
    worker = threading.Thread(target=lambda: threaded.setdefault("result", align_stack(
        small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=2)))
    worker.start()
    worker.join()
    # two pools each: the images onto their local targets, then the chunk averages onto each other
    assert used == [first, first, "forkserver", "forkserver"]  # the app's worker thread never forks
    for parallel in (forked, threaded["result"]):
        assert np.array_equal(serial.transforms, parallel.transforms)
        assert np.array_equal(serial.confidences, parallel.confidences) and serial.statuses == parallel.statuses


def test_results_reach_on_pair_in_run_order_when_a_later_batch_finishes_first(monkeypatch):
    """Chunk averages sum images in the order `on_pair` sees them: that order must not depend on which
    worker finishes first, or a pool's answer would differ from a serial one in the last bits."""
    _always_pool(monkeypatch)
    base = data.camera()[::4, ::4].astype(np.float32)
    frames = runner.Frames(np.stack([base * (1.0 + 0.1 * k) for k in range(9)]))
    pairs = [(0, k) for k in range(1, 9)]
    order = runner.execution_order(pairs)
    # the first pairs (darkest moving images) wait, so the batches after them finish earlier
    slow = SlowOnDarkImages(below=float(base.mean()) * 1.25, delay=1.0)
    seen = []
    with runner.PairPool() as pool:
        pool.seconds = 0.5  # as if timed already: every pair goes to the workers
        results = runner.register_pairs(pairs, frames, slow, jobs=2, progress=Progress(),
                                        on_pair=lambda pair, result: seen.append(pair), pool=pool)
    assert seen == order
    assert list(results) == pairs


def test_no_pool_when_the_work_is_too_small_to_pay(small, monkeypatch):
    monkeypatch.setattr(runner, "_parallel", lambda *args: pytest.fail("a pool started for a few ms of work"))
    align_stack(small.images[:6], "phasecorr", strategy="anchor", jobs=2)


@pytest.mark.parametrize("machine, allowed, idle_share, expected", [
    (8, 8, 1.0, 8),    # an idle machine: every core
    (8, 8, 0.4, 3),    # five cores busy elsewhere while this process waits: the three idle ones
    (2, 2, 0.0, 1),    # a saturated machine: serial, never zero
    (64, 4, 0.1, 4),   # a container's CPU set on a busy host: the host's counters are not this process's
])
def test_default_jobs_take_the_idle_cores_of_the_process_cpu_set(monkeypatch, machine, allowed, idle_share,
                                                                  expected):
    monkeypatch.setattr(runner.os, "cpu_count", lambda: machine)
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda pid: set(range(allowed)), raising=False)
    ticks = iter([(1000, 500), (1000 + 800, 500 + int(800 * idle_share))])
    monkeypatch.setattr(runner, "_cpu_ticks", lambda: next(ticks))
    assert runner.worker_count(0) == allowed and runner.worker_count(3) == 3  # an explicit number is obeyed
    assert runner.idle_cores(seconds=0.0) == expected


@pytest.mark.parametrize("own_seconds, expected", [(0.0, 1), (1.0, 2)])
def test_idle_cores_do_not_count_this_process_own_work(monkeypatch, own_seconds, expected):
    """Measured over the first pairs this process times, one busy core of two is this process's own."""
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    ticks = iter([(1000, 500), (1000 + 2 * runner.os.sysconf("SC_CLK_TCK"), 500 + runner.os.sysconf("SC_CLK_TCK"))])
    monkeypatch.setattr(runner, "_cpu_ticks", lambda: next(ticks))
    clock = iter([10.0, 10.0 + own_seconds])
    monkeypatch.setattr(runner.time, "process_time", lambda: next(clock))
    assert runner.idle_cores(seconds=0.0, since=runner.CpuSample()) == expected


def test_default_jobs_start_workers_only_on_idle_cores(small, monkeypatch):
    used = _always_pool(monkeypatch)
    monkeypatch.setattr(runner, "_usable_cores", lambda: 2)
    monkeypatch.setattr(runner, "idle_cores", lambda **_: 1)  # the other core is busy
    align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=0)
    assert used == []
    monkeypatch.setattr(runner, "idle_cores", lambda **_: 2)
    align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=0)
    assert len(used) == 2  # the images onto their targets, then the chunk averages


def test_align_reads_frames_from_the_file_when_the_stack_does_not_fit(capsys, tmp_path, monkeypatch):
    source = write_example(str(tmp_path / "x.h5"), n_images=12, size=96)
    assert main(["align", source, "--out", str(tmp_path / "kept.h5"), "--strategy", "chunked"]) == 0
    frame_working = 4.0 * 96 * 96 * 40
    monkeypatch.setattr(memory, "available_bytes", lambda: int(frame_working + 1000))  # stack does not fit
    kept_frames = []
    from txmalign_gui.batch import prepare
    monkeypatch.setattr(prepare, "KeptFrames", lambda images: kept_frames.append(1) or images)
    assert main(["align", source, "--out", str(tmp_path / "lazy.h5"), "--strategy", "chunked"]) == 0
    assert not kept_frames
    with h5py.File(tmp_path / "kept.h5") as kept, h5py.File(tmp_path / "lazy.h5") as lazy:
        assert np.array_equal(kept["transforms"][()], lazy["transforms"][()])
        assert np.array_equal(kept["aligned"][()], lazy["aligned"][()], equal_nan=True)


def test_a_stack_beyond_memory_is_refused_up_front_with_the_amount(capsys, tmp_path, monkeypatch):
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as handle:  # 16 GB of float32 on paper; nothing is written, so a few kB on disk
        handle.create_dataset("data", shape=(1000, 2048, 2048), dtype=np.float32, chunks=(1, 2048, 2048))
    monkeypatch.setattr(memory, "available_bytes", lambda: 256 * 1024 ** 2)
    code = main(["align", f"{path}:/data", "--out", str(tmp_path / "out.h5")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "not enough memory" in err and "640.0 MiB" in err and "256.0 MiB" in err
    assert not (tmp_path / "out.h5").exists()


def test_default_jobs_take_only_the_workers_the_memory_affords(monkeypatch):
    from types import SimpleNamespace

    from txmalign_gui.batch import prepare

    data = SimpleNamespace(shape=(100, 512, 512), images=np.zeros((1, 1), np.uint16))
    raw, frame = 100 * 512 * 512 * 2, 4 * 512 * 512
    one_worker = raw + frame * prepare._WORKING_FRAMES
    for spare_workers, expected in ((0, 1), (1, 2), (2, 3), (10, 4)):
        budget = one_worker + spare_workers * frame * prepare._WORKER_FRAMES
        monkeypatch.setattr(memory, "available_bytes", lambda budget=budget: budget)
        assert prepare.affordable_workers(data, 4) == expected



def _in_fresh_process(check, *args):
    """Run `pool_support.py CHECK ARGS` in a new interpreter: single-threaded, so its pool forks."""
    support = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_support.py")
    root = os.path.dirname(os.path.dirname(support))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, support, check, *args], env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]


def test_forked_workers_read_an_in_memory_stack_from_inherited_memory_and_get_only_indices(tmp_path):
    # kept raw frames are read whole before the fork; a lazy stack's batches carry their frames; all equal serial
    _in_fresh_process("inherited", str(tmp_path))


def test_a_worker_that_dies_stops_the_run_with_a_clear_error():
    _in_fresh_process("dying")


def test_the_parent_drops_its_pyramids_when_workers_take_over(small, monkeypatch):
    _always_pool(monkeypatch)
    kept = []
    original = runner._parallel

    def spy(*args, **kwargs):
        kept.append(len(image_cache._ACTIVE.get()))
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_parallel", spy)
    align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    assert kept == [0, 0]  # the images onto their targets, then the chunk averages


@pytest.mark.parametrize("large_averages", [False, True])
def test_the_links_go_to_the_workers_that_registered_the_images(small, monkeypatch, large_averages):
    """...unless forked workers would be sent large averages that new forked workers inherit instead."""
    used = _always_pool(monkeypatch)
    pools = []
    monkeypatch.setattr(runner, "ProcessPoolExecutor",
                        lambda *args, **kwargs: pools.append(RecordingPool(*args, **kwargs)) or pools[-1])
    if large_averages:
        monkeypatch.setattr(runner, "_BATCH_BYTES", 1)
    forked = threading.active_count() == 1
    serial = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=1)
    pooled = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, jobs=2)
    assert len(used) == 2  # two runs: the images onto their targets, then the links
    assert len(pools) == (2 if large_averages and forked else 1)
    # a second pool starts as the first did: the first pool's threads, stopped, do not turn fork into forkserver
    assert {pool._mp_context.get_start_method() for pool in pools} == {"fork" if forked else "forkserver"}
    assert np.array_equal(serial.transforms, pooled.transforms) and serial.statuses == pooled.statuses
    for process in pools[-1].workers:  # stopped when the alignment ended
        process.join(timeout=30)
        assert process.exitcode is not None


def test_cancelling_a_pool_run_stops_its_workers(small, monkeypatch):
    from txmalign_gui.engine.errors import Cancelled

    _always_pool(monkeypatch)
    cancel = threading.Event()
    pools = []
    monkeypatch.setattr(runner, "ProcessPoolExecutor",
                        lambda *args, **kwargs: pools.append(RecordingPool(*args, **kwargs)) or pools[-1])
    reported = []

    def stop_after_five(index, result):
        reported.append(index)
        if len(reported) == 5:
            cancel.set()

    with pytest.raises(Cancelled):
        align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, average_chunks=False, jobs=2,
                    cancel=cancel, on_result=stop_after_five)
    assert len(reported) < len(small.images) - 1 and len(pools) == 1 and pools[0].workers
    deadline = time.monotonic() + 30
    for process in pools[0].workers:  # the pool's own thread may reap them first: wait for an exit code
        while process.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.exitcode is not None
