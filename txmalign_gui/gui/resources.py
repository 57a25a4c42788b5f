"""Locate the app's resources (icons, styles) inside the package, wherever it is installed.

They live in `txmalign_gui/resources/` and are read through `importlib.resources`, so a checkout, an
editable install, `pip install --user`, any other prefix and the frozen bundle all find them the same way.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Optional

_FILES = ExitStack()  # keeps any temporary copy (zip imports) alive until the program exits
atexit.register(_FILES.close)


def resource_path(*parts: str) -> Optional[Path]:
    """A filesystem path to `txmalign_gui/resources/<parts>` (Qt needs real files), or None if not shipped."""
    entry = resources.files("txmalign_gui").joinpath("resources", *parts)
    if not entry.is_file():
        return None
    return Path(_FILES.enter_context(resources.as_file(entry)))
