#!/usr/bin/env bash
# Install txmalign into ./.venv (created if missing) and start it: the desktop app when a display is
# available, otherwise the command-line alignment of the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/install_venv.sh gui
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = "Darwin" ]; then
    exec txmalign-gui "$@"
fi
echo "No display found: aligning the bundled example on the command line instead."
out="${TMPDIR:-/tmp}/txmalign-demo"
mkdir -p "$out"
txmalign example --out "$out/example.h5" --force
txmalign align "$out/example.h5" --out "$out/example_aligned.h5" --strategy chunked \
    --transforms-csv "$out/example_transforms.csv" --force
echo "Aligned stack, transforms and provenance: $out/example_aligned.h5"
