"""ALS STXM (.hdr + .xim) and NeXus NXstxm readers, on files written here and on the real ALS header."""

import os

import h5py
import numpy as np
import pytest

from txmalign_gui.engine.errors import InputError
from txmalign_gui.io import read_stack

# ../shared/data/real relative to the repository root, or TXMALIGN_REAL_DATA pointing at data/real
_REAL_ROOT = os.environ.get("TXMALIGN_REAL_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                                                  "data", "real")
REAL = os.path.normpath(os.path.join(_REAL_ROOT, "stxm_fe_L3_als_71214098"))


def write_stxm(folder, frames: dict, energies=None, shape=(6, 6), header=None) -> str:
    """A `.hdr` listing `energies` (default 700 + k eV for 4 frames) and one `_a<k>.xim` per entry of `frames`
    (an array, or text written as is)."""
    energies = [700.0 + k for k in range(4)] if energies is None else energies
    rows, cols = shape

    def points(n, start, step):
        return f"({n}, " + ", ".join(f"{start + step * i:.3f}" for i in range(n)) + ")"
    text = header or (
        'ScanDefinition = { Label = "s.hdr"; Type = "NEXAFS Image Scan"; Flags = "Image Stack";\n'
        f'\tRegions = (1,\n{{\n\t\t\tPAxis = {{ Name = "Sample X"; Unit = "um"; '
        f'Points = {points(cols, -5, 0.04)};\n}};\n'
        f'\t\t\tQAxis = {{ Name = "Sample Y"; Unit = "um"; Points = {points(rows, 2, 0.04)};\n}};\n}});\n'
        f'\tStackAxis = {{ Name = "Energy"; Unit = "eV"; Points = ({len(energies)}, '
        + ", ".join(str(e) for e in energies) + ");\n};\n};\n")
    path = os.path.join(str(folder), "s.hdr")
    with open(path, "w") as handle:
        handle.write(text)
    for index, frame in frames.items():
        name = os.path.join(str(folder), f"s_a{index:03d}.xim")
        if isinstance(frame, str):
            with open(name, "w") as handle:
                handle.write(frame)
        else:
            np.savetxt(name, frame, delimiter="\t", fmt="%.3f")
    return path


def test_stxm_frames_with_their_energies_and_pixel_size(tmp_path):
    frames = {k: np.arange(36, dtype=float).reshape(6, 6) + 10 * k for k in (0, 1, 3)}
    data = read_stack(write_stxm(tmp_path, frames))
    assert data.shape == (3, 6, 6) and data.kind == "xanes"
    assert data.energies.tolist() == [700.0, 701.0, 703.0]
    assert data.pixel_size_nm == pytest.approx(40.0)
    assert np.array_equal(data.load()[2], frames[3])  # rows as stored: QAxis down, PAxis across
    assert "3 of the 4 frames" in data.metadata["warnings"][0]


def test_stxm_frames_beyond_the_energy_list_are_ignored(tmp_path):
    data = read_stack(write_stxm(tmp_path, {0: np.ones((6, 6)), 1: np.ones((6, 6)), 7: np.ones((6, 6))}))
    assert len(data) == 2


@pytest.mark.skipif(not os.path.isdir(REAL), reason="real STXM data not present")
def test_real_als_stack_matches_the_published_tiff():
    import tifffile

    data = read_stack(os.path.join(REAL, "71214098.hdr"))
    published = tifffile.imread(os.path.join(REAL, "71214098_stack_float32.tif"))
    energies = np.loadtxt(os.path.join(REAL, "71214098_energies_eV.txt"))
    assert data.shape == (2, 150, 150)
    assert np.allclose(data.energies, energies[[0, 60]])
    assert np.allclose(data.load(), published[[0, 60]])
    assert data.pixel_size_nm == pytest.approx(80.0)


def write_nxstxm(path, stack, energies, channels=("counter0",)):
    with h5py.File(path, "w") as handle:
        entry = handle.create_group("entry0")
        entry.attrs["NX_class"] = "NXentry"
        entry.create_dataset("definition", data="NXstxm")
        for name in channels:
            group = entry.create_group(name)
            group.attrs["NX_class"] = "NXdata"
            group.attrs["signal"] = "data"
            group.create_dataset("data", data=stack)
            group.create_dataset("energy", data=energies)
            group.create_dataset("sample_x", data=np.arange(stack.shape[-1]) * 0.05)
            group.create_dataset("sample_y", data=np.arange(stack.shape[-2]) * 0.05)
            group.create_dataset("stxm_scan_type", data="sample image stack")
    return str(path)


def test_nxstxm_stack_with_energies(tmp_path):
    stack = np.random.default_rng(0).random((4, 8, 10)).astype(np.float32)
    data = read_stack(write_nxstxm(tmp_path / "s.nxs", stack, [700.0, 701, 702, 703], ("counter0", "counter1")))
    assert data.metadata["format"] == "nxstxm" and data.dataset == "/entry0/counter0/data"
    assert data.energies.tolist() == [700.0, 701, 702, 703]
    assert data.pixel_size_nm == pytest.approx(50.0)
    assert np.array_equal(data.load(), stack)
    assert "2 detector channels" in data.metadata["warnings"][0]


def test_nxstxm_point_spectrum_is_refused(tmp_path):
    with pytest.raises(InputError, match="an image stack"):
        read_stack(write_nxstxm(tmp_path / "s.h5", np.ones((4, 8)), [700.0, 701, 702, 703]))
