"""Which stacks a batch runs over, and the output file each one gets.

An input item is a folder (its stack files, in natural name order), a glob pattern (`scans/*.h5`), a list
file given as `@list.txt` (one source per line, `#` comments; relative paths are relative to the list), or
one source as every other subcommand takes it (`scan.h5`, `scan.h5:/img_xanes`).  Outputs are named
`<out_dir>/<stem><suffix>.h5` after the input (plus the dataset path, when one is given), and every output
is checked against every input and every other output before any work starts (`io.check_outputs` rules).
"""

from __future__ import annotations

import glob
import os
import re
from typing import Iterable, List, Optional

from ..engine.errors import InputError
from ..io.output_paths import source_file
from ..io.paths import natural_key
from ..io.registry import readers

_GLOB = re.compile(r"[*?\[]")


def stack_extensions() -> tuple:
    """File name endings a reader opens as one stack (folder readers excepted)."""
    return tuple(sorted({e for r in readers() if not r.folder for e in r.extensions}))


def expand_sources(items: Iterable[str], dataset: Optional[str] = None, skip_suffix: str = "") -> List[str]:
    """The sources named by `items`, each once, in the order given (folders and globs in natural order).

    `dataset` is appended to HDF5 files named without one (`scan.h5` -> `scan.h5:/img_xanes`).  Files in a
    folder whose name ends with `skip_suffix`.h5 are left out: they are outputs of an earlier batch.
    """
    found: List[str] = []
    for item in items:
        found.extend(_expand(os.fspath(item), skip_suffix))
    if not found:
        raise InputError("no input stacks found in " + ", ".join(map(str, items)))
    chosen = []
    for source in found:
        if dataset and not _has_dataset(source) and source.lower().endswith((".h5", ".hdf5", ".hdf", ".nxs")):
            source = f"{source}:{dataset}"
        if source not in chosen:
            chosen.append(source)
    return chosen


def _has_dataset(source: str) -> bool:
    return source_file(source) != source


def _expand(item: str, skip_suffix: str) -> List[str]:
    if item.startswith("@"):
        return _list_file(item[1:])
    if os.path.isdir(item):
        return _folder(item, skip_suffix)
    if _GLOB.search(item) and not os.path.exists(item):
        matches = sorted(glob.glob(item), key=natural_key)
        if not matches:
            raise InputError(f"no file matches {item}")
        return matches
    source_file(item)  # raises a clear InputError for a missing file
    return [item]


def _folder(folder: str, skip_suffix: str) -> List[str]:
    endings = stack_extensions()
    outputs = (skip_suffix + ".h5").lower() if skip_suffix else None
    names = [n for n in os.listdir(folder) if not n.startswith(".") and n.lower().endswith(endings)
             and os.path.isfile(os.path.join(folder, n)) and not (outputs and n.lower().endswith(outputs))]
    if not names:
        raise InputError(f"the folder {folder} holds no stack files (any of {' '.join(endings)})")
    return [os.path.join(folder, n) for n in sorted(names, key=natural_key)]


def _list_file(path: str) -> List[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        raise InputError(f"cannot read the list file {path}: {error.strerror or error}") from error
    base = os.path.dirname(os.path.abspath(path))
    sources = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text:
            source = text if os.path.isabs(text) else os.path.join(base, text)
            source_file(source)
            sources.append(source)
    if not sources:
        raise InputError(f"the list file {path} names no stack")
    return sources


def output_for(source: str, out_dir: str, suffix: str) -> str:
    """`<out_dir>/<stem><suffix>.h5` for `source` (the dataset path joins the stem: `scan_img_xanes`)."""
    path = source_file(source)
    stem = os.path.basename(os.path.normpath(path))
    for ending in sorted(stack_extensions(), key=len, reverse=True):
        if stem.lower().endswith(ending):
            stem = stem[:-len(ending)]
            break
    rest = source[len(path):].lstrip(":")
    if rest:
        stem += "_" + re.sub(r"[^A-Za-z0-9._-]+", "_", rest).strip("_")
    return os.path.join(out_dir, stem + suffix + ".h5")


def plan_outputs(sources: List[str], out_dir: str, suffix: str) -> List[str]:
    """One output per source; refuses two sources that would share an output, or an output that is an input."""
    outputs = [output_for(s, out_dir, suffix) for s in sources]
    seen = {}
    files = {os.path.abspath(source_file(s)) for s in sources}
    for source, out in zip(sources, outputs):
        key = os.path.abspath(out)
        if key in seen:
            raise InputError(f"{seen[key]} and {source} would both be written to {out}; rename one, or run "
                             "them in separate batches with different --out-dir")
        if key in files:
            raise InputError(f"refusing to overwrite the input {out}; choose another --out-dir or --suffix")
        seen[key] = source
    return outputs
