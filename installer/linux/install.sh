#!/usr/bin/env bash
# Install the txmalign bundle from this unpacked tarball for the current user (no root needed):
#   programs   $PREFIX/lib/txmalign/ with links $PREFIX/bin/txmalign and $PREFIX/bin/txmalign-gui
#   menu       $PREFIX/share/applications/txmalign.desktop, icon in $PREFIX/share/icons/hicolor
#   files      *.txmas sessions open with txmalign-gui ($PREFIX/share/mime/packages/txmalign.xml)
# PREFIX defaults to ~/.local. `./install.sh --uninstall` removes all of it again.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
APP="$PREFIX/lib/txmalign"
DESKTOP="$PREFIX/share/applications/txmalign.desktop"
ICON="$PREFIX/share/icons/hicolor/256x256/apps/txmalign.png"
MIME="$PREFIX/share/mime/packages/txmalign.xml"

refresh() {  # let the desktop pick up the changes; these tools are optional
    command -v update-mime-database >/dev/null && update-mime-database "$PREFIX/share/mime" >/dev/null 2>&1 || true
    command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" \
        >/dev/null 2>&1 || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" \
        >/dev/null 2>&1 || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APP"
    rm -f "$PREFIX/bin/txmalign" "$PREFIX/bin/txmalign-gui" "$DESKTOP" "$ICON" "$MIME"
    refresh
    echo "txmalign removed from $PREFIX"
    exit 0
fi
if [ -n "${1:-}" ]; then
    echo "usage: $0 [--uninstall]   (set PREFIX to install somewhere other than ~/.local)" >&2
    exit 2
fi

mkdir -p "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")" "$(dirname "$MIME")"
rm -rf "$APP.new"
mkdir -p "$APP.new"
cp -a "$HERE/txmalign" "$HERE/txmalign-gui" "$HERE/_internal" "$APP.new/"
rm -rf "$APP"
mv "$APP.new" "$APP"
ln -sfn "$APP/txmalign" "$PREFIX/bin/txmalign"
ln -sfn "$APP/txmalign-gui" "$PREFIX/bin/txmalign-gui"
cp "$HERE/share/txmalign.png" "$ICON"
cp "$HERE/share/txmalign-mime.xml" "$MIME"
sed -e "s|^Exec=txmalign-gui|Exec=\"$APP/txmalign-gui\"|" -e "s|^TryExec=txmalign-gui|TryExec=$APP/txmalign-gui|" \
    "$HERE/share/txmalign.desktop" > "$DESKTOP"
refresh
echo "txmalign $("$APP/txmalign" --version | cut -d' ' -f2) installed in $APP"
case ":$PATH:" in
    *":$PREFIX/bin:"*) ;;
    *) echo "Add $PREFIX/bin to your PATH to run txmalign and txmalign-gui from a terminal." ;;
esac
