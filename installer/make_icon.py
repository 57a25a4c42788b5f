"""Render txmalign_gui/resources/icons/txmalign.svg into the raster icons the installers need.

Writes txmalign_gui/resources/icons/txmalign.png (256 px, for the Linux desktop entry) and
txmalign_gui/resources/icons/txmalign.ico (16..256 px, for the Windows executables, Start menu and file
association). The .ico holds PNG-compressed images, which Windows has read since Vista, so no imaging
library beyond Qt is needed.

Usage: python installer/make_icon.py [--out-dir DIR]   (needs PyQt6; runs headless)
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "txmalign_gui" / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZE = 256


def render_png(svg_path: Path, size: int) -> bytes:
    """The SVG drawn on a transparent size x size square, as PNG bytes."""
    from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise SystemExit(f"make_icon: cannot read {svg_path}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(pngs: dict) -> bytes:
    """An ICO file (ICONDIR + ICONDIRENTRYs + PNG payloads) holding one PNG per size."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        payload += png
        offset += len(png)
    return header + entries + payload


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ICON_DIR, help="where to write txmalign.png/.ico")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    svg = ICON_DIR / "txmalign.svg"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "txmalign.png").write_bytes(render_png(svg, PNG_SIZE))
    (args.out_dir / "txmalign.ico").write_bytes(ico_bytes({s: render_png(svg, s) for s in ICO_SIZES}))
    print(f"make_icon: wrote txmalign.png and txmalign.ico in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
