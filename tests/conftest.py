"""Shared GUI test fixtures: Qt runs offscreen and settings go to a temporary folder."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def user_data_folder(tmp_path_factory):
    """The per-user data folder (generated example, app log) is a temporary one, never the tester's own."""
    folder = tmp_path_factory.mktemp("user_data")
    os.environ["TXMALIGN_DATA_DIR"] = str(folder)
    return folder


@pytest.fixture
def qt_paths(tmp_path, qapp):
    """Default QSettings and QStandardPaths point at test locations, never at the user's own files."""
    from PyQt6.QtCore import QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    return tmp_path


@pytest.fixture
def gui_settings(qt_paths):
    """A QSettings object in an INI file under tmp_path, so tests never touch the user's settings."""
    from PyQt6.QtCore import QSettings

    return QSettings(str(qt_paths / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def owned(qapp):
    """Register widgets to destroy at teardown, while the test still holds them.

    pyqtgraph items can crash a later paint when a widget tree is garbage-collected
    lazily; closing and deleting the tree right here keeps every test independent.
    """
    from PyQt6.QtCore import QCoreApplication, QEvent

    widgets = []
    yield lambda widget: widgets.append(widget) or widget
    for widget in reversed(widgets):
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


@pytest.fixture
def make_window(owned, gui_settings, tmp_path):
    """Factory of shown main windows with test settings (`size` to resize, `autosave` names the autosave file);
    runs still going at teardown are cancelled and waited for before the windows are destroyed."""
    from txmalign_gui.gui.main_window import MainWindow
    from txmalign_gui.gui.settings import AppSettings

    made = []

    def make(size=None, autosave="autosave.txmas"):
        window = owned(MainWindow(AppSettings(gui_settings), autosave_path=str(tmp_path / autosave)))
        if size is not None:
            window.resize(*size)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.runs.cancel()
        window.runs.wait()
