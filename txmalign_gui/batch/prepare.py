"""Turning a `StackData` into the float32 stack the engine registers (flat/dark, -log)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.stack.preprocess import FramePreparation
from ..io.lazy import LazyFrames
from ..io.memory import check_memory, fits

# float32 copies alive at once in a run: the prepared images, the aligned result, one working copy
_COPIES = 3
# Frame-sized float32 buffers an alignment works with besides the raw stack (the frames in use, the chunk
# averages, pyramids and the temporaries of one pair), and the extra ones each further worker process needs: measured,
# a worker's private memory peaks at about 33 frames (two pyramids, a batch of frames as sent and as
# received, one pair's temporaries; 101 x 1024 px, 2 workers, benchmarks/end_to_end.py).
_WORKING_FRAMES = 40
_WORKER_FRAMES = 32


@dataclass(frozen=True)
class PrepareOptions:
    """How raw frames become the images that are registered and written."""

    flat_field: bool = True
    minus_log: bool = False
    scale_gray: bool = False

    def to_dict(self) -> dict:
        return {"flat_field": self.flat_field, "minus_log": self.minus_log, "scale_gray": self.scale_gray}


def prepare_stack(data, options: PrepareOptions, images=None) -> np.ndarray:
    """Flat/dark-normalised (when the file has them and `flat_field`), optionally -log and gray-scaled images.

    `images` replaces `data.images` when the frames are already loaded.  Per-image references (an
    Xradia folder with one reference per energy) normalise image by image; shared references are
    averaged once.
    """
    frames = prepared_frames(data, options, images)
    out = np.empty(frames.shape, dtype=np.float32)
    for index in range(len(frames)):
        out[index] = frames[index]
    return out


def prepared_frames(data, options: PrepareOptions, images=None) -> LazyFrames:
    """The prepared stack as a lazy (N, H, W) float32 array: frame i is read from `images` (default
    `data.images`) and prepared when it is asked for, so only the raw frames are kept.  Nothing prepared is
    kept here: the registration keeps the frames a few pairs in a row use (`CheckedFrames`), and every
    process of a pool would hold its own copies of anything kept."""
    images = data.images if images is None else images
    flats = data.flats if options.flat_field else None
    darks = data.darks if options.flat_field else None
    corrections = dict(minus_log=options.minus_log, scale_gray=options.scale_gray)
    shape = tuple(images.shape)
    if bool(data.metadata.get("flats_per_image")) and np.ndim(flats) == 3:
        per_image = [FramePreparation(shape[1:], flats=flat, darks=darks, **corrections) for flat in flats]
        prepare = per_image.__getitem__
    else:
        shared = FramePreparation(shape[1:], flats=flats, darks=darks, **corrections)
        prepare = lambda index: shared  # noqa: E731 (one preparation for every frame)

    def read(index: int) -> np.ndarray:
        frame = prepare(index)(images[index])
        frame.flags.writeable = False  # kept by the registration for later pairs: a change fails loudly
        return frame

    return LazyFrames(shape[0], shape[1:], np.float32, read, source=images)


def check_stack_memory(data, doing: str, copies: int = _COPIES) -> None:
    """Refuse before loading when `copies` float32 copies of the stack would not fit in memory."""
    count, height, width = data.shape
    check_memory(copies * 4.0 * count * height * width,
                 f"{doing} {data.source} ({count} x {height} x {width} images)")


def _working_bytes(height: int, width: int, workers: int) -> float:
    return 4.0 * height * width * (_WORKING_FRAMES + _WORKER_FRAMES * max(workers - 1, 0))


def affordable_workers(data, workers: int) -> int:
    """The most worker processes, up to `workers`, whose working memory fits beside the stack's raw frames
    kept in memory; 1 when none does (`raw_frames` then reads frame by frame, or refuses)."""
    count, height, width = data.shape
    raw_bytes = float(count) * height * width * np.dtype(data.images.dtype).itemsize
    for candidate in range(max(workers, 1), 1, -1):
        if fits(raw_bytes + _working_bytes(height, width, candidate)):
            return candidate
    return 1


def raw_frames(data, doing: str, workers: int = 1):
    """The raw frames an alignment reads: each kept in memory after it is first read (so reading overlaps
    with the registration of the frames already read) when the whole stack fits beside the working memory,
    else left in the file and read whenever needed (bounded memory, slower).  Refused up front, with the
    amount needed, when not even the working memory fits."""
    count, height, width = data.shape
    working = _working_bytes(height, width, workers)
    check_memory(working, f"{doing} {data.source} ({count} x {height} x {width} images, frame by frame)")
    images = data.images
    if isinstance(images, np.ndarray):
        return images
    raw_bytes = float(count) * height * width * np.dtype(images.dtype).itemsize
    return KeptFrames(images) if fits(raw_bytes + working) else images


class KeptFrames(LazyFrames):
    """A lazy stack whose frames are read once, on first use, and then kept in memory."""

    def __init__(self, source):
        self._kept = np.empty(source.shape, dtype=source.dtype)  # pages are only taken as frames arrive
        self._read = np.zeros(source.shape[0], dtype=bool)
        super().__init__(source.shape[0], source.shape[1:], source.dtype, self._keep, source=source)

    def _keep(self, index: int) -> np.ndarray:
        if not self._read[index]:
            self._kept[index] = self._source[index]
            self._read[index] = True
        return self._kept[index]

    def hold_in_memory(self, threads: int = 1) -> bool:
        """Read every frame not read yet (in `threads` threads where the file allows), so none touches the
        file again; always True, since the frames were to be kept anyway."""
        missing = np.flatnonzero(~self._read).tolist()
        read_into = getattr(self._source, "read_into", None)
        if missing and read_into is not None:
            read_into(missing, self._kept, threads)
            self._read[missing] = True
        for index in missing:
            self._keep(index)  # reads only what read_into did not
        return True
