"""End-to-end check of the Linux bundle (installer/build_linux.sh + installer/txmalign.spec).

Builds the tarball in a fresh temporary venv (about 3 minutes on 2 cores), installs it with its install.sh
into a temporary prefix, and runs the frozen programs: `txmalign example` + `txmalign align` must recover the
example's known transforms, and `txmalign-gui --screenshot` must draw the window offscreen. Skipped only when
PyInstaller cannot be installed (no package index reachable) or off Linux.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from txmalign_gui import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle builds on Linux")]


def _run(cmd, timeout, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)


def _tail(proc: subprocess.CompletedProcess, lines: int = 40) -> str:
    return "\n".join((proc.stdout + proc.stderr).splitlines()[-lines:])


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """dist/txmalign-<version>-linux-<arch>.tar.gz built by build_linux.sh in a fresh venv."""
    work = tmp_path_factory.mktemp("installer")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", venv], timeout=120)
    assert made.returncode == 0, _tail(made)
    pip = _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "pyinstaller>=6.0"], timeout=300)
    if pip.returncode != 0:
        pytest.skip("PyInstaller cannot be installed here: " + _tail(pip, 3))
    env = dict(os.environ, VENV=str(venv), TXMALIGN_DIST=str(work / "dist"), TXMALIGN_BUILD=str(work / "build"))
    build = _run(["bash", ROOT / "installer" / "build_linux.sh"], timeout=900, env=env)
    assert build.returncode == 0, _tail(build)
    found = sorted((work / "dist").glob("txmalign-*.tar.gz"))
    assert [p.name for p in found] == [f"txmalign-{__version__}-linux-{os.uname().machine}.tar.gz"]
    return found[0]


def _install(tarball: Path, where: Path) -> Path:
    """Unpack the tarball under `where` and run its install.sh with PREFIX=where/prefix; returns the prefix."""
    where.mkdir(parents=True, exist_ok=True)
    unpacked = _run(["tar", "-xzf", tarball, "-C", where], timeout=300)
    assert unpacked.returncode == 0, _tail(unpacked)
    folder = where / tarball.name[: -len(".tar.gz")]
    prefix = where / "prefix"
    installed = _run(["bash", folder / "install.sh"], timeout=300, env=dict(os.environ, PREFIX=str(prefix)))
    assert installed.returncode == 0, _tail(installed)
    assert f"txmalign {__version__} installed" in installed.stdout
    return prefix


@pytest.fixture(scope="module")
def prefix(tarball, tmp_path_factory) -> Path:
    return _install(tarball, tmp_path_factory.mktemp("unpacked"))


def test_install_puts_programs_menu_entry_icon_and_file_type_in_place(prefix):
    version = _run([prefix / "bin" / "txmalign", "--version"], timeout=120)
    assert version.returncode == 0 and version.stdout.strip() == f"txmalign {__version__}"
    entry = (prefix / "share" / "applications" / "txmalign.desktop").read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    gui = Path(exec_line.split('"')[1])
    assert gui.is_file() and os.access(gui, os.X_OK) and exec_line.endswith(" %f")
    assert "MimeType=application/x-txmalign-session;" in entry
    if shutil.which("desktop-file-validate"):  # freedesktop's checker, where installed (desktop-file-utils)
        checked = _run(["desktop-file-validate", prefix / "share" / "applications" / "txmalign.desktop"], 60)
        assert checked.returncode == 0 and "error" not in checked.stdout, checked.stdout
    icon = prefix / "share" / "icons" / "hicolor" / "256x256" / "apps" / "txmalign.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "*.txmas" in (prefix / "share" / "mime" / "packages" / "txmalign.xml").read_text()


def test_frozen_cli_aligns_the_example_to_its_known_transforms(prefix, tmp_path):
    txmalign = prefix / "bin" / "txmalign"
    example, aligned = tmp_path / "example.h5", tmp_path / "aligned.h5"
    made = _run([txmalign, "example", "--out", example], timeout=300)
    assert made.returncode == 0, _tail(made)
    # Two worker processes: also checks that the frozen program can start its own workers.
    run = _run([txmalign, "align", example, "--out", aligned, "--strategy", "consistent", "--jobs", "2",
                "--transforms-csv", tmp_path / "t.csv"], timeout=400)
    assert run.returncode == 0, _tail(run)
    with h5py.File(example, "r") as src, h5py.File(aligned, "r") as dst:
        truth, found = src["truth_transforms"][()], dst["transforms"][()]
        assert dst["aligned"].shape == src["img_xanes"].shape
    error = np.hypot(*(found[:, :2] - truth[:, :2]).T)
    assert error.max() < 0.3, f"largest error {error.max():.3f} px at image {error.argmax()}"
    bad = _run([txmalign, "align", tmp_path / "missing.h5", "--out", tmp_path / "x.h5"], timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_frozen_gui_draws_its_window_offscreen(prefix, tmp_path):
    from txmalign_gui.gui.app import SCREENSHOT_SIZE

    example, picture = tmp_path / "example.h5", tmp_path / "window.png"
    assert _run([prefix / "bin" / "txmalign", "example", "--out", example], timeout=300).returncode == 0
    # A bare file argument is how desktop shells pass the file to open (launcher.py turns it into --open).
    shot = _run([prefix / "bin" / "txmalign-gui", example, "--screenshot", picture], timeout=300,
                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert shot.returncode == 0, _tail(shot)
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == SCREENSHOT_SIZE
    assert len(data) > 20_000  # a window with an image in it, not a blank rectangle
    log = Path(os.environ["TXMALIGN_DATA_DIR"]) / "logs" / "txmalign-gui.log"
    assert f"txmalign-gui {__version__} started" in log.read_text()  # the windowed app keeps a log


def _shifted_pair(dtype=np.uint16) -> tuple:
    """A textured image and its copy moved by (+3, -5) px: `register` must report (-3, +5)."""
    rng = np.random.default_rng(4)
    from scipy import ndimage

    base = ndimage.gaussian_filter(rng.random((160, 160)), 3)
    base = (base - base.min()) / np.ptp(base) * (200 if dtype == np.uint8 else 50000) + 10
    moved = np.roll(base, (3, -5), axis=(0, 1))
    return base[20:140, 20:140].astype(dtype), moved[20:140, 20:140].astype(dtype)


def _registered_shift(prefix: Path, fixed: str, moving: str) -> tuple:
    import json

    done = _run([prefix / "bin" / "txmalign", "register", fixed, moving, "--method", "phasecorr", "--json"],
                timeout=300)
    assert done.returncode == 0, _tail(done)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["dy"], found["dx"]


@pytest.mark.parametrize("compression", ["lzw", "deflate", "zstd", "jpeg"])
def test_frozen_cli_reads_compressed_tiffs(prefix, tmp_path, compression):
    import tifffile

    dtype = np.uint8 if compression == "jpeg" else np.uint16
    fixed, moving = _shifted_pair(dtype)
    for name, image in (("fixed", fixed), ("moving", moving)):
        tifffile.imwrite(tmp_path / f"{name}.tif", image, compression=compression)
    dy, dx = _registered_shift(prefix, str(tmp_path / "fixed.tif"), str(tmp_path / "moving.tif"))
    assert abs(dy + 3) < 0.3 and abs(dx - 5) < 0.3, (compression, dy, dx)


@pytest.mark.parametrize("codec", ["Bitshuffle", "Blosc", "Zstd"])
def test_frozen_cli_reads_filtered_hdf5(prefix, tmp_path, codec):
    hdf5plugin = pytest.importorskip("hdf5plugin")

    path = tmp_path / f"{codec}.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("images", data=np.stack(_shifted_pair()), chunks=(1, 120, 120),
                          **getattr(hdf5plugin, codec)())
    dy, dx = _registered_shift(prefix, f"{path}:/images[0]", f"{path}:/images[1]")
    assert abs(dy + 3) < 0.3 and abs(dx - 5) < 0.3, (codec, dy, dx)


def test_bundle_carries_licences_and_no_unused_qt_parts(prefix):
    internal = prefix / "lib" / "txmalign" / "_internal"
    summary = (internal / "licenses" / "THIRD_PARTY.txt").read_text()
    assert "PyQt6 " in summary and "PyQt6-Qt6 " in summary and "GNU GPL version 3" in summary
    assert (internal / "licenses" / "txmalign-LICENSE.txt").is_file()
    libraries = {p.name for p in internal.rglob("*.so*")}  # shared libraries and extension modules
    unused = [name for name in libraries
              if name.startswith(("libqgtk3", "libQt6Network", "libQt6Test", "QtNetwork.", "QtTest.", "libgtk-3"))]
    assert not unused, unused


def test_uninstall_removes_everything(tarball, tmp_path):
    prefix = _install(tarball, tmp_path)
    removed = _run(["bash", tmp_path / tarball.name[: -len(".tar.gz")] / "install.sh", "--uninstall"],
                   timeout=120, env=dict(os.environ, PREFIX=str(prefix)))
    assert removed.returncode == 0, _tail(removed)
    left = [p for p in prefix.rglob("*") if "txmalign" in p.name]
    assert left == []
