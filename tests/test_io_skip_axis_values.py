"""`--skip-axis-values N` / `read_stack(..., skip_axis_values=N)`: energies or angles files that also list
the dark and flat frames of the scan."""

import os

import numpy as np
import pytest
import tifffile

from txmalign_gui.engine.errors import InputError
from txmalign_gui.io import load_angles, read_stack

_REAL_ROOT = os.environ.get("TXMALIGN_REAL_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                                                  "data", "real")
I13 = os.path.normpath(os.path.join(_REAL_ROOT, "tomo_i13_diamond_savu"))


@pytest.fixture
def folder(tmp_path):
    for k in range(4):
        tifffile.imwrite(tmp_path / f"proj_{k}.tif", np.full((6, 6), k, np.uint16))
    return tmp_path


def test_leading_and_trailing_reference_entries(folder):
    (folder / "angles.txt").write_text("\n".join(["-1", "-1", "0", "30", "60", "90", "-1"]))
    plain = read_stack(str(folder))
    assert plain.angles is None and "holds 7 angles for 4 images" in plain.metadata["warnings"][0]
    data = read_stack(str(folder), skip_axis_values=2)
    assert data.angles.tolist() == [0, 30, 60, 90] and data.kind == "tomo"
    assert data.metadata["warnings"] == ["angles.txt: the first 2 and the last 1 angles were not used "
                                         "(dark/flat frames?); 4 match the images"]


def test_too_few_values_after_skipping(folder):
    (folder / "angles.txt").write_text("\n".join(["-1", "0", "30", "60", "90"]))
    with pytest.raises(InputError, match="without the first 2 that is 3 for 4 images"):
        read_stack(str(folder), skip_axis_values=2)


def test_load_angles_skip(tmp_path):
    (tmp_path / "a.txt").write_text("5\n6\n7\n")
    assert load_angles(str(tmp_path / "a.txt"), skip=1).tolist() == [6, 7]
    with pytest.raises(InputError, match="cannot skip the first 3"):
        load_angles(str(tmp_path / "a.txt"), skip=3)


@pytest.mark.skipif(not os.path.isdir(I13), reason="real I13 data not present")
def test_real_i13_angles_skip_the_five_darks_and_five_flats():
    data = read_stack(I13, skip_axis_values=10)
    assert data.shape == (91, 135, 160) and data.kind == "tomo"
    assert data.angles[0] == pytest.approx(-88.2, abs=1e-3) and data.angles[-1] == pytest.approx(91.8, abs=1e-3)
    assert np.allclose(np.diff(data.angles), 2.0, atol=1e-3)
