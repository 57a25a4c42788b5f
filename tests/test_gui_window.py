"""The main window driven through its widgets: open, align in the background, cancel, errors, sessions."""

import time

import numpy as np
import pytest
from PyQt6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PyQt6.QtGui import QDropEvent

from txmalign_gui.gui import memory
from txmalign_gui.gui.main_window import MainWindow
from txmalign_gui.gui.session import read_session
from txmalign_gui.gui.settings import AppSettings
from txmalign_gui.gui.stack_view import ALIGNED

RUN_TIMEOUT_MS = 30_000


def make_stack(count=9, size=96, seed=1):
    """A smooth random texture shifted by known subpixel amounts; returns (stack, shifts)."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((size, size)), 3)
    shifts = rng.uniform(-4, 4, (count, 2))
    stack = np.stack([ndimage.shift(base, s, mode="nearest") for s in shifts]).astype(np.float32)
    return stack, shifts


@pytest.fixture
def stack_file(tmp_path):
    stack, shifts = make_stack()
    path = tmp_path / "stack.npy"
    np.save(path, stack)
    return str(path), shifts


@pytest.fixture
def window(make_window):
    return make_window()


def choose_fast_method(win):
    panel = win.panel
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("phasecorr"))
    panel.method_form().editor("upsample").setValue(20)


def run_and_wait(qtbot, win):
    with qtbot.waitSignal(win.runs.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(win.panel.run_button, Qt.MouseButton.LeftButton)


def test_align_through_the_widgets_recovers_known_shifts(qtbot, window, stack_file):
    path, shifts = stack_file
    assert not window.panel.run_button.isEnabled()
    assert window.open_path(path)
    choose_fast_method(window)
    window.view.set_index(3)
    qtbot.mouseClick(window.panel.use_frame_button, Qt.MouseButton.LeftButton)
    assert window.panel.stack_options()["anchor"] == 3
    run_and_wait(qtbot, window)

    expected = shifts[3] - shifts  # the transform that moves frame i onto the anchor frame
    np.testing.assert_allclose(window.alignment.transforms[:, :2], expected, atol=0.3)
    assert window.alignment.anchor == 3 and window.alignment.method == "phasecorr"
    assert window.alignment.params["upsample"] == 20
    assert window.view.mode == ALIGNED and window.aligned.shape == (9, 96, 96)
    assert window.results.table.rowCount() == 9
    assert window.export_aligned_action.isEnabled()
    window.results.frame_selected.emit(6)
    assert window.view.index == 6


def test_cancel_stops_within_a_second_and_keeps_nothing(qtbot, window, tmp_path):
    stack, _ = make_stack(count=80, size=192)
    path = tmp_path / "big.npy"
    np.save(path, stack)
    window.open_path(str(path))
    choose_fast_method(window)
    window.panel.method_form().editor("upsample").setValue(400)
    with qtbot.waitSignal(window.runs.news, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.panel.run_button, Qt.MouseButton.LeftButton)
    start = time.monotonic()
    with qtbot.waitSignal(window.runs.cancelled, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.panel.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - start < 1.0
    assert window.alignment is None and window.aligned is None
    assert "cancelled" in window.message_bar.text
    assert window.panel.run_button.isEnabled() and not window.panel.cancel_button.isEnabled()
    assert window.results.table.rowCount() == 0


def test_event_loop_keeps_running_during_an_alignment(qtbot, window, tmp_path):
    stack, _ = make_stack(count=40, size=160)
    path = tmp_path / "long.npy"
    np.save(path, stack)
    window.open_path(str(path))
    choose_fast_method(window)
    window.panel.method_form().editor("upsample").setValue(400)
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    start = time.monotonic()
    run_and_wait(qtbot, window)
    elapsed = time.monotonic() - start
    timer.stop()
    assert elapsed > 0.3, "the run was too short to prove anything"
    assert len(ticks) > 0.3 * elapsed / 0.010  # the 10 ms timer kept firing while the engine worked
    assert np.max(np.diff(ticks)) < 0.5


def test_unreadable_file_gives_a_message_and_the_app_stays_usable(window, tmp_path, stack_file):
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"this is not a TIFF")
    assert not window.open_path(str(bad))
    assert window.message_bar.isVisible() and "broken.tif" in window.message_bar.text
    assert "broken.tif" in window.statusBar().currentMessage()
    flat = tmp_path / "single.npy"
    np.save(flat, np.zeros((32, 32), np.float32))
    assert not window.open_path(str(flat))
    assert "stack" in window.message_bar.text
    assert window.open_path(stack_file[0])
    assert not window.message_bar.isVisible()


def test_a_failed_run_is_reported_in_the_window(qtbot, window, stack_file):
    window.open_path(stack_file[0])
    choose_fast_method(window)
    window.roi_model.set_roi((0, 3, 0, 3))  # too small to register
    with qtbot.waitSignal(window.runs.failed, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.panel.run_button, Qt.MouseButton.LeftButton)
    assert "failed" in window.message_bar.text and window.alignment is None
    assert window.panel.run_button.isEnabled()


def test_rerun_selected_frames_replaces_only_those(qtbot, window, stack_file):
    path, shifts = stack_file
    window.open_path(path)
    choose_fast_method(window)
    run_and_wait(qtbot, window)
    before = window.alignment.transforms.copy()
    window.panel.method_form().editor("upsample").setValue(100)
    window.results.select_frames([1, 5])
    assert window.results.rerun_button.isEnabled()
    with qtbot.waitSignal(window.runs.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.results.rerun_button, Qt.MouseButton.LeftButton)
    after = window.alignment.transforms
    unchanged = [i for i in range(9) if i not in (1, 5)]
    np.testing.assert_array_equal(after[unchanged], before[unchanged])
    expected = shifts[window.alignment.anchor] - shifts
    np.testing.assert_allclose(after[[1, 5], :2], expected[[1, 5]], atol=0.3)
    window.results.select_frames([2])
    with qtbot.waitSignal(window.runs.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.results.rerun_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(window.alignment.transforms[2, :2], expected[2], atol=0.3)


def test_session_round_trip_restores_everything(owned, qtbot, window, stack_file, gui_settings,
                                                tmp_path):
    path, _ = stack_file
    window.open_path(path)
    choose_fast_method(window)
    window.panel.method_form().editor("window").setChecked(False)
    window.roi_model.set_roi((8, 88, 10, 90))
    mask = np.ones((96, 96), bool)
    mask[:4] = False
    window.roi_model.set_mask(mask)
    run_and_wait(qtbot, window)
    window.view.set_index(7)
    window.view.set_contrast_mode("stack")
    session = str(tmp_path / "work.txmas")
    assert window.write_session(session)
    assert read_session(session)["data"]["path"].endswith("stack.npy")

    other = MainWindow(AppSettings(gui_settings), autosave_path=str(tmp_path / "other.txmas"))
    owned(other)
    with qtbot.waitSignal(other.runs.finished, timeout=RUN_TIMEOUT_MS):
        assert other.open_path(session)
    assert other.panel.state() == window.panel.state()
    assert other.roi_model.roi == (8, 88, 10, 90)
    np.testing.assert_array_equal(other.roi_model.mask, mask)
    np.testing.assert_array_equal(other.alignment.transforms, window.alignment.transforms)
    assert other.alignment.statuses == window.alignment.statuses
    np.testing.assert_allclose(other.aligned, window.aligned, atol=1e-6, equal_nan=True)
    assert other.view.view_state() == window.view.view_state()


def test_damaged_session_file_gives_a_message(window, tmp_path):
    path = tmp_path / "broken.txmas"
    path.write_text("{not json")
    assert not window.open_path(str(path))
    assert "session" in window.message_bar.text


def test_autosave_writes_a_session_that_can_be_recovered(window, stack_file):
    assert window.autosave_timer.interval() == 60_000 and window.autosave_timer.isActive()
    window.recover_autosave()
    assert "no autosaved session" in window.message_bar.text
    window.open_path(stack_file[0])
    window.view.set_index(2)
    window.autosave()
    assert read_session(window.autosave_path)["panel"]["method"] == window.panel.method()
    window.view.set_index(5)
    window.recover_autosave()
    assert window.view.index == 2 and window.view.count == 9
    assert window.session_path is None  # a later Save asks for a name instead of overwriting the autosave


def test_memory_warning_before_a_run_that_does_not_fit(window, stack_file, monkeypatch):
    window.open_path(stack_file[0])
    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)
    asked = []
    monkeypatch.setattr(window, "confirm", lambda text: asked.append(text) or False)
    assert not window.start_alignment()
    assert "memory" in asked[0] and "memory" in window.message_bar.text
    assert not window.runs.running


def test_drop_a_file_opens_it_and_recent_files_remember_it(window, stack_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(stack_file[0])])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.stack is not None and window.view.count == 9
    assert window.settings.recent_files()[0] == stack_file[0]
    assert "9 frames of 96 x 96 px" in window.stack_info.text()


def test_save_aligned_stack_transforms_and_refuse_to_overwrite_input(qtbot, window, stack_file, tmp_path):
    from txmalign_gui import io as txio

    path, _ = stack_file
    window.open_path(path)
    choose_fast_method(window)
    run_and_wait(qtbot, window)
    h5 = str(tmp_path / "aligned.h5")
    csv = str(tmp_path / "transforms.csv")
    tif = str(tmp_path / "aligned.tif")
    with qtbot.waitSignal(window.saved, timeout=RUN_TIMEOUT_MS):
        window.save_aligned(h5)
        assert not window.panel.run_button.isEnabled()  # no run may change the frames being written
    with qtbot.waitSignal(window.saved, timeout=RUN_TIMEOUT_MS):
        window.save_aligned(tif)
    assert window.save_transforms(csv)
    np.testing.assert_allclose(txio.read_transforms(h5), window.alignment.transforms)
    np.testing.assert_allclose(txio.read_transforms(csv), window.alignment.transforms, atol=1e-6)
    assert txio.read_stack(tif).shape == (9, 96, 96)
    with qtbot.waitSignal(window.save_failed, timeout=RUN_TIMEOUT_MS):
        window.save_aligned(path)
    assert "overwrite" in window.message_bar.text and window.panel.run_button.isEnabled()


def test_separate_reference_image_is_the_registration_target(qtbot, window, stack_file, tmp_path):
    path, shifts = stack_file
    target = tmp_path / "target.npy"
    np.save(target, np.load(path)[6])
    window.open_path(path)
    choose_fast_method(window)
    window.panel.reference_edit.setText(str(target))
    assert window.panel.separate_radio.isChecked()
    run_and_wait(qtbot, window)
    np.testing.assert_allclose(window.alignment.transforms[:, :2], shifts[6] - shifts, atol=0.3)


def test_window_layout_and_last_folder_persist(make_window, tmp_path, stack_file):
    first = make_window(autosave="a.txmas")
    first.open_path(stack_file[0])
    first.tools_dock.hide()
    first.close()
    second = make_window(autosave="b.txmas")
    assert not second.tools_dock.isVisible()
    assert second.settings.last_folder == str(tmp_path)


def test_bundled_example_aligns_to_its_known_truth_by_clicking(qtbot, window):
    import h5py

    from txmalign_gui.engine.synthetic import alignment_errors
    from txmalign_gui.io.example import example_file

    example = example_file()
    window.open_example()
    assert window.stack.shape == (101, 128, 128) and window.stack.energies is not None
    assert window.panel.prepare_form.editor("flat_field").isChecked()  # the FXI file brings flats
    assert window.panel.method() == "tvdm"
    run_and_wait(qtbot, window)
    with h5py.File(example, "r") as handle:
        truth = handle["truth_transforms"][()]
    errors = alignment_errors(window.alignment.transforms, truth, (128, 128))
    assert errors.max() < 0.6, errors.max()
    assert window.alignment.prepare["flat_field"] is True
    assert window.results.axis_combo.currentData() == "energy"


def test_hdf5_with_several_stacks_asks_which_one_and_takes_the_energies(window, tmp_path, monkeypatch):
    import h5py

    from txmalign_gui.gui.hdf5_dialog import Hdf5Dialog

    path = tmp_path / "two.h5"
    stack, _ = make_stack(count=4, size=32)
    with h5py.File(path, "w") as handle:
        handle["scan/a"] = stack
        handle["scan/b"] = stack[:3]
        handle["scan/energy_kev"] = np.array([7.1, 7.2, 7.3])
        handle["scan/energy_kev"].attrs["units"] = "keV"
    chosen = []

    def choose_b(dialog):
        chosen.append([dialog.tree.topLevelItem(0).child(i).text(0) for i in range(3)])
        dialog.select_dataset("/scan/b")
        return 1

    monkeypatch.setattr(Hdf5Dialog, "exec", choose_b)
    assert window.open_path(str(path))
    assert chosen == [["a", "b", "energy_kev"]]
    assert window.stack.shape == (3, 32, 32)
    np.testing.assert_allclose(window.stack.energies, [7100, 7200, 7300])
    monkeypatch.setattr(Hdf5Dialog, "exec", lambda dialog: 0)
    assert not window.open_path(str(path))  # cancelled: the open stack stays
    assert window.stack.shape == (3, 32, 32)


def test_dataset_syntax_and_unexpected_errors_reach_the_message_bar(window, tmp_path):
    import sys

    import h5py

    from txmalign_gui.gui.app import install_excepthook

    path = tmp_path / "scan.h5"
    stack, _ = make_stack(count=3, size=32)
    with h5py.File(path, "w") as handle:
        handle["data"] = stack
        handle["copy"] = stack
    assert window.open_path(f"{path}:/copy")
    assert window.stack.dataset == "/copy"
    assert not window.open_path(str(tmp_path / "missing.h5"))
    assert "no such file" in window.message_bar.text
    previous = install_excepthook(window)
    try:
        sys.excepthook(ZeroDivisionError, ZeroDivisionError("boom"), None)
    finally:
        sys.excepthook = previous
    assert "Unexpected error: ZeroDivisionError: boom" in window.message_bar.text


def test_open_dialog_filter_follows_the_reader_registry(tmp_path):
    """A reader plugin registered at run time is offered in the Open dialog without editing the app."""
    import numpy as np

    from txmalign_gui.gui.main_window import open_filter
    from txmalign_gui.io import StackData
    from txmalign_gui.io.registry import _READERS, Reader, register_reader

    assert "*.hdr" in open_filter() and "*.txrm" in open_filter() and "*.txmas" in open_filter()
    reader = register_reader(Reader("raw9-test", "Raw9 detector frames (binary)", (".raw9",), lambda p: True,
                                    lambda p, d=None: StackData(images=np.zeros((2, 4, 4)), path=p)))
    try:
        entries = open_filter().split(";;")
        assert "Raw9 detector frames (*.raw9)" in entries and "*.raw9" in entries[0]
    finally:
        _READERS.remove(reader)
    assert "raw9" not in open_filter()
