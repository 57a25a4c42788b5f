"""`python -m txmalign_gui` starts the desktop app."""

from txmalign_gui.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
