"""Session files (.txmas, JSON): the data source, parameters, ROI/mask, results and view, written atomically."""

from __future__ import annotations

import json

from .. import __version__
from .. import io as txio
from ..engine.errors import InputError

SESSION_EXTENSION = ".txmas"
SESSION_FILTER = f"txmalign session (*{SESSION_EXTENSION})"
FORMAT_NAME = "txmalign-session"
FORMAT_VERSION = 1


def write_session(path: str, state: dict) -> None:
    """Write `state` (the window's `session_state()`) as JSON; the old file survives a failed write."""
    record = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "program_version": __version__, **state}
    text = json.dumps(record, indent=1)
    with txio.atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


def read_session(path: str) -> dict:
    """The state stored in a session file, or InputError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except OSError as error:
        raise InputError(f"cannot read the session {path}: {error.strerror or error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not a txmalign session file (not valid JSON: {error})") from error
    if not isinstance(record, dict) or record.get("format") != FORMAT_NAME:
        raise InputError(f"{path} is not a txmalign session file")
    if int(record.get("version", 0)) > FORMAT_VERSION:
        raise InputError(f"{path} was written by a newer txmalign ({record.get('program_version')}); "
                         "update txmalign to open it")
    if not isinstance(record.get("data"), dict) or not record["data"].get("path"):
        raise InputError(f"the session {path} does not say which data it belongs to")
    return record
