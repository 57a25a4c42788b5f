"""Writers: aligned HDF5 with provenance, TIFF stack, transforms CSV; atomic output and clear failures."""

import errno
import hashlib
import json
import os

import h5py
import numpy as np
import pytest
import tifffile

import txmalign_gui
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.transform import Transform
from txmalign_gui.io import (
    build_provenance,
    read_stack,
    read_transforms,
    sha256_of_path,
    tiff_writer,
    write_aligned_hdf5,
    write_tiff_stack,
    write_transforms_csv,
)

TRANSFORMS = np.array([[1.5, -2.25, 0.0], [0.0, 0.0, 0.0], [-3.125, 4.0, 1.5]])


def _aligned():
    stack = np.arange(3 * 6 * 5, dtype=np.float32).reshape(3, 6, 5)
    stack[0, 0, 0] = np.nan
    return stack


def test_aligned_hdf5_round_trip_with_provenance(tmp_path):
    source = tmp_path / "input.tif"
    tifffile.imwrite(source, np.zeros((3, 6, 5), np.uint16), photometric="minisblack")
    provenance = build_provenance("tvdm", {"levels": np.int64(3), "sigma": 1.5}, "anchor", 1, str(source),
                                  roi=(0, 6, 0, 5))
    out = tmp_path / "out.h5"
    write_aligned_hdf5(str(out), _aligned(), TRANSFORMS, costs=[0.1, 0.0, 0.3], confidences=[0.9, 1.0, 0.2],
                       statuses=["ok", "ok", "low_confidence"], energies=[7000.0, 7001.0, 7002.0],
                       provenance=provenance)
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["aligned"][()], _aligned())
        np.testing.assert_array_equal(f["transforms"][()], TRANSFORMS)
        assert list(f["transforms"].attrs["columns"]) == ["dy", "dx", "angle_deg"]
        assert [s.decode() for s in f["statuses"][()]] == ["ok", "ok", "low_confidence"]
        assert f["energies"].attrs["units"] == "eV"
        saved = json.loads(f["provenance"][()].decode())
        assert json.loads(f.attrs["provenance"]) == saved
    assert saved["method"] == "tvdm" and saved["params"] == {"levels": 3, "sigma": 1.5}
    assert saved["strategy"] == "anchor" and saved["anchor"] == 1 and saved["roi"] == [0, 6, 0, 5]
    assert saved["version"] == txmalign_gui.__version__
    assert saved["input_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert saved["created_utc"].endswith("+00:00")
    np.testing.assert_array_equal(read_transforms(str(out)), TRANSFORMS)
    again = read_stack(str(out))
    assert again.dataset == "/aligned" and again.kind == "xanes"
    np.testing.assert_allclose(again.energies, [7000, 7001, 7002])
    assert sorted(os.listdir(tmp_path)) == ["input.tif", "out.h5"]


def test_aligned_hdf5_refuses_to_overwrite_the_input(tmp_path):
    source = tmp_path / "scan.h5"
    with h5py.File(source, "w") as f:
        f["img"] = np.zeros((3, 6, 5))
    before = source.read_bytes()
    provenance = build_provenance("phase_correlation", {}, "anchor", 0, f"{source}:/img")
    assert provenance["input_dataset"] == "/img"
    with pytest.raises(InputError, match="refusing to overwrite the input file"):
        write_aligned_hdf5(str(source), _aligned(), TRANSFORMS, provenance=provenance)
    assert source.read_bytes() == before


def test_mismatched_lengths_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="2 transforms given for 3 images"):
        write_aligned_hdf5(str(tmp_path / "o.h5"), _aligned(), TRANSFORMS[:2])
    with pytest.raises(InputError, match="2 energies given for 3 images"):
        write_aligned_hdf5(str(tmp_path / "o.h5"), _aligned(), TRANSFORMS, energies=[1.0, 2.0])
    with pytest.raises(InputError, match="N x H x W"):
        write_aligned_hdf5(str(tmp_path / "o.h5"), _aligned()[0], TRANSFORMS)
    assert os.listdir(tmp_path) == []


def test_transforms_csv_round_trip_and_transform_objects(tmp_path):
    path = tmp_path / "t.csv"
    write_transforms_csv(str(path), [Transform(*row) for row in TRANSFORMS])
    assert path.read_text().splitlines()[0] == "index,dy,dx,angle_deg"
    np.testing.assert_array_equal(read_transforms(str(path)), TRANSFORMS)
    (tmp_path / "shifts.csv").write_text("dx,dy\n1,2\n3,4\n")
    np.testing.assert_array_equal(read_transforms(str(tmp_path / "shifts.csv")), [[2, 1, 0], [4, 3, 0]])
    (tmp_path / "bad.csv").write_text("1,2,3\n")
    with pytest.raises(InputError, match="first line must name the columns"):
        read_transforms(str(tmp_path / "bad.csv"))


def test_tiff_stack_writer_writes_float32_pages(tmp_path):
    path = tmp_path / "aligned.tif"
    write_tiff_stack(str(path), _aligned())
    back = tifffile.imread(path)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, _aligned())


def test_full_disk_gives_a_clear_message_and_leaves_nothing(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tiff_writer.tifffile.TiffWriter, "write", full)
    with pytest.raises(InputError, match="not enough disk space to write .*aligned.tif"):
        write_tiff_stack(str(tmp_path / "aligned.tif"), _aligned())
    assert os.listdir(tmp_path) == []


def test_interrupted_write_keeps_the_old_file_and_no_partial(tmp_path):
    path = tmp_path / "aligned.h5"
    write_aligned_hdf5(str(path), _aligned(), TRANSFORMS)
    before = path.read_bytes()

    class Interrupting:
        shape = (3, 6, 5)

        def __getitem__(self, index):
            if index == 2:
                raise KeyboardInterrupt
            return np.zeros((6, 5), np.float32)

    with pytest.raises(KeyboardInterrupt):
        write_aligned_hdf5(str(path), Interrupting(), TRANSFORMS)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["aligned.h5"]


def test_missing_output_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_transforms_csv(str(tmp_path / "no" / "t.csv"), TRANSFORMS)


def test_folder_checksum_covers_names_and_contents(tmp_path):
    (tmp_path / "a.tif").write_bytes(b"1")
    first = sha256_of_path(str(tmp_path))
    (tmp_path / "a.tif").write_bytes(b"2")
    second = sha256_of_path(str(tmp_path))
    (tmp_path / "a.tif").rename(tmp_path / "b.tif")
    assert len({first, second, sha256_of_path(str(tmp_path))}) == 3
