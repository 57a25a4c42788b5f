"""Locate the bundled resources (icons, styles, examples) in a source checkout or an installed package."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

_PACKAGE = Path(__file__).resolve().parent.parent
_CANDIDATES = (_PACKAGE / "resources", _PACKAGE.parent / "resources")


def resource_path(*parts: str) -> Optional[Path]:
    """The first existing `resources/<parts>` path, or None when it is not shipped."""
    for root in _CANDIDATES:
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return None
