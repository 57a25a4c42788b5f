"""`txmalign batch`: inputs, resume after a crash, failures kept to their stack, Dask equal to serial, and
XANES tomography with known per-energy offsets."""

import dataclasses
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import tifffile

from txmalign_gui.batch.backends import run_dask, run_pool
from txmalign_gui.batch.runner import BatchJob, batch_align_options
from txmalign_gui.batch.sources import expand_sources, plan_outputs
from txmalign_gui.cli import main
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.synthetic import synthetic_xanes
from txmalign_gui.engine.tomo.phantom import default_phantom, project

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _stacks(folder, count=3, images=6, size=48):
    folder.mkdir(exist_ok=True)
    for k in range(count):
        stack = synthetic_xanes(n_images=images, size=size, jitter=3.0, seed=10 + k)
        tifffile.imwrite(folder / f"s{k}.tif", np.asarray(stack.images, dtype=np.float32), photometric="minisblack")
    return folder


def _read(path):
    with h5py.File(path) as handle:
        return handle["aligned"][()], handle["transforms"][()]


def test_batch_align_isolates_a_bad_stack_resumes_and_refuses_foreign_outputs(tmp_path, capsys):
    inputs = _stacks(tmp_path / "in")
    (inputs / "bad.tif").write_bytes(b"not a tiff at all")
    out = tmp_path / "out"
    code = main(["batch", "align", str(inputs), "--out-dir", str(out), "--strategy", "chunked"])
    table = capsys.readouterr().out
    assert code == 1, table  # one stack failed: the exit status says so ...
    assert "bad.tif" in table and "failed" in table and "3 done, 1 failed of 4 stacks" in table
    assert sorted(os.listdir(out)) == ["s0_aligned.h5", "s1_aligned.h5", "s2_aligned.h5"]  # ... the others ran
    before = {name: os.path.getmtime(out / name) for name in os.listdir(out)}

    # resume: complete outputs are checked and skipped, not redone
    (inputs / "bad.tif").unlink()
    code = main(["batch", "align", str(inputs), "--out-dir", str(out), "--strategy", "chunked", "--json"])
    outcomes = json.loads(capsys.readouterr().out)["stacks"]
    assert code == 0 and [o["status"] for o in outcomes] == ["skipped"] * 3
    assert before == {name: os.path.getmtime(out / name) for name in os.listdir(out)}

    # a truncated file (a crash while copying) and other settings are reported, never overwritten
    (out / "s1_aligned.h5").write_bytes(b"\x89HDF half a file")
    code = main(["batch", "align", str(inputs), "--out-dir", str(out), "--strategy", "anchor", "--json"])
    outcomes = {os.path.basename(o["source"]): o for o in json.loads(capsys.readouterr().out)["stacks"]}
    assert code == 1
    assert "cannot be opened" in outcomes["s1.tif"]["error"]
    assert "other settings" in outcomes["s0.tif"]["error"]
    assert (out / "s1_aligned.h5").read_bytes() == b"\x89HDF half a file"

    # --force redoes them; the redone file is complete again
    code = main(["batch", "align", str(inputs / "s1.tif"), "--out-dir", str(out), "--force", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["stacks"][0]["status"] == "done"
    assert _read(out / "s1_aligned.h5")[0].shape == (6, 48, 48)


def test_inputs_from_globs_and_list_files_and_output_clashes(tmp_path):
    inputs = _stacks(tmp_path / "in", count=2, images=4, size=32)
    listing = tmp_path / "list.txt"
    listing.write_text("# two stacks\nin/s1.tif\n\nin/s0.tif  # again\n")
    assert expand_sources([f"@{listing}"]) == [str(tmp_path / "in" / "s1.tif"), str(tmp_path / "in" / "s0.tif")]
    assert expand_sources([str(inputs / "s*.tif"), str(inputs / "s0.tif")]) == \
        [str(inputs / "s0.tif"), str(inputs / "s1.tif")]
    with pytest.raises(InputError, match="no file matches"):
        expand_sources([str(inputs / "*.h5")])
    other = tmp_path / "other"
    other.mkdir()
    (other / "s0.tif").write_bytes((inputs / "s0.tif").read_bytes())
    with pytest.raises(InputError, match="would both be written"):
        plan_outputs([str(inputs / "s0.tif"), str(other / "s0.tif")], str(tmp_path), "_aligned")
    (tmp_path / "x.h5").write_bytes(b"")
    with pytest.raises(InputError, match="overwrite the input"):
        plan_outputs([str(tmp_path / "x.h5")], str(tmp_path), "")
    assert plan_outputs([f"{tmp_path}/x.h5:/a/b"], "o", "_t") == [os.path.join("o", "x_a_b_t.h5")]


def test_dask_cluster_and_process_pool_give_the_serial_results_bit_for_bit(tmp_path):
    distributed = pytest.importorskip("distributed")
    from txmalign_gui.batch import AlignOptions

    inputs = _stacks(tmp_path / "in", count=3, images=6, size=48)
    options = batch_align_options(AlignOptions(strategy="chunked", chunk_size=3))
    results = {}
    for where in ("serial", "pool", "dask"):
        (tmp_path / where).mkdir()
        jobs = [BatchJob("align", str(inputs / f"s{k}.tif"), str(tmp_path / where / f"s{k}.h5"), options)
                for k in range(3)]
        if where == "dask":
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                          dashboard_address=None) as cluster, distributed.Client(cluster) as client:
                outcomes = run_dask(jobs, client, lambda index, outcome: None)
        else:
            outcomes = run_pool(jobs, 1 if where == "serial" else 2, lambda index, outcome: None)
        assert [o["status"] for o in outcomes] == ["done"] * 3, outcomes
        results[where] = [_read(job.output) for job in jobs]
    for where in ("pool", "dask"):
        for (aligned, transforms), (serial_aligned, serial_transforms) in zip(results[where], results["serial"]):
            assert np.array_equal(transforms, serial_transforms)
            assert np.array_equal(aligned, serial_aligned, equal_nan=True)


def test_dask_requested_but_not_installed_is_one_line(tmp_path, capsys, monkeypatch):
    inputs = _stacks(tmp_path / "in", count=1, images=4, size=32)
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)
    code = main(["batch", "align", str(inputs), "--out-dir", str(tmp_path / "o"), "--dask-local", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'txmalign[dask]'" in err


def test_xanes_tomography_recovers_per_energy_offsets(tmp_path, capsys):
    """Three energies (the dense inclusions absorb more above the edge), each series with its own jitter and
    a known whole-series shift; the per-projection transforms must put every energy on the reference."""
    rows, cols, count = 32, 40, 31
    angles = np.linspace(0, 180, count)
    rng = np.random.default_rng(7)
    offsets = np.array([[0.0, 0.0], [1.3, -0.8], [-0.6, 1.7]])
    jitter = rng.uniform(-1, 1, (3, count, 2))
    body = default_phantom(rows, cols)
    paths = []
    for e in range(3):
        edge = [dataclasses.replace(b, density=b.density * (1 + 0.8 * e)) if b.density > 1.4 else b for b in body]
        projections = project(edge, angles, rows, cols, shifts=jitter[e] + offsets[e])
        paths.append(str(tmp_path / f"e{e}.h5"))
        with h5py.File(paths[-1], "w") as handle:
            handle["exchange/data"] = np.exp(-projections / 40.0).astype(np.float32)
            handle["exchange/theta"] = angles
    (tmp_path / "energies.txt").write_text("8320\n8340\n8360\n")
    code = main(["batch", "xanes-tomo", *paths, "--out-dir", str(tmp_path / "series"), "--out",
                 str(tmp_path / "xt.h5"), "--energies", str(tmp_path / "energies.txt"), "--binning", "2",
                 "--iterations", "3"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    with h5py.File(tmp_path / "xt.h5") as handle:
        totals = handle["transforms"][()]
        assert handle["energies"][()].tolist() == [8320, 8340, 8360]
        assert json.loads(handle["provenance"][()])["reference_series"] == 0
    for e in (1, 2):
        # apply-convention transforms undo the shifts: T_e - T_0 = -(offset_e + jitter_e - offset_0 - jitter_0)
        error = totals[e, :, :2] - totals[0, :, :2] + (offsets[e] - offsets[0]) + (jitter[e] - jitter[0])
        assert np.all(np.abs(np.median(error, axis=0)) < 0.1), np.median(error, axis=0)
        assert np.sqrt(np.mean(error ** 2)) < 0.15

    # again against the second energy: the aligned series are checked and reused, only the matching reruns
    code = main(["batch", "xanes-tomo", *paths, "--out-dir", str(tmp_path / "series"), "--out",
                 str(tmp_path / "xt1.h5"), "--reference-series", "1", "--binning", "2", "--iterations", "3",
                 "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and [s["status"] for s in result["series"]] == ["skipped"] * 3
    with h5py.File(tmp_path / "xt1.h5") as handle:
        again = handle["transforms"][()]
    assert np.all(np.abs(np.median(again[0, :, :2] - again[1, :, :2] - (totals[0, :, :2] - totals[1, :, :2]),
                                   axis=0)) < 0.05)


def _cpu_seconds(process) -> float:
    """User + system CPU seconds of a psutil process (0 once it has ended)."""
    try:
        times = process.cpu_times()
    except Exception:  # ended meanwhile
        return 0.0
    return times.user + times.system


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kills a forkserver pool worker")
def test_a_killed_worker_fails_only_its_stacks_and_the_rerun_completes_the_batch(tmp_path):
    psutil = pytest.importorskip("psutil")
    inputs = _stacks(tmp_path / "in", count=3, images=40, size=64)  # seconds per stack: killed while busy
    argv = [sys.executable, "-m", "txmalign_gui.cli", "batch", "align", str(inputs), "--out-dir",
            str(tmp_path / "out"), "--jobs", "2", "--json"]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    parent = psutil.Process(process.pid)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and process.poll() is None and time.monotonic() < deadline:
        # pool workers are the forkserver's children, i.e. grandchildren of the batch process
        workers = [p for p in parent.children(recursive=True) if p.ppid() != process.pid]
        busy = [p for p in workers if _cpu_seconds(p) > 0.3]  # imports done, registering a stack
        if busy:
            killed = busy[0]
            killed.kill()
        time.sleep(0.02)
    out, err = process.communicate(timeout=120)
    assert killed is not None, "no worker was seen"
    outcomes = json.loads(out)["stacks"]
    assert process.returncode == 1 and "Traceback" not in err, err
    died = [o for o in outcomes if o["status"] == "failed"]
    assert died and all("worker process died" in o["error"] for o in died)
    assert all(o["status"] == "done" for o in outcomes if o not in died)  # the pool was started again

    rerun = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    statuses = {os.path.basename(o["source"]): o["status"] for o in json.loads(rerun.stdout)["stacks"]}
    assert statuses == {os.path.basename(o["source"]): "done" if o in died else "skipped" for o in outcomes}


def test_a_stack_that_mostly_failed_stays_a_failure_when_resumed(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    noise = np.random.default_rng(0).random((6, 48, 48)).astype(np.float32)  # nothing to register
    tifffile.imwrite(tmp_path / "in" / "noise.tif", noise, photometric="minisblack")
    argv = ["batch", "align", str(tmp_path / "in"), "--out-dir", str(tmp_path / "out"), "--json"]
    for expected in ("untrusted", "untrusted"):  # written for inspection, then kept but still reported
        code = main(argv)
        outcome = json.loads(capsys.readouterr().out)["stacks"][0]
        assert code == 1 and outcome["status"] == expected, outcome
    assert "earlier run" in outcome["error"]


def test_cross_energy_fit_ignores_outlying_projections_and_keeps_the_sample_move():
    from txmalign_gui.batch.xanes_tomo import fit_cross_shifts

    angles = np.linspace(0, 180, 61)
    theta = np.deg2rad(angles)
    rng = np.random.default_rng(3)
    measured = np.stack([np.full(61, -0.4), 0.5 + 1.2 * np.cos(theta) - 0.7 * np.sin(theta)], axis=1)
    measured += rng.normal(0, 0.02, measured.shape)
    measured[[5, 30, 47]] += [[6.0, -9.0], [-4.0, 7.0], [3.0, 12.0]]  # three registrations gone wrong
    usable = np.ones(61, dtype=bool)
    usable[50] = False  # and one that failed outright
    fit = fit_cross_shifts(measured, angles, usable)
    assert fit["dy"] == pytest.approx(-0.4, abs=0.02) and fit["dx"] == pytest.approx(0.5, abs=0.02)
    assert fit["cos"] == pytest.approx(1.2, abs=0.02) and fit["sin"] == pytest.approx(-0.7, abs=0.02)
    assert not fit["used"][[5, 30, 47, 50]].any() and fit["used"].sum() == 57
    narrow = fit_cross_shifts(measured[:10], angles[:10], usable[:10])  # 27 deg: no sinusoid can be told apart
    assert narrow["cos"] == narrow["sin"] == 0.0


def test_stacks_aligned_side_by_side_plan_with_their_share_of_the_memory(monkeypatch):
    from txmalign_gui.io import memory

    monkeypatch.setattr(memory, "_machine_available", lambda: 8 * 1024 ** 3)
    assert memory.sharing() == 1 and memory.available_bytes() == 8 * 1024 ** 3
    memory.share_between(4)  # what each worker of `batch --jobs 4` does first
    try:
        assert memory.available_bytes() == 2 * 1024 ** 3
        memory.check_memory(1.5 * 1024 ** 3, "aligning s0.h5")
        with pytest.raises(InputError, match=r"needs 3\.0 GiB, 2\.0 GiB is its share with 4 stacks .*--jobs"):
            memory.check_memory(3 * 1024 ** 3, "aligning s0.h5")
    finally:
        memory.share_between(1)
