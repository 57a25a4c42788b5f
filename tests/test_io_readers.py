"""Readers on small synthetic files: TIFF, TIFF folders, .npy, generic HDF5, FXI, Data Exchange, registry."""

import os
import pickle
import time

import h5py
import numpy as np
import pytest
import tifffile

from txmalign_gui.engine.errors import InputError
from txmalign_gui.io import (
    Reader,
    StackData,
    find_reader,
    list_datasets,
    load_angles,
    load_energies,
    read_image,
    read_mask,
    read_stack,
    register_reader,
)
from txmalign_gui.io.lazy import H5Array
from txmalign_gui.io.paths import natural_key
from txmalign_gui.io.registry import _READERS


def _stack(n=4, h=12, w=10, dtype=np.uint16):
    return (np.arange(n * h * w).reshape(n, h, w) % 1000).astype(dtype)


# -- TIFF ---------------------------------------------------------------------------------------

def test_multipage_tiff_with_energies_text_file(tmp_path):
    data = _stack()
    tifffile.imwrite(tmp_path / "scan.tif", data, photometric="minisblack")
    (tmp_path / "scan_energies_keV.txt").write_text("# energy\n8.30\n8.31\n8.32\n8.33\n")
    stack = read_stack(str(tmp_path / "scan.tif"))
    assert stack.shape == data.shape and stack.kind == "xanes"
    np.testing.assert_allclose(stack.energies, [8300, 8310, 8320, 8330])
    np.testing.assert_array_equal(stack.load(), data.astype(np.float32))
    assert stack.frame(2).dtype == np.float32


def test_energy_file_with_wrong_count_is_skipped_with_a_warning(tmp_path):
    tifffile.imwrite(tmp_path / "scan.tif", _stack(), photometric="minisblack")
    (tmp_path / "energies.txt").write_text("7000\n7001\n")
    stack = read_stack(str(tmp_path / "scan.tif"))
    assert stack.energies is None and stack.kind == "stack"
    assert "2 energies for 4 images" in stack.metadata["warnings"][0]


def test_single_page_tiff_is_not_a_stack(tmp_path):
    tifffile.imwrite(tmp_path / "one.tif", _stack()[0])
    with pytest.raises(InputError, match="single 2-D image"):
        read_stack(str(tmp_path / "one.tif"))
    np.testing.assert_array_equal(read_image(str(tmp_path / "one.tif")), _stack()[0])


def test_tiff_folder_natural_order_darks_flats_and_energies_from_names(tmp_path):
    data = _stack(n=3)
    for k, energy in zip((10, 2, 1), (7112.0, 7110.5, 7110.0)):
        index = {1: 0, 2: 1, 10: 2}[k]
        tifffile.imwrite(tmp_path / f"img{k}_{energy}eV.tif", data[index])
    tifffile.imwrite(tmp_path / "dark_001.tif", np.ones((12, 10), np.uint16))
    tifffile.imwrite(tmp_path / "flat_001.tif", np.full((12, 10), 9, np.uint16))
    stack = read_stack(str(tmp_path))
    assert stack.metadata["files"] == ["img1_7110.0eV.tif", "img2_7110.5eV.tif", "img10_7112.0eV.tif"]
    np.testing.assert_array_equal(stack.load(), data)
    np.testing.assert_allclose(stack.energies, [7110.0, 7110.5, 7112.0])
    assert stack.darks.shape == (1, 12, 10) and stack.flats[0, 0, 0] == 9
    assert pickle.loads(pickle.dumps(stack.images))[2].tolist() == data[2].tolist()


def test_tiff_folder_with_mismatched_frame_is_refused_on_opening(tmp_path):
    tifffile.imwrite(tmp_path / "a1.tif", np.zeros((8, 8), np.uint16))
    tifffile.imwrite(tmp_path / "a2.tif", np.zeros((9, 8), np.uint16))
    with pytest.raises(InputError, match="differ in size: a2.tif is 9 x 8, a1.tif is 8 x 8"):
        read_stack(str(tmp_path))


def test_natural_key_orders_numbers_by_value():
    names = ["img10.tif", "img2.tif", "img1.tif", "Img3.tif"]
    assert sorted(names, key=natural_key) == ["img1.tif", "img2.tif", "Img3.tif", "img10.tif"]


# -- npy --------------------------------------------------------------------------------------------

def test_npy_is_memory_mapped_and_angles_found(tmp_path):
    data = _stack(dtype=np.float32)
    np.save(tmp_path / "proj.npy", data)
    (tmp_path / "proj_angles.txt").write_text("0\n45\n90\n135\n")
    stack = read_stack(str(tmp_path / "proj.npy"))
    assert isinstance(stack.images, np.memmap) and stack.kind == "tomo"
    np.testing.assert_allclose(stack.angles, [0, 45, 90, 135])
    np.testing.assert_array_equal(read_image(f"{tmp_path / 'proj.npy'}[1]"), data[1])


# -- generic HDF5 ------------------------------------------------------------------------------------

def test_hdf5_single_3d_dataset_is_used_with_sibling_energies(tmp_path):
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["entry/stack"] = _stack()
        f["entry/energies"] = [8.30, 8.31, 8.32, 8.33]
        f["entry/energies"].attrs["units"] = "keV"
        f["entry/note"] = np.zeros((3, 3))
    stack = read_stack(str(path))
    assert stack.dataset == "/entry/stack" and isinstance(stack.images, H5Array)
    np.testing.assert_allclose(stack.energies, [8300, 8310, 8320, 8330])
    assert stack.source.endswith("s.h5:/entry/stack")


def test_hdf5_energies_from_an_attribute_of_the_stack(tmp_path):
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["stack"] = _stack()
        f["stack"].attrs["energies"] = [7.0, 7.01, 7.02, 7.03]
        f["stack"].attrs["energies_units"] = "keV"
    np.testing.assert_allclose(read_stack(str(path)).energies, [7000, 7010, 7020, 7030])


def test_hdf5_several_stacks_need_a_choice(tmp_path):
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["a"] = _stack()
        f["b/c"] = _stack(n=2).astype(np.float32)
        f["flat2d"] = np.zeros((12, 10))
    assert [(p, s) for p, s, _ in list_datasets(str(path))] == [("/a", (4, 12, 10)), ("/b/c", (2, 12, 10))]
    with pytest.raises(InputError, match=r"several 3-D datasets.*/a 4x12x10 uint16; /b/c 2x12x10 float32"):
        read_stack(str(path))
    assert read_stack(f"{path}:/b/c").shape == (2, 12, 10)
    assert read_stack(str(path), dataset="a").shape == (4, 12, 10)
    with pytest.raises(InputError, match=r"flat2d has shape \(12, 10\); an image stack \(N x H x W\) is needed"):
        read_stack(str(path), dataset="/flat2d")
    with pytest.raises(InputError, match="no dataset /missing"):
        read_stack(f"{path}:/missing")
    np.testing.assert_array_equal(read_image(f"{path}:/a[3]"), _stack()[3])
    with pytest.raises(InputError, match="choose one"):
        read_image(f"{path}:/a")


def test_opening_a_huge_hdf5_stack_is_lazy(tmp_path):
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:  # 4096 x 2048 x 2048 uint16 = 32 GiB declared, nothing written
        d = f.create_dataset("img_xanes", shape=(4096, 2048, 2048), dtype=np.uint16, chunks=(1, 2048, 2048))
        d[0] = 7
        f["X_eng"] = np.linspace(8.3, 8.4, 4096)
    start = time.perf_counter()
    stack = read_stack(str(path))
    first = stack.frame(0)
    assert time.perf_counter() - start < 1.0
    assert first.shape == (2048, 2048) and first[5, 5] == 7 and stack.kind == "xanes"
    stack.images.close()


# -- beamline layouts ------------------------------------------------------------------------------------

def test_fxi_xanes_layout(tmp_path):
    path = tmp_path / "xanes_scan2_id_1.h5"
    with h5py.File(path, "w") as f:
        f["img_xanes"] = _stack()
        f["img_bkg"] = np.full((3, 12, 10), 100, np.uint16)
        f["img_dark"] = np.full((2, 12, 10), 5, np.uint16)
        f["X_eng"] = [8.30, 8.31, 8.32, 8.33]
        f["Pixel Size"] = "21.3nm"
    stack = read_stack(str(path))
    assert find_reader(str(path)).name == "fxi-xanes"
    assert stack.kind == "xanes" and stack.dataset == "img_xanes"
    np.testing.assert_allclose(stack.energies, [8300, 8310, 8320, 8330])
    assert stack.flats.shape == (3, 12, 10) and stack.darks.shape == (2, 12, 10)
    assert stack.pixel_size_nm == pytest.approx(21.3)
    other = read_stack(f"{path}:/img_bkg")  # another dataset falls back to the generic reader
    assert other.shape == (3, 12, 10) and other.metadata["format"] == "hdf5"


def test_fxi_tomo_layout(tmp_path):
    path = tmp_path / "fly_scan_id_2.h5"
    with h5py.File(path, "w") as f:
        f["img_tomo"] = _stack()
        f["img_bkg"] = np.full((1, 12, 10), 100, np.uint16)
        f["img_dark"] = np.zeros((1, 12, 10), np.uint16)
        f["angle"] = [0.0, 60.0, 120.0, 180.0]
        f["X_eng"] = 9.0
    stack = read_stack(str(path))
    assert stack.kind == "tomo" and stack.metadata["energy_eV"] == pytest.approx(9000.0)
    np.testing.assert_allclose(stack.angles, [0, 60, 120, 180])


def test_data_exchange_layout_with_radians(tmp_path):
    path = tmp_path / "tomo.h5"
    with h5py.File(path, "w") as f:
        f["exchange/data"] = _stack()
        f["exchange/data_white"] = np.ones((2, 12, 10))
        f["exchange/data_dark"] = np.zeros((2, 12, 10))
        f["exchange/theta"] = np.radians([0, 30, 60, 90])
        f["exchange/theta"].attrs["units"] = "rad"
    stack = read_stack(str(path))
    assert find_reader(str(path)).name == "data-exchange" and stack.kind == "tomo"
    np.testing.assert_allclose(stack.angles, [0, 30, 60, 90])
    assert stack.flats.shape == (2, 12, 10)


# -- energies and angles given separately ---------------------------------------------------------------

def test_load_energies_from_text_dataset_and_attribute(tmp_path):
    (tmp_path / "e.txt").write_text("energy (eV)\n7000\n7001\n")
    np.testing.assert_allclose(load_energies(str(tmp_path / "e.txt")), [7000, 7001])
    with h5py.File(tmp_path / "e.h5", "w") as f:
        f["X_eng"] = [7.0, 7.001]
        f["img"] = np.zeros((2, 4, 4))
        f["img"].attrs["energies"] = [7000.0, 7002.0]
    np.testing.assert_allclose(load_energies(f"{tmp_path / 'e.h5'}:/X_eng"), [7000, 7001])
    np.testing.assert_allclose(load_energies(f"{tmp_path / 'e.h5'}:/img/energies"), [7000, 7002])
    np.testing.assert_allclose(load_angles(str(tmp_path / "e.txt")), [7000, 7001])
    with pytest.raises(InputError, match="no dataset or attribute"):
        load_energies(f"{tmp_path / 'e.h5'}:/nothing")


def test_with_energies_checks_the_count(tmp_path):
    stack = StackData(images=_stack(), path="mem")
    assert stack.with_energies([1, 2, 3, 4]).kind == "xanes"
    with pytest.raises(InputError, match="3 energies given for 4 images"):
        stack.with_energies([1, 2, 3])
    with pytest.raises(InputError, match="flat"):
        StackData(images=_stack(), path="mem", flats=np.ones((5, 5)))


# -- errors and the registry -----------------------------------------------------------------------------

def test_missing_and_wrong_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_stack(str(tmp_path / "nope.tif"))
    (tmp_path / "fake.h5").write_text("not hdf5")
    with pytest.raises(InputError, match="fake.h5 is not a valid HDF5 file"):
        read_stack(str(tmp_path / "fake.h5"))
    (tmp_path / "fake.tif").write_bytes(b"II*\x00garbage")
    with pytest.raises(InputError, match="fake.tif"):
        read_stack(str(tmp_path / "fake.tif"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holds no images txmalign reads"):
        read_stack(str(empty))


def test_read_mask_nonzero_is_usable(tmp_path):
    mask = np.zeros((8, 8), np.uint8)
    mask[2:6, 2:6] = 255
    tifffile.imwrite(tmp_path / "m.tif", mask)
    assert read_mask(str(tmp_path / "m.tif")).sum() == 16
    tifffile.imwrite(tmp_path / "zero.tif", np.zeros((8, 8), np.uint8))
    with pytest.raises(InputError, match="no usable pixel"):
        read_mask(str(tmp_path / "zero.tif"))


def test_a_plugin_reader_is_picked_by_extension_and_identify(tmp_path):
    path = tmp_path / "x.raw3"
    path.write_bytes(b"RAW3")
    reader = Reader("raw3-test", "test format", (".raw3",), lambda p: open(p, "rb").read(4) == b"RAW3",
                    lambda p, d=None: StackData(images=np.zeros((2, 8, 8)), path=p))
    register_reader(reader)
    try:
        assert read_stack(str(path)).shape == (2, 8, 8)
    finally:
        _READERS.remove(reader)
    assert os.listdir(tmp_path) == ["x.raw3"]  # reading leaves nothing beside the input
