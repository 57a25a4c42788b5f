"""Whole-command time and peak memory of `txmalign align` on synthetic XANES stacks, against a plain
phase-correlation loop measured in the same run.

For each size, the bundled example's generator writes an FXI-like HDF5 file (uint16 counts, flats, darks,
known truth) of N images; `txmalign align FILE --strategy chunked --jobs J` then runs as a separate process
(start-up, reading, flat-field preparation, alignment and writing the HDF5 result all included), and the
baseline is a loop of scikit-image `phase_cross_correlation(upsample_factor=100)` of every prepared frame
against the middle one, in this process, with the frames already in memory (reading excluded).  Each figure
is the best of --repeat runs, since the machine may be shared; the ratio compares the two bests.  Peak memory
is the main process's peak resident set (VmHWM) and, with its worker processes, the largest total
proportional set (PSS, shared pages split between the processes that share them) of the whole process tree,
sampled every 100 ms in one more run of each setting, whose time does not count (reading a large process's
page tables slows it down; more often than every 100 ms by a tenth); both relative to the stack's float32
size.  Accuracy is the RMS error (px) of the written transforms against the truth.

Start-up is measured as a user meets it, with the package's bytecode compiled (`compile_bytecode`): pip
compiles an installed package's modules, an editable install writes them on its first run and the installer
bundles them; only a machine that sets PYTHONDONTWRITEBYTECODE (this development machine does) compiles all
of them again on every run, which cost 0.4 s of each command here.  `--no-bytecode` measures that case.
The start-up line gives the best of five `txmalign --version` and `txmalign align --help`.

Targets (2 cores, issue 13): 101 x 1024 end to end at or below the phase-correlation loop (ratio <= 1, at most
13 s), 101 x 256 under 2.5 s, peak memory at most 1.5x the stack, chunked RMS error under 0.05 px, and two
jobs never slower than one.

    python benchmarks/end_to_end.py                       # 256 and 1024 px, jobs 1 and 0 (default), best of 3
    python benchmarks/end_to_end.py --sizes 256 --repeat 5
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List

import h5py
import numpy as np
from skimage.registration import phase_cross_correlation

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from txmalign_gui.batch.prepare import PrepareOptions, prepare_stack  # noqa: E402
from txmalign_gui.engine.synthetic import alignment_errors  # noqa: E402
from txmalign_gui.io import read_stack  # noqa: E402
from txmalign_gui.io.example import write_example  # noqa: E402

# Runs the command like `txmalign` does; notes on stderr the clock time when the first registration starts
# (`register_pair` is wrapped before the CLI imports it) and, at exit, the process's peak resident set
# (VmHWM, which unlike ru_maxrss does not inherit this benchmark's own peak through fork and exec).
_WRAPPER = ("import atexit, runpy, sys, time\n"
            "import txmalign_gui.engine.pair as pair\n"
            "register = pair.register_pair\n"
            "def first_noted(*args, **kwargs):\n"
            "    if not getattr(first_noted, 'noted', False):\n"
            "        first_noted.noted = True\n"
            "        sys.stderr.write('\\nfirst_pair_at=%r\\n' % time.time())\n"
            "    return register(*args, **kwargs)\n"
            "pair.register_pair = first_noted\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            sys.stderr.write('\\npeak_kb=' + line.split()[1] + '\\n')\n"
            "atexit.register(peak)\n"
            "sys.argv = ['txmalign'] + sys.argv[1:]\n"
            "runpy.run_module('txmalign_gui.cli', run_name='__main__')\n")


def _tree(pid: int) -> List[int]:
    """`pid` and its descendants (Linux /proc)."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    waiting += [int(child) for child in handle.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return found


def _pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples the total PSS of a process tree until stopped; `peak` is the largest total seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, sum(_pss_bytes(pid) for pid in _tree(self.pid)))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def _command_env() -> dict:
    """This environment with the repository first on the module path, so the command runs this checkout."""
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run_align(path: str, out: str, jobs: int, strategy: str, tree_memory: bool = False):
    """(wall seconds, CPU seconds of all its processes, seconds from its start to its first registration,
    peak resident bytes of the main process, peak total PSS of its process tree, or 0 unless `tree_memory`)
    of one `txmalign align` process."""
    command = [sys.executable, "-c", _WRAPPER, "align", path, "--out", out, "--strategy", strategy,
               "--jobs", str(jobs), "--force", "--json"]
    start, started_at = time.perf_counter(), time.time()
    process = subprocess.Popen(command, cwd=ROOT, env=_command_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = TreeMemory(process.pid) if tree_memory else None
    if tree is not None:
        tree.start()
    err = process.stderr.read().decode()
    tree_peak = tree.stop() if tree is not None else 0
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"txmalign align failed ({os.waitstatus_to_exitcode(status)}): {err}")
    peak_kb = int(err.rsplit("peak_kb=", 1)[1].split()[0])
    first = float(err.split("first_pair_at=", 1)[1].split()[0]) - started_at
    return seconds, usage.ru_utime + usage.ru_stime, first, peak_kb * 1024, tree_peak


def compile_bytecode() -> None:
    """Compile the package's modules to bytecode (__pycache__, ignored by git), as installing it does."""
    compileall.compile_dir(str(ROOT / "txmalign_gui"), quiet=1)


def start_up(arguments: List[str], repeat: int = 5) -> float:
    """Best wall seconds of `txmalign ARGUMENTS` (output discarded)."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "txmalign_gui.cli", *arguments], cwd=ROOT, env=_command_env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def phase_loop(frames: np.ndarray):
    """(wall, CPU) seconds for phase_cross_correlation(upsample_factor=100) of every frame against the middle
    one."""
    anchor = frames[len(frames) // 2]
    start, cpu = time.perf_counter(), time.process_time()
    for index, frame in enumerate(frames):
        if index != len(frames) // 2:
            phase_cross_correlation(anchor, frame, upsample_factor=100)
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=101)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 0], help="0 = one per core (the default)")
    parser.add_argument("--strategy", default="chunked")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-bytecode", action="store_true",
                        help="do not compile the package's bytecode first (see the module's docstring)")
    args = parser.parse_args(argv)
    if not args.no_bytecode:
        compile_bytecode()
    print(f"start-up: txmalign --version {start_up(['--version']):.2f} s, txmalign align --help "
          f"{start_up(['align', '--help']):.2f} s (target 0.3 s; bytecode "
          f"{'as found' if args.no_bytecode else 'compiled'})")
    print(f"{args.images} images, strategy {args.strategy}, {os.cpu_count()} cores, best of {args.repeat}")
    print("wall: seconds (best run); cpu: CPU seconds of that command (all its processes), which a shared "
          "machine disturbs less")
    print("1st pair: seconds from the command's start to its first registration (target 1 s)")
    print(f"{'size':>5} {'jobs':>4} {'wall':>7} {'phasecorr':>9} {'ratio':>6} {'cpu':>7} {'phasecorr':>9} {'ratio':>6} "
          f"{'1st pair':>8} {'peak MB':>8} {'peak/stack':>10} {'tree MB':>8} {'tree/stack':>10} {'rms px':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = os.path.join(folder, f"xanes_{size}.h5")
            write_example(path, args.images, size)
            with h5py.File(path, "r") as handle:
                truth = handle["truth_transforms"][()]
            frames = prepare_stack(read_stack(path), PrepareOptions())
            stack_bytes = frames.nbytes
            out = os.path.join(folder, f"aligned_{size}.h5")
            best = {jobs: (np.inf, np.inf, np.inf, 0, 0) for jobs in args.jobs}
            baseline, baseline_cpu = np.inf, np.inf
            for _ in range(args.repeat):  # interleaved, so a busy spell hits every figure alike
                wall, cpu = phase_loop(frames)
                baseline, baseline_cpu = min(baseline, wall), min(baseline_cpu, cpu)
                for jobs in args.jobs:
                    seconds, cpu, first, peak, _ = run_align(path, out, jobs, args.strategy)
                    if seconds < best[jobs][0]:
                        best[jobs] = (seconds, cpu, first) + best[jobs][3:]
                    best[jobs] = best[jobs][:3] + (max(best[jobs][3], peak), 0)
            for jobs in args.jobs:
                *_, peak, tree = run_align(path, out, jobs, args.strategy, tree_memory=True)
                best[jobs] = best[jobs][:3] + (max(best[jobs][3], peak), tree)
            with h5py.File(out, "r") as handle:
                errors = alignment_errors(handle["transforms"][()], truth, frames.shape[1:])
            rms = float(np.sqrt(np.mean(errors ** 2)))
            for jobs, (seconds, cpu, first, peak, tree) in best.items():
                print(f"{size:5d} {jobs:4d} {seconds:7.2f} {baseline:9.2f} {seconds / baseline:6.2f} {cpu:7.2f} "
                      f"{baseline_cpu:9.2f} {cpu / baseline_cpu:6.2f} {first:8.2f} {peak / 1e6:8.0f} "
                      f"{peak / stack_bytes:10.2f} {tree / 1e6:8.0f} {tree / stack_bytes:10.2f} {rms:7.3f}", flush=True)
            if 1 in best:
                for jobs, (seconds, *_) in best.items():
                    if jobs != 1:
                        print(f"      jobs {jobs} takes {seconds / best[1][0]:.2f}x the time of jobs 1")


if __name__ == "__main__":
    main()
