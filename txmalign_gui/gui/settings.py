"""Persistent preferences (last folder, recent files, window layout) stored with QSettings."""

from __future__ import annotations

import os
from typing import Optional

from PyQt6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class AppSettings:
    """Typed access to the few values the app remembers between sessions."""

    def __init__(self, store: Optional[QSettings] = None):
        self.store = store if store is not None else QSettings("txmalign", "txmalign-gui")

    @property
    def last_folder(self) -> str:
        return str(self.store.value("last_folder", os.path.expanduser("~")))

    def remember_path(self, path: str) -> None:
        """Record `path` as the newest recent file and its folder as the last folder."""
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        self.store.setValue("last_folder", folder)
        recent = [p for p in self.recent_files() if p != path]
        self.store.setValue("recent_files", [path] + recent[: MAX_RECENT - 1])

    def recent_files(self) -> list:
        value = self.store.value("recent_files", [])
        if isinstance(value, str):  # QSettings returns a lone string for one-element lists
            value = [value]
        return [str(p) for p in value or []]

    def clear_recent(self) -> None:
        self.store.setValue("recent_files", [])

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)
        self.store.sync()

    def window_geometry(self) -> Optional[QByteArray]:
        return self.store.value("window/geometry", None)

    def window_state(self) -> Optional[QByteArray]:
        return self.store.value("window/state", None)
