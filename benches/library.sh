#!/usr/bin/env bash
# The report library against reading the mailbox each time, on one generated mbox:
# import throughput and peak memory next to a plain `summary`, bytes on disk per
# report, and the time and memory from start to the Overview (library_open) and
# to `summary --library`, whose JSON must equal the summary of the mbox.
#
#   bash benches/library.sh                   # 100,000 reports
#   REPORTS=1000000 bash benches/library.sh   # 1,000,000 reports (4.9 GB mbox)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DATA:-$target/bench-data}"
reports="${REPORTS:-100000}"
name="mbox$reports"
cargo build --release --locked --example gen_corpus --bin tlsrpt-analyzer >&2
cargo build --release --locked --example library_open >&2
mkdir -p "$data"
if [ ! -f "$data/$name.expected.json" ]; then
  "$target/release/examples/gen_corpus" --reports "$reports" --layout mbox --out "$data/$name"
fi
bin="$target/release/tlsrpt-analyzer"
lib="$data/$name.sqlite"
rm -f "$lib" "$lib-wal" "$lib-shm"
timed() { # name, command...
  local out="$data/$name.$1"
  shift
  /usr/bin/time -v "$@" > "$out.out" 2> "$out.time"
}
sync
timed summary "$bin" summary --format json "$data/$name"
timed import "$bin" import --format json --library "$lib" "$data/$name"
timed reimport "$bin" import --format json --library "$lib" "$data/$name"
timed info "$bin" library info --format json --library "$lib"
timed libsummary "$bin" summary --format json --library "$lib"
timed open "$target/release/examples/library_open" "$lib"
python3 - "$data" "$name" <<'PY'
import json, os, re, sys
data, name = sys.argv[1], sys.argv[2]
def run(step):
    t = open(f"{data}/{name}.{step}.time").read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return secs, rss
mbox = os.path.getsize(f"{data}/{name}/reports.mbox")
info = json.load(open(f"{data}/{name}.info.out"))["library"]
reports = info["reports"]
print(f"{reports} reports, mbox {mbox / 1e9:.2f} GB")
for step, what in [("summary", "summary of the mbox"), ("import", "import into a new library"),
                   ("reimport", "import again (nothing new)"), ("libsummary", "summary --library"),
                   ("open", "open to Overview (library_open)")]:
    secs, rss = run(step)
    rate = f", {reports / secs:,.0f} reports/s" if step in ("summary", "import") else ""
    print(f"{what:34} {secs:7.2f} s  peak RSS {rss:6.0f} MiB{rate}")
print(open(f"{data}/{name}.open.out").read().strip())
print(f"on disk: {info['bytes_on_disk'] / 1e6:.0f} MB, {info['bytes_on_disk'] / reports:.0f} bytes per report"
      f" (documents {info['document_bytes'] / 1e6:.0f} MB deflated to {info['deflated_bytes'] / 1e6:.0f} MB)")
same = open(f"{data}/{name}.summary.out").read() == open(f"{data}/{name}.libsummary.out").read()
print("summary --library equals summary of the mbox, byte for byte:", same)
sys.exit(0 if same else 1)
PY
