"""Locate the bundled resources (icons, styles, examples): checkout, installed package or frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

_PACKAGE = Path(__file__).resolve().parent.parent
# A checkout (or editable install) and the PyInstaller bundle keep resources/ beside the package; a
# regular `pip install` copies it to <prefix>/share/txmalign (see pyproject's data-files).
_CANDIDATES = (_PACKAGE / "resources", _PACKAGE.parent / "resources", Path(sys.prefix) / "share" / "txmalign")


def resource_path(*parts: str) -> Optional[Path]:
    """The first existing `resources/<parts>` path, or None when it is not shipped."""
    for root in _CANDIDATES:
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return None
