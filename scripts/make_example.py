"""Regenerate the bundled example dataset resources/examples/synthetic_xanes.h5 (deterministic)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from txmalign_gui.io.example import EXAMPLE_FILENAME, write_example  # noqa: E402


def main() -> None:
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "examples")
    os.makedirs(folder, exist_ok=True)
    path = write_example(os.path.join(folder, EXAMPLE_FILENAME))
    print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
