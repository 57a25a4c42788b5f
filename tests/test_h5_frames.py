"""Frames of compressed HDF5 datasets read by several threads equal h5py's own reading, whatever the layout."""

import h5py
import numpy as np
import pytest

from txmalign_gui.io.h5_frames import _inflatable, read_frames_into


@pytest.mark.parametrize("dtype, options, fast", [
    (np.uint16, dict(compression="gzip", shuffle=True), True),
    (np.float32, dict(compression="gzip", compression_opts=9), True),
    (">u2", dict(compression="gzip", shuffle=True), False),          # big-endian: through h5py
    (np.uint16, dict(compression="lzf"), False),                     # another filter: through h5py
    (np.uint16, dict(compression="gzip", shuffle=True, fletcher32=True), False),
    (np.int32, dict(), False),                                       # not compressed
])
def test_threaded_reading_equals_h5py(tmp_path, dtype, options, fast):
    rng = np.random.default_rng(0)
    frames = (rng.random((7, 40, 24)) * 3000).astype(dtype)
    with h5py.File(tmp_path / "f.h5", "w") as h5:
        chunks = (1, 40, 24) if options else None
        dataset = h5.create_dataset("d", data=frames, chunks=chunks, **options)
        assert (_inflatable(dataset) is not None) == fast
        out = np.zeros(frames.shape, dtype=np.dtype(dtype).newbyteorder("=") if fast else dtype)
        read_frames_into(dataset, [5, 0, 3, 6], out, threads=2)
        for index in (5, 0, 3, 6):
            assert np.array_equal(out[index], frames[index])
        assert not out[1].any() and not out[4].any()  # frames not asked for are left alone


def test_frames_chunked_across_images_go_through_h5py(tmp_path):
    frames = np.arange(6 * 8 * 8, dtype=np.uint16).reshape(6, 8, 8)
    with h5py.File(tmp_path / "f.h5", "w") as h5:
        dataset = h5.create_dataset("d", data=frames, chunks=(3, 8, 8), compression="gzip", shuffle=True)
        assert _inflatable(dataset) is None
        out = np.zeros_like(frames)
        read_frames_into(dataset, range(6), out, threads=2)
        assert np.array_equal(out, frames)


def test_read_ahead_hands_out_the_frames_in_order_and_reports_errors():
    from txmalign_gui.io.lazy import LazyFrames, ReadAhead

    made = []

    def make(index):
        made.append(index)
        if index == 4:
            raise ValueError("frame 4 is broken")
        return np.full((3, 3), index, dtype=np.float32)

    with ReadAhead(LazyFrames(6, (3, 3), np.float32, make)) as frames:
        assert [float(frames[i][0, 0]) for i in range(4)] == [0.0, 1.0, 2.0, 3.0]
        with pytest.raises(ValueError, match="frame 4"):
            frames[4]
        assert made.count(4) == 1  # made ahead, while frame 3 was handed out, and its error passed on
        assert float(frames[1][0, 0]) == 1.0 and frames[0:2].shape == (2, 3, 3)  # any order still works
    assert frames._pool._shutdown
