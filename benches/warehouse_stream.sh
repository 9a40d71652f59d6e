#!/usr/bin/env bash
# Streams a generated mbox into the warehouse fact tables and prints, per format,
# wall time, throughput and peak RSS (GNU time), and whether the export holds
# every report the generator wrote.
#
#   bash benches/warehouse_stream.sh                  # 1 GB (220,000 reports)
#   REPORTS=1000000 bash benches/warehouse_stream.sh  # 4.9 GB (1,000,000 reports)
#
# The mbox is the one benches/mbox_1g.sh generates (same names, in
# $BENCH_DATA, default target/bench-data), so either script reuses it. The binary
# is built without the desktop app (the export does not need it); GEN may name an
# already built gen_corpus, whose release build needs every dev-dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DATA:-$target/bench-data}"
reports="${REPORTS:-220000}"
formats="${FORMATS:-parquet ndjson}"
name=mbox1g
[ "$reports" = 220000 ] || name="mbox$reports"
cargo build --release --locked --no-default-features --features parquet --bin tlsrpt-analyzer >&2
gen="${GEN:-}"
if [ -z "$gen" ]; then
  cargo build --release --locked --example gen_corpus >&2
  gen="$target/release/examples/gen_corpus"
fi
mkdir -p "$data"
# The generator writes the expected totals last: without them the mbox is incomplete.
if [ ! -f "$data/$name.expected.json" ]; then
  "$gen" --reports "$reports" --layout mbox --out "$data/$name"
fi
for format in $formats; do
  out="$data/$name.$format"
  rm -rf "$out"
  /usr/bin/time -v "$target/release/tlsrpt-analyzer" export --format "$format" --out "$out" \
    "$data/$name" 2> "$data/$name.$format.time"
  python3 - "$data" "$name" "$format" <<'PY'
import json, os, re, sys
data, name, format = sys.argv[1:]
size = os.path.getsize(f"{data}/{name}/reports.mbox")
t = open(f"{data}/{name}.{format}.time").read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
cpu = float(re.search(r"User time \(seconds\): (\S+)", t).group(1)) + \
      float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
written = int(re.search(r"\((\d+) reports, ", t).group(1))
expected = json.load(open(f"{data}/{name}.expected.json"))["reports"]
out = sum(os.path.getsize(os.path.join(d, f))
          for d, _, fs in os.walk(f"{data}/{name}.{format}") for f in fs)
print(f"{format}: mbox {size / 1e9:.2f} GB, {written} reports written ({expected} expected), "
      f"output {out / 1e6:.0f} MB")
print(f"  wall {secs:.2f} s, CPU {cpu:.1f} s, throughput {size / secs / 1e6:.0f} MB/s, "
      f"peak RSS {rss / 1024:.0f} MiB")
sys.exit(0 if written == expected else 1)
PY
done
