"""`txmalign tomo` reports the rotation axis' offset and tilt and takes `--coarse learned`."""

import re

import h5py
import numpy as np
import pytest

from txmalign_gui.cli import main
from txmalign_gui.engine.tomo.phantom import default_phantom, project


def test_tomo_command_with_learned_coarse_prints_axis_geometry(capsys, tmp_path):
    rng = np.random.default_rng(4)
    angles = np.linspace(0, 180, 61)
    jitter = rng.uniform(-3, 3, size=(61, 2))
    projections = project(default_phantom(48, 64), angles, 48, 64, axis_offset=1.5, shifts=jitter)
    with h5py.File(tmp_path / "tomo.h5", "w") as h5:
        h5["exchange/data"] = np.exp(-projections / projections.max() * 2).astype(np.float32)
        h5["exchange/theta"] = angles
    code = main(["tomo", str(tmp_path / "tomo.h5"), "--out", str(tmp_path / "out.h5"), "--coarse", "learned",
                 "--binning", "2", "--iterations", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    found = re.search(r"rotation axis ([-+][0-9.]+) px from the central column, tilted ([-+][0-9.]+) deg", out.out)
    assert found, out.out
    assert float(found.group(1)) == pytest.approx(1.5, abs=0.25)
    assert abs(float(found.group(2))) < 0.2
    with h5py.File(tmp_path / "out.h5") as h5:
        assert h5["transforms"].shape == (61, 3)
