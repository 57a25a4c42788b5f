"""Results computed from one image that several registrations of a stack reuse.

In a stack alignment a target image serves many pairs (every image of its chunk, or every image for the
anchor strategy), and its multi-resolution pyramid is the same each time.  Inside `reuse()` a method can
keep such per-image results with `cached()`; they are found again by the image's content (a SHA-1 digest
of its pixels and mask), so nothing has to tell the method which stack index an image came from and a
changed image can never be mistaken for a cached one.  Outside `reuse()` nothing is kept, so single
registrations hold no memory after they return.  The cache belongs to the calling thread's context.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Optional, Tuple, TypeVar

import numpy as np

T = TypeVar("T")

_ACTIVE: ContextVar[Optional["OrderedDict[Tuple[Any, ...], Any]"]] = ContextVar("txmalign_image_cache",
                                                                                 default=None)
_CAPACITY: ContextVar[int] = ContextVar("txmalign_image_cache_capacity", default=0)


@contextlib.contextmanager
def reuse(capacity: int = 4) -> Iterator[None]:
    """Keep the results of the last `capacity` images passed to `cached()` while the block runs."""
    active, size = _ACTIVE.set(OrderedDict()), _CAPACITY.set(int(capacity))
    try:
        yield
    finally:
        _ACTIVE.reset(active)
        _CAPACITY.reset(size)


def start_reusing(capacity: int = 4) -> None:
    """Keep results for the rest of this context (a worker process that serves one stack alignment)."""
    _ACTIVE.set(OrderedDict())
    _CAPACITY.set(int(capacity))


def clear() -> None:
    """Forget the results kept so far (the process hands its remaining work to others); reuse goes on."""
    store = _ACTIVE.get()
    if store is not None:
        store.clear()


def digest(array: np.ndarray) -> Tuple[Any, ...]:
    """Shape, dtype and SHA-1 of the pixels: equal only for equal content."""
    data = np.ascontiguousarray(array)
    return data.shape, data.dtype.str, hashlib.sha1(data.data.cast("B")).digest()


def cached(kind: str, image: np.ndarray, mask: Optional[np.ndarray], compute: Callable[[], T]) -> T:
    """`compute()`, or its earlier result for the same `kind`, image content and mask inside `reuse()`.

    The least recently used result makes room before a new one is computed, not after: a stack's pairs
    then hold at most `capacity` pyramids at once instead of one more while the next is built."""
    store = _ACTIVE.get()
    if store is None:
        return compute()
    key = (kind, digest(image), None if mask is None else digest(mask))
    if key in store:
        store.move_to_end(key)
        return store[key]
    while store and len(store) >= _CAPACITY.get():
        store.popitem(last=False)
    value = compute()
    if _CAPACITY.get() > 0:
        store[key] = value
    return value
