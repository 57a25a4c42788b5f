"""Is an existing batch output a complete, valid result of this very job?  (Resuming after a crash.)

Results are written atomically, so a file at the output name was closed and renamed after a whole run;
this check adds what an atomic write cannot promise: that the file opens, is a txmalign aligned stack
with every frame of the input and its transforms, that its provenance names this input and the settings
asked for now, and that the input has not changed since.  Anything else is reported, never overwritten
without `--force`.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

import h5py

from ..io.aligned_hdf5 import FORMAT_NAME
from ..io.paths import split_source
from ..io.registry import read_stack


def _plain(values: Dict[str, Any]) -> Dict[str, Any]:
    """`values` as they read back from the provenance JSON (tuples become lists, numpy values plain)."""
    from ..io.provenance import provenance_json

    plain: Dict[str, Any] = json.loads(provenance_json(values))
    return plain


def incomplete_reason(output: str, source: str, expected: Dict[str, Any]) -> Optional[str]:
    """None when `output` is a complete result of `source` made with the `expected` provenance entries
    (`params` compared key by key, every other entry whole); otherwise why it is not.  Only the input's
    dataset named in `source` is compared (a reader may pick and record one when none was named)."""
    try:
        with h5py.File(output, "r") as handle:
            if handle.attrs.get("format") != FORMAT_NAME:
                return "it is not a txmalign aligned stack"
            for name in ("aligned", "transforms", "provenance"):
                if name not in handle:
                    return f"it has no /{name}"
            frames, rows = handle["aligned"].shape[0], handle["transforms"].shape[0]
            text = handle["provenance"][()]
    except OSError as error:
        return f"it cannot be opened as HDF5 ({error})"
    provenance = json.loads(text.decode() if isinstance(text, bytes) else text)
    path, dataset, _ = split_source(source)
    made_from = (provenance.get("input_path"), provenance.get("input_dataset"))
    if made_from[0] != os.path.abspath(path) or (dataset is not None and made_from[1] != dataset):
        return f"it was made from {':'.join(p for p in made_from if p)}"
    if os.path.getmtime(path) > os.path.getmtime(output):
        return "the input changed after it was written"
    count = read_stack(source).shape[0]
    if frames != count or rows != count:
        return f"it holds {frames} frames and {rows} transforms, the input has {count}"
    want = _plain(expected)
    for key, value in want.items():
        stored = provenance.get(key)
        if key == "params":
            # "auto" is decided by the run (e.g. fbp or sirt), so any stored choice matches it
            differs = [k for k, v in value.items() if v != "auto" and (stored or {}).get(k) != v]
            if differs:
                return f"it was made with other parameters ({', '.join(differs)})"
        elif stored != value:
            return f"it was made with other settings ({key})"
    return None


def earlier_untrusted(output: str) -> bool:
    """True when the complete `output` records that most of its images failed to register (as `align` exits 1)."""
    from ..engine.stack.trust import too_many_failed

    with h5py.File(output, "r") as handle:
        if "statuses" not in handle:
            return False
        statuses = [s.decode() if isinstance(s, bytes) else str(s) for s in handle["statuses"][()]]
    return too_many_failed(statuses)
