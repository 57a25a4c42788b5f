"""Where batch jobs run: this process, a local process pool, or a Dask distributed cluster.

Every back end maps `execute` over the jobs and calls `on_done(index, outcome)` in this process as each
one finishes (for the progress bar); the outcomes come back in the order of the jobs.  A worker that dies
(killed, out of memory) fails the stacks it was running, not the batch: the pool is started again for the
rest, and Dask retries elsewhere before it gives up on that stack.  Dask is an optional extra
(`pip install txmalign[dask]`) imported only when asked for; its workers must see the same file system.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Dict, List, Optional

from ..engine.errors import InputError
from ..engine.progress import Progress
from ..io.memory import share_between
from .runner import BatchJob, execute

OnDone = Callable[[int, Dict[str, Any]], None]
_DIED = "a worker process died while running this stack (killed, or out of memory)"
_DASK_MISSING = ("Dask is not installed: pip install 'txmalign[dask]' (or dask[distributed]) to use "
                 "--dask-scheduler or --dask-local")


def _died(job: BatchJob, why: str = _DIED) -> Dict[str, Any]:
    return {"source": job.source, "output": job.output, "status": "failed", "error": why, "seconds": 0.0,
            "summary": None}


def run_serial(jobs: List[BatchJob], on_done: OnDone, progress: Optional[Progress] = None) -> List[Dict[str, Any]]:
    """One job after the other in this process (the progress bar also moves within each stack)."""
    progress = progress or Progress()
    outcomes = []
    for index, job in enumerate(jobs):
        outcome = execute(job, progress.sub(index / len(jobs), (index + 1) / len(jobs)))
        outcomes.append(outcome)
        on_done(index, outcome)
    return outcomes


def _pool_context():
    # forkserver: no fork of a multi-threaded parent, and the job modules are imported once, not per worker
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["txmalign_gui.batch.runner"])
        return context
    return multiprocessing.get_context()


def run_pool(jobs: List[BatchJob], workers: int, on_done: OnDone,
             progress: Optional[Progress] = None) -> List[Dict[str, Any]]:
    """At most `workers` jobs at once in a local process pool (`workers` <= 1 runs them here)."""
    if workers <= 1 or len(jobs) <= 1:
        return run_serial(jobs, on_done, progress)
    outcomes: List[Optional[Dict[str, Any]]] = [None] * len(jobs)
    waiting = list(range(len(jobs)))
    while waiting:
        waiting = _pool_round(jobs, waiting, min(workers, len(waiting)), outcomes, on_done)
    return [o for o in outcomes if o is not None]


def _pool_round(jobs, waiting, workers, outcomes, on_done) -> List[int]:
    """Run `waiting` jobs in one pool; returns the ones not started when a worker died (for a new pool)."""
    # each stack plans its memory (whole stack or frame by frame, or a refusal) with its share of the machine
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=share_between,
                                   initargs=(workers,))
    running: Dict[Any, int] = {}
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                index = waiting.pop(0)
                running[executor.submit(execute, jobs[index])] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                try:
                    outcomes[index] = future.result()
                except BrokenProcessPool:
                    outcomes[index] = _died(jobs[index])
                on_done(index, outcomes[index])
                if outcomes[index]["error"] == _DIED:
                    for other, other_index in running.items():
                        finished = other.done() and not other.cancelled() and other.exception() is None
                        outcomes[other_index] = other.result() if finished else _died(jobs[other_index])
                        on_done(other_index, outcomes[other_index])
                    running.clear()
                    return waiting
        return []
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def dask_client(scheduler: Optional[str] = None, local_workers: int = 0):
    """A `distributed.Client` on the cluster at `scheduler`, or on a new local cluster of `local_workers`
    single-threaded worker processes; a one-line `InputError` when Dask is not installed."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(_DASK_MISSING) from None
    if scheduler:
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    # silence_logs: the nanny's warnings when a loaded machine stops a worker slowly are not the user's business
    cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster)


def run_dask(jobs: List[BatchJob], client, on_done: OnDone) -> List[Dict[str, Any]]:
    """Every job as one task on the cluster of `client` (a worker lost for good fails only its stack)."""
    from distributed import as_completed

    futures = client.map(execute, jobs, pure=False)
    order = {future.key: index for index, future in enumerate(futures)}
    outcomes: List[Optional[Dict[str, Any]]] = [None] * len(jobs)
    for future in as_completed(futures):
        index = order[future.key]
        try:
            outcomes[index] = future.result()
        except Exception as error:  # KilledWorker and friends: the cluster gave up on this stack
            outcomes[index] = _died(jobs[index], f"the Dask cluster could not run this stack: "
                                                 f"{type(error).__name__}: {error}")
        on_done(index, outcomes[index])
    return [o for o in outcomes if o is not None]


def close_client(client) -> None:
    """Close `client` and the local cluster it started (an external scheduler keeps running)."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run_jobs(jobs: List[BatchJob], workers: int = 1, scheduler: Optional[str] = None, local_workers: int = 0,
             progress: Optional[Progress] = None) -> List[Dict[str, Any]]:
    """Run `jobs` on the chosen back end (Dask when `scheduler` or `local_workers` is given, else a pool of
    `workers`) with one progress bar over the whole batch; the outcomes in the order of the jobs."""
    progress = progress or Progress()
    finished = [0]

    def on_done(index: int, outcome: Dict[str, Any]) -> None:
        finished[0] += 1
        name = outcome["source"].replace("\\", "/").rsplit("/", 1)[-1]
        progress.update(finished[0] / len(jobs), f"{finished[0]}/{len(jobs)} {name}: {outcome['status']}")

    if scheduler or local_workers:
        client = dask_client(scheduler, local_workers)
        try:
            return run_dask(jobs, client, on_done)
        finally:
            close_client(client)
    return run_pool(jobs, workers, on_done, progress)
