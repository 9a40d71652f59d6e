#!/usr/bin/env bash
# Makes assets/screenshot.png (Charts tab) and assets/screenshot-overview.png: the
# real window on sample-data/, under Xvfb with Mesa software rendering.
# Needs: apt-get install -y xvfb imagemagick xdotool
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
Xvfb :99 -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=:99 LIBGL_ALWAYS_SOFTWARE=1
"${CARGO_TARGET_DIR:-target}/release/tlsrpt-analyzer" sample-data/ &
app=$!
sleep 6
import -window root assets/screenshot-overview.png
xdotool mousemove 383 43 click 1   # the Charts tab
sleep 2
import -window root assets/screenshot.png
