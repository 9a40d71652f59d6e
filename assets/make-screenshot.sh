#!/usr/bin/env bash
# Makes the README's screenshots: the real window at 1280x800 under Xvfb with Mesa
# software rendering, on a library of sample-data/ (every tab, light theme:
# assets/screenshot-TAB.png) and on a generated 20,000-report corpus with an
# incident day (the Charts tab in the dark theme: assets/screenshot.png, and its Overview:
# assets/screenshot-overview-dark.png).
# Needs: apt-get install -y xvfb imagemagick xdotool
# The tab positions below are those of the window at 1280x800 with a library open.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --bin tlsrpt-analyzer --example gen_corpus >&2
bin="$target/release/tlsrpt-analyzer"
work=$(mktemp -d)
Xvfb :99 -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
# A settings folder of its own: the light theme and no last library to start with.
export DISPLAY=:99 LIBGL_ALWAYS_SOFTWARE=1 XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"

declare -A tab_x=([overview]=313 [incidents]=390 [charts]=459 [table]=518 [problems]=594 [check]=695 [library]=779)
click_tab() { xdotool mousemove "${tab_x[$1]}" 43 click 1; sleep 2; xdotool mousemove 1270 790; sleep 1; }

"$bin" import --library "$work/sample.sqlite" sample-data/ >&2
"$bin" --library "$work/sample.sqlite" &
app=$!
sleep 8
for tab in overview incidents charts table problems check library; do
    click_tab "$tab"
    import -window root "assets/screenshot-$tab.png"
done
kill $app
wait $app 2>/dev/null || true

"$target/release/examples/gen_corpus" --reports 20000 --layout mixed \
    --incident-day 2026-07-08 --out "$work/corpus20k" >&2
"$bin" import --library "$work/corpus20k.sqlite" "$work/corpus20k" >&2
"$bin" --library "$work/corpus20k.sqlite" &
app=$!
sleep 12
xdotool mousemove 1229 12 click 1   # the dark theme
click_tab charts
import -window root assets/screenshot.png
click_tab overview
import -window root assets/screenshot-overview-dark.png
