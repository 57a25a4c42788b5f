"""The progress bar of the `txmalign` subcommands: one line on a terminal, nothing when piped."""

from __future__ import annotations

import sys
import time


def terminal_progress(label: str, stream=None):
    """A Progress that draws a one-line bar on a terminal (and stays silent when piped)."""
    from .engine.progress import Progress

    stream = stream or sys.stderr
    if not stream.isatty():
        return Progress()
    started = time.monotonic()

    def draw(fraction: float, message: str) -> None:
        width = 30
        filled = int(round(fraction * width))
        elapsed = time.monotonic() - started
        eta = f" ~{elapsed * (1 - fraction) / fraction:4.0f}s left" if 0.02 < fraction < 1 else ""
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%{eta} "
                     f"{message[:40]:<40}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return Progress(callback=draw)
