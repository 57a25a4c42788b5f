#!/usr/bin/env bash
# Build the Linux bundle: dist/txmalign-<version>-linux-x86_64.tar.gz, holding the one-folder PyInstaller
# build (txmalign and txmalign-gui sharing _internal/), a desktop entry, the icon, the .txmas MIME entry and
# install.sh (installs into ~/.local). Run from anywhere: bash installer/build_linux.sh
#
#   VENV=path        build environment to use (created when missing); default: a fresh build/installer-venv
#   TXMALIGN_DIST    folder for the tarball (default: dist)
#   TXMALIGN_BUILD   folder for intermediate files (default: build/linux)
set -euo pipefail
# Paths given by the caller are relative to where it runs; the defaults are relative to the repo root.
[ -z "${VENV:-}" ] || VENV="$(realpath -m "$VENV")"
[ -z "${TXMALIGN_DIST:-}" ] || TXMALIGN_DIST="$(realpath -m "$TXMALIGN_DIST")"
[ -z "${TXMALIGN_BUILD:-}" ] || TXMALIGN_BUILD="$(realpath -m "$TXMALIGN_BUILD")"
cd "$(dirname "$0")/.."
DIST="$(realpath -m "${TXMALIGN_DIST:-dist}")"
WORK="$(realpath -m "${TXMALIGN_BUILD:-build/linux}")"
mkdir -p "$DIST" "$WORK"

if [ -z "${VENV:-}" ]; then
    VENV="build/installer-venv"
    rm -rf "$VENV"
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
echo "== installing txmalign and PyInstaller into $VENV"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q ".[gui,installer]"
VERSION="$("$PY" -c 'import txmalign_gui; print(txmalign_gui.__version__)')"
NAME="txmalign-$VERSION-linux-$(uname -m)"

[ -f txmalign_gui/resources/icons/txmalign.png ] || "$PY" installer/make_icon.py

echo "== freezing txmalign $VERSION (PyInstaller, a few minutes)"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$WORK/dist" --workpath "$WORK/work" installer/txmalign.spec
BUNDLE="$WORK/dist/txmalign"
# This Python's shared library may carry debug information (~20 MB); the other libraries come from wheels
# and are left alone (stripping patched wheel libraries can break them).
if command -v strip >/dev/null; then
    for lib in "$BUNDLE"/_internal/libpython3*.so*; do
        [ -f "$lib" ] && strip --strip-debug "$lib"
    done
fi

echo "== packing $NAME.tar.gz"
STAGE="$WORK/stage/$NAME"
rm -rf "$WORK/stage"
mkdir -p "$STAGE/share"
cp -a "$BUNDLE/." "$STAGE/"
cp installer/linux/install.sh "$STAGE/"
cp installer/linux/txmalign.desktop installer/linux/txmalign-mime.xml txmalign_gui/resources/icons/txmalign.png "$STAGE/share/"
tar -C "$WORK/stage" -czf "$DIST/$NAME.tar.gz" "$NAME"
echo "bundle  $(du -sh "$STAGE" | cut -f1) unpacked, $(du -h "$DIST/$NAME.tar.gz" | cut -f1) packed"
if command -v objdump >/dev/null; then  # the oldest C library the bundle can run with
    glibc="$( { find "$STAGE" -type f \( -name '*.so*' -o -perm -u+x \) -exec objdump -T {} + 2>/dev/null || true; } \
        | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
    echo "needs   glibc ${glibc#GLIBC_} or newer on the target machine"
fi
echo "wrote   $DIST/$NAME.tar.gz  (unpack, then ./$NAME/install.sh)"
