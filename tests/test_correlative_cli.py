"""`txmalign correlate` end to end: the JSON matrix, the HDF5 it writes, the landmarks file, and bad input as
one line with exit status 2."""

import json
import os

import h5py
import numpy as np
import pytest
import tifffile
from correlative_pairs import errors, landmarks_of, pair

from txmalign_gui.batch.correlate_job import read_landmarks, write_landmarks
from txmalign_gui.cli import main
from txmalign_gui.engine.correlative import PointMap
from txmalign_gui.engine.errors import InputError

CLICKS = [[20, 30], [130, 40], [100, 150], [140, 160]]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("correlate")
    xray, em, truth = pair("astronaut", scale=0.45, angle=-15.0, seed=11)
    tifffile.imwrite(folder / "xray.tif", xray.astype(np.float32))
    tifffile.imwrite(folder / "em.tif", em)  # 8-bit, as SEM images come
    write_landmarks(str(folder / "pairs.csv"), *landmarks_of(truth, CLICKS, noise=1.0))
    return folder, truth, xray.shape


def test_json_matrix_maps_em_to_xray_and_the_file_holds_everything(files, capsys, tmp_path):
    folder, truth, shape = files
    out = tmp_path / "overlay.h5"
    code, text, err = run(capsys, "correlate", folder / "xray.tif", folder / "em.tif", "--out", out,
                          "--landmarks", folder / "pairs.csv", "--json")
    assert code == 0, err
    summary = json.loads(text.strip().splitlines()[-1])
    found = PointMap.from_matrix(summary["matrix"])
    scale_error, angle_error, shift_error = errors(found, truth, shape)
    assert abs(scale_error) < 0.2 and abs(angle_error) < 0.2 and shift_error < 0.5
    assert summary["status"] == "ok" and summary["scale"] == pytest.approx(0.45, rel=2e-3)
    assert summary["angle_deg"] == pytest.approx(-15.0, abs=0.2) and len(summary["landmark_residuals_px"]) == 4
    with h5py.File(out, "r") as handle:
        assert handle["aligned"].shape == (1,) + shape
        assert np.allclose(handle["correlative/matrix"][()], summary["matrix"])
        assert handle["correlative/landmarks_em"].shape == (4, 2)
        assert list(handle["transforms"].attrs["columns"]) == ["dy", "dx", "angle_deg", "scale"]
        provenance = json.loads(handle["provenance"][()])
        assert provenance["method"] == "correlative-mutual-information"
        assert provenance["xray_source"].endswith("xray.tif") and provenance["input_path"].endswith("em.tif")
        resampled = handle["aligned"][0]
    xray = tifffile.imread(folder / "xray.tif")
    covered = np.isfinite(resampled)
    # EM bright where the X-ray image is dark (absorbing)
    assert covered.mean() > 0.5 and np.corrcoef(xray[covered], resampled[covered])[0, 1] < -0.3


def test_text_output_without_landmarks(files, capsys, tmp_path):
    folder, truth, shape = files
    code, text, err = run(capsys, "correlate", folder / "xray.tif", folder / "em.tif", "--out", tmp_path / "o.h5",
                          "--angle-range", "20")
    assert code == 0, err
    assert "started from identity" in text and "status      ok" in text


@pytest.mark.parametrize("content, words", [
    ("1,2,3,4\n5,6,7,8\n", "at least 3"),
    ("xray_row,xray_col,em_row,em_col\n0,0,0,0\n10,10,5,5\n20,20,9,9\n", "one line"),
    ("1,2,3\n", "3 values"),
    ("1,2,3,4\nx,y,z,w\n", "not four numbers"),
    ("# nothing\n", "no landmarks"),
])
def test_bad_landmarks_are_one_line_exit_2(files, capsys, tmp_path, content, words):
    folder, _, _ = files
    (tmp_path / "bad.csv").write_text(content)
    code, text, err = run(capsys, "correlate", folder / "xray.tif", folder / "em.tif", "--out", tmp_path / "o.h5",
                          "--landmarks", tmp_path / "bad.csv")
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert not os.path.exists(tmp_path / "o.h5")


def test_inputs_are_never_overwritten(files, capsys):
    folder, _, _ = files
    before = (folder / "em.tif").read_bytes()
    code, _, err = run(capsys, "correlate", folder / "xray.tif", folder / "em.tif", "--out", folder / "em.tif",
                       "--force")
    assert code == 2 and "overwrite the input" in err
    assert (folder / "em.tif").read_bytes() == before


def test_missing_file_is_one_line(files, capsys, tmp_path):
    folder, _, _ = files
    code, _, err = run(capsys, "correlate", folder / "xray.tif", tmp_path / "none.tif", "--out", tmp_path / "o.h5")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_landmarks_file_round_trip(tmp_path):
    xray, em = np.array([[1.5, 2.0], [3, 4], [5, 6.25]]), np.array([[10, 20], [30, 40], [50, 60.5]])
    write_landmarks(str(tmp_path / "p.csv"), xray, em)
    back = read_landmarks(str(tmp_path / "p.csv"))
    assert np.array_equal(back[0], xray) and np.array_equal(back[1], em)
    (tmp_path / "q.txt").write_text("# x-ray row col, em row col\n1.5 2 10 20\n3;4;30;40\n")
    assert read_landmarks(str(tmp_path / "q.txt"))[1].tolist() == [[10, 20], [30, 40]]
    with pytest.raises(InputError, match="cannot read"):
        read_landmarks(str(tmp_path / "absent.csv"))
