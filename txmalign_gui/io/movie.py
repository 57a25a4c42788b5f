"""A raw-versus-aligned movie of a stack as an animated GIF (for lessons, talks and supplementary data).

Both stacks share one gray scale (1st to 99th percentile of the raw stack) so brightness changes are the
sample's, not the display's; NaN (outside an aligned frame) is drawn black.  Needs Pillow (gui extra).
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence

import numpy as np
import numpy.typing as npt

from ..engine.errors import InputError
from .atomic import atomic_output

_GAP_PX = 4


def _to_gray(frame: np.ndarray, low: float, high: float) -> np.ndarray:
    scaled = (np.asarray(frame, dtype=float) - low) / max(high - low, 1e-12)
    return np.where(np.isfinite(scaled), np.clip(scaled, 0, 1) * 255, 0).astype(np.uint8)


def movie_frames(raw: npt.ArrayLike, aligned: Any = None) -> List[np.ndarray]:
    """One uint8 image per frame: raw on the left, aligned on the right (when given), with a gap."""
    raw = np.asarray(raw)
    if raw.ndim != 3:
        raise InputError(f"a movie needs a stack (frames, rows, columns), got shape {raw.shape}")
    if aligned is not None and np.shape(aligned) != raw.shape:
        raise InputError(f"raw {raw.shape} and aligned {np.shape(aligned)} stacks differ in shape")
    low, high = np.nanpercentile(raw, (1, 99))
    frames = []
    for i in range(len(raw)):
        parts = [_to_gray(raw[i], low, high)]
        if aligned is not None:
            parts += [np.zeros((raw.shape[1], _GAP_PX), np.uint8), _to_gray(aligned[i], low, high)]
        frames.append(np.hstack(parts))
    return frames


def write_movie_gif(path: str, raw: npt.ArrayLike, aligned: Any = None, fps: float = 10.0,
                    labels: Optional[Sequence[str]] = None, protect: Iterable[Optional[str]] = ()) -> int:
    """Write the movie to `path` (atomically; never over a file in `protect`); `labels` (one per frame,
    e.g. the energy) are drawn in the corner.  Returns the number of frames."""
    try:
        from PIL import Image, ImageDraw
    except ImportError as error:
        raise InputError("writing a GIF needs Pillow (pip install Pillow)") from error
    frames = movie_frames(raw, aligned)
    images = []
    for i, frame in enumerate(frames):
        image = Image.fromarray(frame, mode="L").convert("P")
        if labels is not None:
            ImageDraw.Draw(image).text((3, 2), str(labels[i]), fill=255)
        images.append(image)
    with atomic_output(path, protect) as temporary:
        images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(round(1000 / max(fps, 0.1))), loop=0)
    return len(images)
