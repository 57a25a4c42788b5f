"""Array-like stacks that read frames only when asked, so opening a huge file shows its first frame at once.

Both classes look enough like a read-only numpy array (shape, dtype, ndim, len, indexing,
`np.asarray`) for the engine, and both can be pickled (the open file handle is dropped and
reopened on first use), so they can be handed to worker processes.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import h5py
import numpy as np
import numpy.typing as npt

from ..engine.errors import InputError
from ..engine.in_memory import holds_in_memory
from .h5_frames import read_frames_into


class _LazyStack:
    """Shared array-like behaviour of a read-only (N, H, W) stack."""

    shape: Tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(self.dtype).itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        raise NotImplementedError  # each subclass reads its own frames

    def hold_in_memory(self, threads: int = 1) -> bool:
        """Whether every frame can now be read without touching a file (so a forked process may read them
        from its copy of this one's memory); a stack that keeps what it reads may read them all first."""
        return False

    def __array__(self, dtype: Optional[npt.DTypeLike] = None, copy: Optional[bool] = None) -> np.ndarray:
        array = self[:]
        return array if dtype is None else array.astype(dtype, copy=False)


class LazyFrames(_LazyStack):
    """A stack whose frame i is `read_frame(i)`, e.g. one file of a folder or one OLE stream."""

    def __init__(self, count: int, frame_shape: Sequence[int], dtype: npt.DTypeLike,
                 read_frame: Callable[[int], np.ndarray], source: Any = None) -> None:
        """`source`: the stack `read_frame` computes its frames from, if any (e.g. raw frames it prepares),
        so `hold_in_memory` can ask it."""
        self.shape = (int(count),) + tuple(int(s) for s in frame_shape)
        self.dtype = np.dtype(dtype)
        self._read_frame = read_frame
        self._source = source

    def hold_in_memory(self, threads: int = 1) -> bool:
        return self._source is not None and holds_in_memory(self._source, threads)

    def __getitem__(self, key: Any) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if isinstance(first, (int, np.integer)):
            index = int(first)
            if not -self.shape[0] <= index < self.shape[0]:
                raise IndexError(f"frame {index} is out of range for a stack of {self.shape[0]}")
            return self._frame(index % self.shape[0])[rest]
        indices = np.arange(self.shape[0])[first]
        out = np.empty((len(indices),) + self.shape[1:], dtype=self.dtype)
        for k, index in enumerate(indices):
            out[k] = self._frame(int(index))
        return out[(slice(None),) + rest]

    def _frame(self, index: int) -> np.ndarray:
        frame = np.asarray(self._read_frame(index))
        if frame.shape != self.shape[1:]:
            raise InputError(f"frame {index} has shape {frame.shape} but the stack's frames are {self.shape[1:]}")
        return frame.astype(self.dtype, copy=False)


class ReadAhead(_LazyStack):
    """A lazy stack read frame after frame (by a writer): while frame i is handed out, frame i + 1 is made
    in a background thread, so making it (numpy, which releases the interpreter lock) overlaps writing
    frame i.  Other access just reads.  Use it as a context manager, which stops the thread."""

    def __init__(self, stack: Any) -> None:
        self.shape, self.dtype = tuple(stack.shape), np.dtype(stack.dtype)
        self._stack = stack
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._next: Optional[Tuple[int, "Future[np.ndarray]"]] = None

    def __getitem__(self, key: Any) -> np.ndarray:
        if not isinstance(key, (int, np.integer)) or not 0 <= int(key) < self.shape[0]:
            frames: np.ndarray = self._stack[key]
            return frames
        index = int(key)
        ahead, self._next = self._next, None
        frame = ahead[1].result() if ahead is not None and ahead[0] == index else self._stack[index]
        if index + 1 < self.shape[0]:
            self._next = (index + 1, self._pool.submit(self._stack.__getitem__, index + 1))
        return np.asarray(frame)

    def __enter__(self) -> "ReadAhead":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class H5Array(_LazyStack):
    """A 3-D HDF5 dataset read slice by slice; the file stays open read-only until `close()`."""

    def __init__(self, path: str, dataset: str):
        self.path = path
        self.dataset = dataset
        self._file: Optional[h5py.File] = None
        data = self._data()
        self.shape = tuple(data.shape)
        self.dtype = data.dtype

    def _data(self) -> h5py.Dataset:
        if self._file is None or not self._file.id.valid:
            self._file = h5py.File(self.path, "r")
        return self._file[self.dataset]

    def __getitem__(self, key: Any) -> np.ndarray:
        try:
            values: np.ndarray = self._data()[key]
            return values
        except (OSError, RuntimeError) as error:
            raise self._read_error(error) from error

    def read_into(self, indices: Sequence[int], out: np.ndarray, threads: int = 1) -> None:
        """Read frames `indices` into `out[indices]`, inflating compressed frames in `threads` threads."""
        try:
            read_frames_into(self._data(), indices, out, threads)
        except (OSError, RuntimeError) as error:
            raise self._read_error(error) from error

    def _read_error(self, error: Exception) -> InputError:
        """The one-line message for a failed read: a missing HDF5 filter plugin, or a damaged file."""
        text = " ".join(str(error).split())
        if "filter" in text.lower() or "can't open directory" in text.lower():
            return InputError(f"{self.path}:{self.dataset} is compressed with an HDF5 filter that is not "
                              "installed (hdf5plugin provides Bitshuffle/LZ4, Blosc and Zstd)")
        return InputError(f"cannot read {self.dataset} from {self.path} (damaged or truncated?): {text[:160]}")

    def close(self) -> None:
        if self._file is not None and self._file.id.valid:
            self._file.close()
        self._file = None

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_file"] = None
        return state

    def __repr__(self) -> str:
        return f"H5Array({self.path!r}, {self.dataset!r}, shape={self.shape}, dtype={self.dtype})"
