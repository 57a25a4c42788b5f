"""Xradia .xrm/.txrm readers on OLE2 files built here (a minimal compound-file writer made for these tests)."""

import struct

import numpy as np
import olefile
import pytest

from txmalign_gui.engine.errors import InputError
from txmalign_gui.io import read_image, read_stack

_SECTOR, _MINI, _CUTOFF = 512, 64, 4096
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _chain(fat: list, start: int, count: int) -> None:
    fat.extend(start + k + 1 for k in range(count - 1))
    fat.append(_END)


def write_ole(path, streams: dict) -> None:
    """Write an OLE2 (v3) compound file whose streams are {"Storage/Stream": bytes}."""
    nodes = {"": {"type": 5, "kids": []}}
    for name in streams:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in nodes:
                nodes[key] = {"type": 2 if depth == len(parts) else 1, "kids": []}
                nodes["/".join(parts[:depth - 1])]["kids"].append(key)
    order = list(nodes)
    ids = {key: i for i, key in enumerate(order)}
    mini, minifat, big = bytearray(), [], []
    for key in order:
        data = streams.get(key, b"")
        nodes[key]["size"] = len(data) if nodes[key]["type"] == 2 else 0
        if nodes[key]["type"] == 2 and len(data) < _CUTOFF:
            nodes[key]["start"] = len(mini) // _MINI
            sectors = max(1, -(-len(data) // _MINI))
            _chain(minifat, nodes[key]["start"], sectors)
            mini += data.ljust(sectors * _MINI, b"\0")
        elif nodes[key]["type"] == 2:
            big.append((key, data))
    sectors, fat = [], []

    def place(data: bytes) -> int:
        start, count = len(sectors), max(1, -(-len(data) // _SECTOR))
        sectors.extend(data[i * _SECTOR:(i + 1) * _SECTOR].ljust(_SECTOR, b"\0") for i in range(count))
        _chain(fat, start, count)
        return start

    for key, data in big:
        nodes[key]["start"] = place(data)
    nodes[""]["start"], nodes[""]["size"] = (place(bytes(mini)), len(mini)) if mini else (_END, 0)
    minifat_start = place(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else _END
    minifat_sectors = len(sectors) - minifat_start if minifat else 0
    for key in order:
        kids = sorted(nodes[key]["kids"], key=lambda k: (len(k.split("/")[-1]), k.split("/")[-1].upper()))
        nodes[key]["child"] = _balance(kids, nodes, ids)
    entries = b"".join(_entry(key.split("/")[-1] or "Root Entry", nodes[key]) for key in order)
    entries += _entry("", None) * ((-len(order)) % 4)
    directory_start = place(entries)
    fat_count = 1
    while fat_count * (_SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    fat_start = len(sectors)
    fat += [_FATSECT] * fat_count
    fat += [_FREE] * (fat_count * (_SECTOR // 4) - len(fat))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, fat_count, directory_start, 0, _CUTOFF, minifat_start, minifat_sectors,
                         _END, 0)
    difat = [fat_start + k for k in range(fat_count)] + [_FREE] * (109 - fat_count)
    with open(path, "wb") as handle:
        handle.write(header + struct.pack("<109I", *difat))
        handle.writelines(sectors)
        handle.write(struct.pack(f"<{len(fat)}I", *fat))


def _balance(kids: list, nodes: dict, ids: dict) -> int:
    """Arrange sorted siblings as a balanced binary tree; return the id of its root."""
    if not kids:
        return _NOSTREAM
    middle = len(kids) // 2
    node = nodes[kids[middle]]
    node["left"] = _balance(kids[:middle], nodes, ids)
    node["right"] = _balance(kids[middle + 1:], nodes, ids)
    return ids[kids[middle]]


def _entry(name: str, node) -> bytes:
    if node is None:
        return struct.pack("<64sHBB3I16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"", 0, 0, 0, 0, 0)
    encoded = name.encode("utf-16-le") + b"\0\0"
    return struct.pack("<64sHBB3I16sIQQIQ", encoded, len(encoded), node["type"], 1, node.get("left", _NOSTREAM),
                       node.get("right", _NOSTREAM), node["child"], b"", 0, 0, 0, node["start"] if node["type"] != 1
                       else 0, node["size"])


def write_xradia(path, images, energies=None, angles=None, pixel_um=0.02, float_data=False, energy_slots=1):
    """An .xrm/.txrm with `images` and per-image float32 metadata; `energy_slots` pads the energy stream
    (one value every `energy_slots` entries) as some real .txrm files do."""
    images = [np.asarray(image, np.float32 if float_data else np.uint16) for image in images]
    count, (height, width) = len(images), images[0].shape
    streams = {
        "ImageInfo/ImageWidth": struct.pack("<I", width), "ImageInfo/ImageHeight": struct.pack("<I", height),
        "ImageInfo/NoOfImages": struct.pack("<I", count),
        "ImageInfo/DataType": struct.pack("<I", 10 if float_data else 5),
        "ImageInfo/PixelSize": struct.pack("<f", pixel_um),
        "ImageInfo/ExpTimes": np.full(count, 2.5, "<f4").tobytes(),
    }
    if energies is not None:
        padded = np.zeros((count - 1) * energy_slots + 1, "<f4")
        padded[::energy_slots] = energies
        streams["ImageInfo/Energy"] = padded.tobytes()
    if angles is not None:
        streams["ImageInfo/Angles"] = np.asarray(angles, "<f4").tobytes()
    for k, image in enumerate(images, start=1):
        streams[f"ImageData{1 + (k - 1) // 100}/Image{k}"] = image.astype(image.dtype.newbyteorder("<")).tobytes()
    write_ole(path, streams)


def _images(n, h=40, w=48, seed=0):
    return np.random.default_rng(seed).integers(0, 60000, size=(n, h, w)).astype(np.uint16)


def test_the_ole_writer_makes_files_olefile_reads(tmp_path):
    write_ole(tmp_path / "t.ole", {"A/small": b"abc", "A/big": bytes(range(256)) * 40, "B": b"x" * 70})
    with olefile.OleFileIO(str(tmp_path / "t.ole")) as ole:
        assert ole.openstream("A/small").read() == b"abc"
        assert ole.openstream("A/big").read() == bytes(range(256)) * 40
        assert ole.openstream("B").read() == b"x" * 70


def test_txrm_tomography_series(tmp_path):
    images = _images(3)
    path = tmp_path / "tomo.txrm"
    write_xradia(path, images, energies=[9000.0] * 3, angles=[-30.0, 0.0, 30.0], pixel_um=0.156, energy_slots=10)
    stack = read_stack(str(path))
    assert stack.kind == "tomo" and stack.shape == (3, 40, 48)
    np.testing.assert_allclose(stack.angles, [-30, 0, 30])
    assert stack.energies is None and stack.metadata["energy_eV"] == pytest.approx(9000.0)
    assert stack.pixel_size_nm == pytest.approx(156.0)
    np.testing.assert_array_equal(stack.load(), images.astype(np.float32))
    np.testing.assert_array_equal(read_image(f"{path}[2]"), images[2])


def test_txrm_energy_series_of_float_images(tmp_path):
    images = _images(2).astype(np.float32) / 7
    write_xradia(tmp_path / "x.txrm", images, energies=[8300.0, 8310.0], float_data=True)
    stack = read_stack(str(tmp_path / "x.txrm"))
    assert stack.kind == "xanes" and stack.images.dtype == np.float32
    np.testing.assert_allclose(stack.energies, [8300, 8310])
    np.testing.assert_array_equal(stack.frame(1), images[1])


def test_xrm_folder_sorted_by_energy_with_matching_references(tmp_path):
    images = _images(3, seed=1)
    flats = _images(3, seed=2)
    for image, flat, energy in zip(images, flats, (8340.0, 8320.0, 8360.0)):
        write_xradia(tmp_path / f"fov1_{energy:.0f}_0eV.xrm", [image], energies=[energy])
        write_xradia(tmp_path / f"ref_{energy:.0f}_0eV.xrm", [flat], energies=[energy])
    stack = read_stack(str(tmp_path))
    order = [1, 0, 2]
    assert stack.kind == "xanes" and stack.metadata["flats_per_image"]
    np.testing.assert_allclose(stack.energies, [8320, 8340, 8360])
    np.testing.assert_array_equal(stack.load(), images[order])
    np.testing.assert_array_equal(stack.flats, flats[order])
    assert stack.pixel_size_nm == pytest.approx(20.0)


def test_xrm_energy_from_the_name_when_the_stream_is_zero_and_one_shared_reference(tmp_path):
    images = _images(2, seed=3)
    write_xradia(tmp_path / "rep01_s_08354.0_eV_001of003.xrm", [images[0]], energies=[0.0])
    write_xradia(tmp_path / "rep01_s_08324.0_eV_001of003.xrm", [images[1]], energies=[0.0])
    write_xradia(tmp_path / "rep01_ref_08324.0_eV_001of010.xrm", [images[0]], energies=[0.0])
    write_xradia(tmp_path / "dark_01.xrm", [np.full((40, 48), 3)])
    stack = read_stack(str(tmp_path))
    np.testing.assert_allclose(stack.energies, [8324, 8354])
    assert stack.flats.shape == (40, 48) and "flats_per_image" not in stack.metadata
    assert stack.darks.shape == (1, 40, 48) and stack.darks.max() == 3


def test_single_xrm_is_an_image_not_a_stack(tmp_path):
    image = _images(1)[0]
    write_xradia(tmp_path / "one.xrm", [image], energies=[8000.0])
    with pytest.raises(InputError, match="single Xradia image; open the folder"):
        read_stack(str(tmp_path / "one.xrm"))
    np.testing.assert_array_equal(read_image(str(tmp_path / "one.xrm")), image)


def test_bad_xradia_files_raise_input_error(tmp_path):
    (tmp_path / "bad.txrm").write_bytes(b"not an OLE file")
    with pytest.raises(InputError, match="bad.txrm"):
        read_stack(str(tmp_path / "bad.txrm"))
    write_ole(tmp_path / "nohead.txrm", {"Other/Stream": b"1234"})
    with pytest.raises(InputError, match="nohead.txrm is an OLE file without an Xradia image header"):
        read_stack(str(tmp_path / "nohead.txrm"))
    write_xradia(tmp_path / "a_1eV.xrm", [np.zeros((4, 4))])
    write_xradia(tmp_path / "b_2eV.xrm", [np.zeros((5, 4))])
    with pytest.raises(InputError, match="is 5 x 4"):
        read_stack(str(tmp_path))
