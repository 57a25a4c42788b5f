"""The app opening hostile files (`txmalign-gui --open FILE`): the window appears and shows a clear
message naming the problem; it never exits or raises, and the file is left as it was."""

from __future__ import annotations

import re

import pytest
from hostile_support import snapshot
from test_hostile_inputs import BAD_INPUTS

GUI_CASES = ["empty-h5", "text-as-h5", "truncated-tif", "truncated-h5", "complex-h5", "bytes-3d-h5-named",
             "compound-3d-h5-named", "strings-3d-h5-named", "broken-virtual-dataset", "folder-mixed-sizes",
             "txrm-without-header", "stxm-frame-wrong-size", "unknown-extension", "huge-declared-stack"]


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.mark.parametrize("name", GUI_CASES)
def test_opening_a_hostile_file_shows_a_message(name, window, tmp_path, qtbot):
    builder, pattern = BAD_INPUTS[name]
    folder = tmp_path / "data"
    folder.mkdir()
    source = builder(folder)
    before = snapshot(folder)
    opened = window.open_path(source)
    qtbot.wait(10)
    assert window.isVisible()
    if name == "huge-declared-stack":  # opening is lazy: the app may show it; aligning it is refused
        assert opened or re.search(pattern, window.message_bar.text)
    else:
        assert not opened
        assert window.message_bar.isVisible()
        assert re.search(pattern, window.message_bar.text), window.message_bar.text
    assert snapshot(folder) == before


def test_app_main_with_a_hostile_open_still_shows_the_window(tmp_path, qapp, qt_paths, monkeypatch):
    """`txmalign-gui --open bad.h5 --screenshot out.png`: the window is drawn with the message, exit 1."""
    from txmalign_gui.gui import app

    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"")
    shown = []
    monkeypatch.setattr(app, "save_screenshot", lambda window, path: shown.append(
        (window.isVisible(), window.message_bar.text)) or True)
    assert app.main(["--open", str(bad), "--screenshot", str(tmp_path / "s.png")]) == 1
    assert shown and shown[0][0] and "bad.h5 is empty" in shown[0][1]


@pytest.mark.parametrize("kind", ["fxi-export", "rgb-tiff"])
def test_opening_a_file_read_with_a_correction_says_so(kind, window, tmp_path):
    """Files read with a correction open normally and the window says what was done."""
    import numpy as np
    from hostile_support import shifted_stack, write_fxi, write_tiff

    if kind == "fxi-export":
        path, expected = write_fxi(tmp_path / "export.h5", exported=True), "already flat-field normalised"
    else:
        stack = (np.repeat(shifted_stack()[..., None], 3, -1) * 255).astype(np.uint8)
        path, expected = write_tiff(tmp_path / "rgb.tif", stack, photometric="rgb"), "colour (RGB) image"
    assert window.open_path(path)
    assert window.stack is not None and window.stack.shape == (5, 40, 40)
    assert expected in window.message_bar.text
