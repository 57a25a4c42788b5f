"""Provenance of a result: method, parameters, strategy, anchor, program version, input checksum and time."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
from typing import Any, Dict, Optional

import numpy as np

from .. import __version__
from ..engine.errors import InputError
from .paths import split_source

_CHUNK = 1 << 20


def sha256_of_path(path: str) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, in name order)."""
    digest = hashlib.sha256()
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                digest.update(os.path.relpath(full, path).replace(os.sep, "/").encode() + b"\0")
                digest.update(sha256_of_path(full).encode())
        return digest.hexdigest()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(block)
    except OSError as error:
        raise InputError(f"cannot read {path} to checksum it: {error.strerror or error}") from error
    return digest.hexdigest()


def build_provenance(method: str, params: Dict[str, Any], strategy: Optional[str], anchor: Any,
                     input_path: Optional[str], **extra: Any) -> Dict[str, Any]:
    """Everything needed to redo a result; `extra` (e.g. roi, mask, preprocessing) is stored as given."""
    path = dataset = None
    if input_path:
        path, dataset, _ = split_source(input_path)
        path = os.path.abspath(path)
    record = {
        "program": "txmalign",
        "version": __version__,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "method": method,
        "params": dict(params or {}),
        "strategy": strategy,
        "anchor": anchor,
        "input_path": path,
        "input_dataset": dataset,
        "input_sha256": sha256_of_path(path) if path else None,
    }
    record.update(extra)
    plain: Dict[str, Any] = json.loads(provenance_json(record))
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def provenance_json(provenance: Dict[str, Any]) -> str:
    """`provenance` as JSON text; numpy values, dataclasses and paths are converted to plain values."""
    return json.dumps(provenance, default=_plain, indent=1, sort_keys=False)


def linked_checksums(metadata: Dict[str, Any]) -> Dict[str, str]:
    """{file: sha256} of the other files a stack was really read from (external links, virtual dataset
    sources, as the HDF5 readers list them in `metadata["linked_files"]`)."""
    return {name: sha256_of_path(name) for name in metadata.get("linked_files") or [] if os.path.isfile(name)}
