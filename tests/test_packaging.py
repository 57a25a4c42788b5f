"""Packaging that holds up outside the repository: resources inside the package, the example generated on
demand, the licence files, the log file of the windowed app."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))
from collect_licenses import write_licenses  # noqa: E402


def test_resources_are_found_inside_the_package():
    from txmalign_gui.gui.resources import resource_path

    icon = resource_path("icons", "txmalign.svg")
    style = resource_path("styles", "txmalign.qss")
    assert icon is not None and icon.read_text().lstrip().startswith("<svg")
    assert style is not None and "{" in style.read_text()
    assert resource_path("icons", "no-such-icon.svg") is None


def test_example_is_generated_once_in_the_user_data_folder(user_data_folder):
    import h5py

    from txmalign_gui.io.example import example_file

    path = example_file()
    assert path.parent.parent == user_data_folder
    with h5py.File(path, "r") as h5:
        assert h5["img_xanes"].shape == (101, 128, 128) and h5["truth_transforms"].shape == (101, 3)
    stamp = path.stat().st_mtime_ns
    assert example_file() == path and path.stat().st_mtime_ns == stamp  # reused, not rewritten
    path.write_bytes(b"not an HDF5 file")  # a damaged copy is replaced
    with h5py.File(example_file(), "r") as h5:
        assert "img_xanes" in h5


@pytest.mark.slow
def test_wheel_installed_with_user_finds_icon_style_and_example(tmp_path):
    """`pip install --user` puts the package outside sys.prefix: resources must still be found."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "Could not find a version that satisfies" in built.stderr:
        pytest.skip("the build backend cannot be installed (no package index)")
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "w").glob("txmalign-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "txmalign_gui/resources/icons/txmalign.svg" in names
    assert "txmalign_gui/resources/styles/txmalign.qss" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.endswith(".h5") for name in names), "the example is generated, not shipped"
    # code, help pages and the two networks' weights (0.6 MB together, each at most 2 MB), no data
    weights = [info for info in zipfile.ZipFile(wheel).infolist() if info.filename.endswith(".npz")]
    assert len(weights) == 2 and all(info.file_size <= 2_000_000 for info in weights)
    assert wheel.stat().st_size < 1_500_000

    base = Path(getattr(sys, "_base_executable", sys.executable))  # --user is refused inside a venv
    env = {**os.environ, "PYTHONUSERBASE": str(tmp_path / "userbase"), "PYTHONNOUSERSITE": "",
           "TXMALIGN_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": ""}
    installed = subprocess.run([str(base), "-m", "pip", "install", "--user", "--no-deps", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    if installed.returncode != 0 and "No module named pip" in installed.stderr:
        pytest.skip("the base interpreter has no pip")
    assert installed.returncode == 0, installed.stderr[-2000:]
    # The engine's own dependencies come from this test environment, behind the user site.
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir())
    probe = ("import site, sys; sys.path.append(%r)\n"
             "import txmalign_gui\n"
             "assert txmalign_gui.__file__.startswith(site.getuserbase()), txmalign_gui.__file__\n"
             "from txmalign_gui.gui.resources import resource_path\n"
             "from txmalign_gui.io.example import example_file\n"
             "print(resource_path('icons', 'txmalign.png'), resource_path('styles', 'txmalign.qss'), "
             "example_file())\n" % site_packages)
    found = subprocess.run([str(base), "-c", probe], capture_output=True, text=True, timeout=300, env=env,
                           cwd=tmp_path)
    assert found.returncode == 0, found.stderr[-2000:]
    icon, style, example = found.stdout.split()
    assert Path(icon).is_file() and Path(style).is_file() and Path(example).is_file()
    assert Path(example).is_relative_to(tmp_path / "data")


def test_licence_texts_are_collected_for_qt_and_pyqt(tmp_path):
    target = write_licenses(["PyQt6", "numpy"], tmp_path / "licenses", ROOT / "LICENSE")
    summary = (target / "THIRD_PARTY.txt").read_text()
    assert "PyQt6 " in summary and "GPL-3.0" in summary and "numpy " in summary
    pyqt = " ".join(p.read_text(errors="replace") for p in (target / "PyQt6").iterdir())
    qt = " ".join(p.read_text(errors="replace") for p in (target / "PyQt6-Qt6").iterdir())
    assert "GNU GENERAL PUBLIC LICENSE" in pyqt and "GNU LESSER GENERAL PUBLIC LICENSE" in qt
    assert (target / "txmalign-LICENSE.txt").read_text().startswith("BSD 3-Clause License")


def test_app_log_records_unexpected_errors_and_the_message_names_it(user_data_folder):
    from txmalign_gui.gui.app import install_excepthook
    from txmalign_gui.gui.app_log import log_path, start_logging, stop_logging

    class Window:
        shown = []

        def show_error(self, text):
            self.shown.append(text)

    window = Window()
    assert start_logging() == log_path() and log_path().parent.parent == user_data_folder
    previous = install_excepthook(window)
    try:
        try:
            raise ZeroDivisionError("a bug in a tool")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
        logging.getLogger("txmalign.test").warning("a warning goes to the log too")
    finally:
        sys.excepthook = previous
        stop_logging()
    text = log_path().read_text()
    assert "ZeroDivisionError: a bug in a tool" in text and "Traceback" in text
    assert "a warning goes to the log too" in text
    assert str(log_path()) in window.shown[0] and "Open log folder" in window.shown[0]
