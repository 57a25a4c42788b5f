"""Xradia/Zeiss .xrm and .txrm files: OLE2 compound documents read with olefile.

Image k (1-based) is stream `ImageData{1 + (k - 1) // 100}/Image{k}`, little-endian uint16
(or float32), `ImageInfo/ImageHeight` x `ImageInfo/ImageWidth`.  `ImageInfo/Energy` (eV),
`ImageInfo/Angles` (degrees), `ImageInfo/ExpTimes` are float32 arrays, `ImageInfo/PixelSize`
is float32 in micrometres; a .txrm may carry its flat in `ReferenceData/Image`.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

import numpy as np
import olefile

from ..engine.errors import InputError

_DATA_TYPES: dict[int, np.dtype] = {5: np.dtype("<u2"), 10: np.dtype("<f4")}


class XradiaFile:
    """The header of one .xrm/.txrm file and on-demand access to its images (the file stays open)."""

    def __init__(self, path: str):
        self.path = path
        self._ole = None
        ole = self._open()
        try:
            self.height = int(self._scalar("ImageInfo/ImageHeight", "<u4"))
            self.width = int(self._scalar("ImageInfo/ImageWidth", "<u4"))
            declared = int(self._scalar("ImageInfo/NoOfImages", "<u4", default=1))
        except (IndexError, TypeError) as error:
            raise InputError(f"{path} is an OLE file without an Xradia image header") from error
        self.count = self._count_images(ole, declared)
        if self.count == 0:
            raise InputError(f"{path} holds no image data (stream {self._image_stream(1)} missing)")
        self.dtype = self._image_dtype()
        self.energies = self._per_image("ImageInfo/Energy")
        self.angles = self._per_image("ImageInfo/Angles")
        self.exposure_times = self._per_image("ImageInfo/ExpTimes")
        pixel_um = self._scalar("ImageInfo/PixelSize", "<f4", default=0.0)
        self.pixel_size_nm = float(pixel_um) * 1000.0 if pixel_um and pixel_um > 0 else None

    # -- file access --------------------------------------------------------
    def _open(self) -> olefile.OleFileIO:
        if self._ole is None:
            if not os.path.isfile(self.path):
                raise InputError(f"file not found: {self.path}")
            if not olefile.isOleFile(self.path):
                raise InputError(f"{self.path} is not an Xradia .xrm/.txrm file (not an OLE2 document)")
            try:
                self._ole = olefile.OleFileIO(self.path)
            except OSError as error:
                raise InputError(f"cannot open {self.path}: {error}") from error
        return self._ole

    def _stream(self, name: str) -> Optional[bytes]:
        ole = self._open()
        return ole.openstream(name).read() if ole.exists(name) else None

    def _scalar(self, name: str, dtype: str, default: Any = None) -> Any:
        data = self._stream(name)
        values = np.frombuffer(data, dtype=dtype, count=len(data) // np.dtype(dtype).itemsize) if data else np.empty(0)
        return values[0] if len(values) else default

    def _per_image(self, name: str) -> Optional[np.ndarray]:
        """One float32 value per image.  Some files pad the stream (e.g. one energy every 10 slots), so
        when it is longer than the image count its non-zero entries are used if there are exactly enough."""
        data = self._stream(name)
        if not data:
            return None
        values = np.frombuffer(data, dtype="<f4", count=len(data) // 4).astype(float)
        if len(values) > self.count:
            nonzero = values[values != 0]
            values = nonzero if len(nonzero) == self.count else values[:self.count]
        return values if len(values) == self.count else None

    @classmethod
    def _count_images(cls, ole: olefile.OleFileIO, declared: int) -> int:
        """Images 1..k whose streams exist, k at most `declared` (all present when it declares 0); the streams
        present bound the work, so a header declaring 4 billion images costs nothing."""
        present = {"/".join(entry) for entry in ole.listdir() if len(entry) == 2}
        limit = declared if declared > 0 else len(present)
        count = 0
        while count < limit and cls._image_stream(count + 1) in present:
            count += 1
        return count

    @staticmethod
    def _image_stream(k: int) -> str:
        return f"ImageData{1 + (k - 1) // 100}/Image{k}"

    def _image_dtype(self) -> np.dtype:
        declared = _DATA_TYPES.get(int(self._scalar("ImageInfo/DataType", "<u4", default=0)))
        size = self._open().get_size(self._image_stream(1))
        for dtype in ([declared] if declared is not None else []) + list(_DATA_TYPES.values()):
            if size == self.height * self.width * dtype.itemsize:
                return dtype
        raise InputError(f"{self.path}: image stream of {size} bytes does not match "
                         f"{self.height} x {self.width} pixels of uint16 or float32")

    # -- images -------------------------------------------------------------
    def image(self, index: int) -> np.ndarray:
        """Image `index` (0-based) as a (height, width) array."""
        data = self._stream(self._image_stream(index + 1))
        if data is None or len(data) != self.height * self.width * self.dtype.itemsize:
            raise InputError(f"{self.path}: image {index + 1} is missing or truncated")
        return np.frombuffer(data, dtype=self.dtype).reshape(self.height, self.width)

    def reference(self) -> Optional[np.ndarray]:
        """The flat (reference) image stored inside the file, or None."""
        data = self._stream("ReferenceData/Image")
        for dtype in (np.dtype("<f4"), np.dtype("<u2")):
            if data and len(data) == self.height * self.width * dtype.itemsize:
                return np.frombuffer(data, dtype=dtype).reshape(self.height, self.width)
        return None

    def close(self) -> None:
        if self._ole is not None:
            self._ole.close()
        self._ole = None

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_ole"] = None
        return state
