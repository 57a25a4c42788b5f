"""Where txmalign keeps per-user files (the generated example, the app's log): one folder per platform.

`TXMALIGN_DATA_DIR` overrides the location (tests, portable installs). The folder is created on first use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "TXMALIGN_DATA_DIR"


def user_data_dir() -> Path:
    """The per-user data folder: %LOCALAPPDATA%\\txmalign, ~/Library/Application Support/txmalign or
    $XDG_DATA_HOME/txmalign (~/.local/share/txmalign); created if missing."""
    override = os.environ.get(ENV_VAR)
    if override:
        folder = Path(override)
    elif sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        folder = Path(base) / "txmalign"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Application Support" / "txmalign"
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        folder = Path(base) / "txmalign"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
