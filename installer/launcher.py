"""Entry script of the frozen bundle: one program, two executables.

installer/txmalign.spec builds this script twice from one analysis: `txmalign` (console program, the command
line) and `txmalign-gui` (windowed program, the desktop app). Both share the libraries of the bundle, and this
script picks what to run from the name of the executable it was started as. The command line imports no Qt,
so `txmalign --version` does not pay for loading it.
"""

from __future__ import annotations

import os
import sys


def wants_gui(executable: str) -> bool:
    """True when started as txmalign-gui (txmalign-gui.exe on Windows)."""
    name = os.path.basename(executable).lower()
    if name.endswith(".exe"):
        name = name[:-4]
    return name.startswith("txmalign-gui")


def gui_argv(argv: list) -> list:
    """Desktop shells open a file by passing its path as the first argument (desktop entry `%f`, "Open with",
    the .txmas file association): `txmalign-gui PATH [OPTIONS]` becomes `--open PATH [OPTIONS]`."""
    if argv and not argv[0].startswith("-"):
        return ["--open", *argv]
    return list(argv)


def main() -> int:
    if wants_gui(sys.executable):
        from txmalign_gui.gui.app import main as gui_main

        return gui_main(gui_argv(sys.argv[1:]))
    from txmalign_gui.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    # Worker processes of a parallel alignment (forkserver/spawn) re-run this executable: freeze_support()
    # turns such a start into a worker and never returns there (PyInstaller's documented requirement).
    import multiprocessing

    multiprocessing.freeze_support()
    # A windowed program on Windows has no console: sys.stdout/stderr are None there, and printing (argparse
    # --help or --version, error messages) would fail; send such output nowhere rather than crash.
    for stream in ("stdout", "stderr"):
        if getattr(sys, stream) is None:
            setattr(sys, stream, open(os.devnull, "w", encoding="utf-8"))
    sys.exit(main())
