"""What other programs read from txmalign's outputs: NeXus NXdata (silx, h5web), the Data Exchange layout
(TomoPy), compressed inputs (hdf5plugin), and provenance keys that are the same from the CLI and the app."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from hostile_support import shifted_stack

from txmalign_gui.cli import main
from txmalign_gui.engine.stack import STACK_PARAMS
from txmalign_gui.io import RunRecord, read_stack, write_aligned


def _record(source, **details):
    return RunRecord("phasecorr", {"upsample": 10}, source, strategy="anchor", anchor=2,
                     preprocessing={"flat_field": True, "minus_log": True, "scale_gray": False}, details=details)


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "input.npy"
    np.save(path, shifted_stack())
    return str(path)


def test_aligned_xanes_stack_is_the_default_nexus_plot(tmp_path, source):
    stack, energies = shifted_stack(), np.linspace(7000, 7100, 5)
    path = tmp_path / "out.h5"
    write_aligned(str(path), stack, np.zeros((5, 3)), _record(source), energies=energies)
    with h5py.File(path, "r") as handle:
        assert handle.attrs["default"] == "entry" and handle["entry"].attrs["default"] == "data"
        group = handle["entry/data"]
        assert group.attrs["NX_class"] == "NXdata" and group.attrs["signal"] == "data"
        assert list(group.attrs["axes"]) == ["energy", ".", "."] and group.attrs["energy_indices"] == 0
        assert np.array_equal(group["data"][()], stack) and np.array_equal(group["energy"][()], energies)
        assert group["data"].id == handle["aligned"].id  # a hard link, not a copy
    silx_nxdata = pytest.importorskip("silx.io.nxdata")
    with h5py.File(path, "r") as handle:
        default = silx_nxdata.get_default(handle)
        assert default is not None and default.signal.shape == (5, 40, 40)
        assert np.array_equal(default.axes[0][()], energies)


def _read_aps_32id(path):
    """What dxchange.read_aps_32id returns (tomo, flat, dark, theta in radians), by its documented layout:
    dxchange is not on PyPI (conda-forge only), so its reading is spelled out here."""
    with h5py.File(path, "r") as handle:
        tomo, flat, dark = (handle[f"exchange/{n}"][()] for n in ("data", "data_white", "data_dark"))
        theta = handle["exchange/theta"][()] * np.pi / 180.0
    return tomo, flat, dark, theta


def _tomopy_standard_pipeline(tomo, flat, dark):
    """tomopy.normalize (mean flat and dark) then tomopy.minus_log, as their documentation defines them."""
    flat, dark = flat.mean(axis=0), dark.mean(axis=0)
    return -np.log((tomo - dark) / (flat - dark))


@pytest.mark.parametrize("minus_log", [True, False])
def test_tomography_output_has_the_data_exchange_layout(tmp_path, source, minus_log):
    projections, angles = shifted_stack() / 50.0 + 0.1, np.linspace(0, 180, 5)
    projections[0, :3, :3] = np.nan  # no data where a shifted projection left its frame
    record = _record(source, axis_tilt_deg=0.25, centre_offset=-1.5)
    record.preprocessing["minus_log"] = minus_log
    path = tmp_path / "tomo.h5"
    write_aligned(str(path), projections, np.zeros((5, 3)), record, angles=angles, tomography=True)
    tomo, flat, dark, theta = _read_aps_32id(path)
    assert tomo.shape == (5, 40, 40) and flat.shape == dark.shape == (1, 40, 40)
    assert np.allclose(theta, np.deg2rad(angles))
    normalised = (tomo - dark.mean(axis=0)) / (flat.mean(axis=0) - dark.mean(axis=0))
    if minus_log:  # the standard pipeline gives the aligned line integrals back, not their log
        assert np.allclose(_tomopy_standard_pipeline(tomo, flat, dark), projections, rtol=1e-5, atol=1e-6,
                           equal_nan=True)
    else:  # intensities: normalize is an identity
        assert np.array_equal(normalised, projections, equal_nan=True)
    with h5py.File(path, "r") as handle:
        assert handle["implements"][()].decode() == "exchange:measurement:process"
        assert handle["exchange/theta"].attrs["units"] == "degrees"
        assert handle["exchange/data"].attrs["axes"] == "theta:y:x"
        assert handle["measurement/sample/file_name"][()].decode().endswith("input.npy")
        assert np.array_equal(handle["process/txmalign/transforms"][()], np.zeros((5, 3)))
        assert handle["process/txmalign/axis_tilt_deg"][()] == 0.25
        assert handle["process/txmalign/centre_offset"][()] == -1.5
        assert json.loads(handle["process/txmalign/parameters"][()])["method"] == "phasecorr"
    again = read_stack(str(path))  # our own Data Exchange reader takes it back as tomography
    assert again.kind == "tomo" and np.array_equal(again.angles, angles)


def test_data_exchange_needs_angles(tmp_path, source):
    from txmalign_gui.engine.errors import InputError

    with pytest.raises(InputError, match="no rotation angles"):
        write_aligned(str(tmp_path / "t.h5"), shifted_stack(), np.zeros((5, 3)), _record(source), tomography=True)


def test_tiff_output_carries_the_same_provenance(tmp_path, source):
    import tifffile

    write_aligned(str(tmp_path / "a.tif"), shifted_stack(), np.zeros((5, 3)), _record(source, crop=[0, 1, 0, 1]))
    with tifffile.TiffFile(tmp_path / "a.tif") as tiff:
        provenance = json.loads(tiff.pages[0].description)
        assert tiff.series[0].shape == (5, 40, 40)
    assert provenance["method"] == "phasecorr" and provenance["crop"] == [0, 1, 0, 1]
    assert provenance["preprocessing"]["minus_log"] is True


@pytest.mark.parametrize("compression", ["bitshuffle-lz4", "blosc-zstd", "zstd"])
def test_compressed_hdf5_is_read(tmp_path, compression):
    hdf5plugin = pytest.importorskip("hdf5plugin")
    filters = {"bitshuffle-lz4": lambda: hdf5plugin.Bitshuffle(cname="lz4"),
               "blosc-zstd": lambda: hdf5plugin.Blosc(cname="zstd", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE),
               "zstd": lambda: hdf5plugin.Zstd()}
    stack = (shifted_stack() * 1000).astype(np.uint16)
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("data", data=stack, chunks=(1, 40, 40), **filters[compression]())
    assert np.array_equal(read_stack(str(path)).load(), stack)


def test_provenance_keys_are_the_same_from_the_cli_and_the_app(tmp_path, source, capsys):
    from txmalign_gui.gui.alignment import Alignment
    from txmalign_gui.gui.exporter import save_aligned

    assert main(["align", source, "--out", str(tmp_path / "cli.h5"), "--method", "phasecorr", "--jobs", "1"]) == 0
    with h5py.File(tmp_path / "cli.h5", "r") as handle:
        cli = json.loads(handle["provenance"][()])
    stack = read_stack(source)
    alignment = Alignment(transforms=np.zeros((5, 3)), costs=np.zeros(5), confidences=np.ones(5),
                          statuses=("ok",) * 5, method="phasecorr", params={}, anchor=2, seconds=0.1,
                          stack_options={**STACK_PARAMS.defaults(), "anchor": 2, "binning": 1},  # as the form
                          prepare={"flat_field": True, "minus_log": False, "scale_gray": False})
    save_aligned(str(tmp_path / "app.h5"), stack, alignment, shifted_stack())
    with h5py.File(tmp_path / "app.h5", "r") as handle:
        app = json.loads(handle["provenance"][()])
    shared = {"program", "version", "created_utc", "method", "params", "strategy", "anchor", "input_path",
              "input_dataset", "input_sha256", "preprocessing", "options", "roi", "messages"}
    assert shared <= set(cli) and shared <= set(app)
    assert set(cli["preprocessing"]) == set(app["preprocessing"]) and set(cli["options"]) == set(app["options"])
    assert "preparation" not in app and cli["program"] == "txmalign" and app["program"] == "txmalign-gui"
