"""The `txmalign` command line end to end, on files it writes itself and on synthetic pairs."""

import json

import h5py
import numpy as np
import pytest
import tifffile
from scipy import ndimage

from txmalign_gui import __version__
from txmalign_gui.batch import PrepareOptions, prepare_stack
from txmalign_gui.cli import main
from txmalign_gui.engine.tomo.phantom import default_phantom, project
from txmalign_gui.io import read_stack


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "example.h5"
    assert main(["example", "--out", str(path)]) == 0
    return path


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(3)
    fixed = ndimage.gaussian_filter(rng.random((128, 128)), 3)
    fixed = (fixed > np.median(fixed)).astype(float) + 0.05 * rng.random((128, 128))
    moving = ndimage.shift(fixed, (-4.5, 6.25), order=3, mode="nearest")  # so (4.5, -6.25) aligns it
    tifffile.imwrite(tmp_path / "fixed.tif", fixed.astype(np.float32))
    np.save(tmp_path / "moving.npy", moving)
    return tmp_path / "fixed.tif", tmp_path / "moving.npy"


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("method", ["tvdm", "phasecorr"])
def test_register_json_has_the_sign_of_the_convention(capsys, pair, method):
    code, out, _ = run(capsys, "register", str(pair[0]), str(pair[1]), "--method", method, "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"dy", "dx", "angle_deg", "cost", "method", "seconds"}
    assert result["dy"] == pytest.approx(4.5, abs=0.1) and result["dx"] == pytest.approx(-6.25, abs=0.1)


def test_register_reads_hdf5_frames(capsys, tmp_path, pair):
    stack = np.stack([tifffile.imread(pair[0]), np.load(pair[1])])
    with h5py.File(tmp_path / "s.h5", "w") as h5:
        h5["data"] = stack
    code, out, _ = run(capsys, "register", f"{tmp_path / 's.h5'}:/data[0]", f"{tmp_path / 's.h5'}:/data[1]",
                       "--method", "phasecorr", "--json")
    assert code == 0 and json.loads(out)["dx"] == pytest.approx(-6.25, abs=0.1)


def test_register_bad_input_is_one_clear_line(capsys, tmp_path, pair):
    np.save(tmp_path / "small.npy", np.zeros((64, 64)) + np.arange(64))
    code, _, err = run(capsys, "register", str(pair[0]), str(tmp_path / "small.npy"))
    assert code == 2 and "differ in shape" in err and "Traceback" not in err
    code, _, err = run(capsys, "register", str(pair[0]), str(pair[1]), "--param", "levels=banana")
    assert code == 2 and "levels" in err


def test_methods_lists_every_parameter(capsys):
    code, out, _ = run(capsys, "methods", "--json")
    described = {m["name"]: m for m in json.loads(out)}
    assert code == 0 and "tvdm" in described and "phasecorr" in described
    assert all(p["help"] for m in described.values() for p in m["params"])


def test_align_example_recovers_known_transforms(capsys, tmp_path, example):
    out = tmp_path / "aligned.h5"
    code, text, _ = run(capsys, "align", str(example), "--out", str(out), "--strategy", "chunked",
                        "--transforms-csv", str(tmp_path / "t.csv"), "--jobs", "1")
    assert code == 0 and "aligned 101 images" in text
    with h5py.File(example) as src, h5py.File(out) as dst:
        truth, found = src["truth_transforms"][()], dst["transforms"][()]
        provenance = json.loads(dst["provenance"][()])
        assert dst["aligned"].shape == src["img_xanes"].shape
        assert dst["energies"].shape == (101,)
    error = np.hypot(*(found[:, :2] - truth[:, :2]).T)
    assert np.sqrt(np.mean(error ** 2)) < 0.2 and error.max() < 0.5
    assert provenance["method"] == "tvdm" and provenance["strategy"] == "chunked"
    assert provenance["input_sha256"]
    csv = np.loadtxt(tmp_path / "t.csv", delimiter=",", skiprows=1)
    assert np.allclose(csv[:, 1:], found)


def test_align_never_overwrites(capsys, tmp_path, example):
    code, _, err = run(capsys, "align", str(example), "--out", str(example), "--force")
    assert code == 2 and "input" in err
    existing = tmp_path / "exists.h5"
    existing.write_bytes(b"keep me")
    code, _, err = run(capsys, "align", str(example), "--out", str(existing))
    assert code == 2 and "--force" in err and existing.read_bytes() == b"keep me"


def test_apply_reuses_transforms(capsys, tmp_path, example):
    csv = tmp_path / "t.csv"
    rows = np.zeros((101, 3))
    rows[:, 1] = 2.0
    csv.write_text("index,dy,dx,angle_deg\n" + "\n".join(f"{i},{r[0]},{r[1]},{r[2]}" for i, r in enumerate(rows)))
    code, _, _ = run(capsys, "apply", str(csv), str(example), "--out", str(tmp_path / "moved.h5"))
    assert code == 0
    with h5py.File(tmp_path / "moved.h5") as h5:
        moved = h5["aligned"][3]
    prepared = prepare_stack(read_stack(str(example)), PrepareOptions())[3]
    expected = ndimage.shift(prepared, (0.0, 2.0), order=1, cval=np.nan)
    assert np.allclose(moved[:, 3:], expected[:, 3:], atol=1e-4)  # content moved right by 2 px
    assert np.isnan(moved[:, :2]).all()  # nothing came from outside the image
    code, _, err = run(capsys, "apply", str(tmp_path / "t.csv"), str(example), "--out", str(tmp_path / "moved.h5"))
    assert code == 2 and "--force" in err


def test_tomo_command_removes_jitter(capsys, tmp_path):
    rng = np.random.default_rng(0)
    angles = np.linspace(0, 180, 90, endpoint=False)
    jitter = rng.uniform(-4, 4, size=(90, 2))
    jitter -= jitter.mean(axis=0)
    projections = project(default_phantom(48, 64), angles, 48, 64, shifts=jitter)
    with h5py.File(tmp_path / "tomo.h5", "w") as h5:
        h5["exchange/data"] = np.exp(-projections / projections.max() * 2).astype(np.float32)
        h5["exchange/theta"] = angles
    code, text, err = run(capsys, "tomo", str(tmp_path / "tomo.h5"), "--out", str(tmp_path / "out.h5"))
    assert code == 0, err
    with h5py.File(tmp_path / "out.h5") as h5:
        found = h5["transforms"][()]
    assert "aligned 90 projections" in text
    residual = found[:, :2] + jitter  # corrections undo the jitter up to motions of the whole sample
    residual[:, 0] -= residual[:, 0].mean()
    design = np.column_stack([np.cos(np.deg2rad(angles)), np.sin(np.deg2rad(angles)), np.ones(90)])
    residual[:, 1] -= design @ np.linalg.lstsq(design, residual[:, 1], rcond=None)[0]
    assert np.sqrt(np.mean(residual ** 2)) < 0.3


def test_formats_lists_the_registered_readers(capsys):
    import json as _json

    from txmalign_gui.io import available_readers

    assert main(["formats", "--json"]) == 0
    listed = _json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listed] == [reader.name for reader in available_readers()]
    assert any(".hdr" in entry["extensions"] for entry in listed)


@pytest.mark.parametrize("single, batch, shared", [
    (["align", "in.h5", "--out", "o.h5"], ["batch", "align", "in.h5", "--out-dir", "d"],
     ["--method", "phasecorr", "--rotation", "--param", "sigma=2", "--roi", "0:40,8:60", "--strategy", "chunked",
      "--chunk-size", "4", "--binning", "2", "--no-flat-field", "--minus-log", "--skip-axis-values", "1"]),
    (["tomo", "in.h5", "--out", "o.h5"], ["batch", "tomo", "in.h5", "--out-dir", "d"],
     ["--coarse", "none", "--binning", "2", "--no-minus-log", "--skip-axis-values", "2"]),
])
def test_batch_reads_the_same_settings_as_the_single_stack_command(single, batch, shared):
    """`batch align|tomo` take the options of `align` / `tomo` (but the per-stack --jobs) and read them back
    into the very settings the single-stack command runs with."""
    from txmalign_gui.cli import build_parser
    from txmalign_gui.cli_options import align_options, tomo_options

    parser = build_parser()
    settings = align_options if single[0] == "align" else tomo_options
    one, many = parser.parse_args(single + shared), parser.parse_args(batch + shared)
    assert settings(one) == settings(many) != settings(parser.parse_args(single))
