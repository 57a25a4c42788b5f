"""Plain CSV text for exported curves (spectra, profiles): one column per curve, no file handling."""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from ..errors import InputError


def csv_text(header: Sequence[str], columns: Sequence[Union[np.ndarray, Sequence[float]]]) -> str:
    """Comma-separated text with a header line and one row per sample; NaN becomes an empty field."""
    columns = [np.asarray(c, dtype=np.float64) for c in columns]
    if len(header) != len(columns) or len({len(c) for c in columns}) > 1:
        raise InputError("the CSV needs one name per column and columns of equal length")
    lines = [",".join(str(name).replace(",", ";") for name in header)]
    for row in zip(*columns):
        lines.append(",".join("" if not np.isfinite(v) else repr(float(v)) for v in row))
    return "\n".join(lines) + "\n"
