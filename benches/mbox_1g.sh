#!/usr/bin/env bash
# Summarizes a generated mbox of at least 1 GB and prints wall time, throughput and
# peak RSS (GNU time), and whether the result equals the generator's true totals.
#
#   bash benches/mbox_1g.sh                  # data in target/bench-data (kept for reruns)
#   REPORTS=1000000 bash benches/mbox_1g.sh  # another size: 1,000,000 reports, 4.9 GB
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DATA:-$target/bench-data}"
reports="${REPORTS:-220000}"
name=mbox1g
[ "$reports" = 220000 ] || name="mbox$reports"
cargo build --release --locked --example gen_corpus --bin tlsrpt-analyzer >&2
mkdir -p "$data"
# The generator writes the expected totals last: without them the mbox is incomplete.
if [ ! -f "$data/$name.expected.json" ]; then
  "$target/release/examples/gen_corpus" --reports "$reports" --layout mbox --out "$data/$name"
fi
/usr/bin/time -v "$target/release/tlsrpt-analyzer" summary --format json "$data/$name" \
  > "$data/$name.summary.json" 2> "$data/$name.time"
python3 - "$data" "$name" <<'PY'
import json, os, re, sys
data, name = sys.argv[1], sys.argv[2]
size = os.path.getsize(f"{data}/{name}/reports.mbox")
t = open(f"{data}/{name}.time").read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
actual = json.load(open(f"{data}/{name}.summary.json"))
expected = json.load(open(f"{data}/{name}.expected.json"))
keys = ["reports", "successful_sessions", "failed_sessions", "by_result_type",
        "by_organization", "by_policy", "by_day"]
same = all(actual[k] == expected[k] for k in keys)
print(f"mbox: {size / 1e9:.2f} GB, {actual['reports']} reports, {len(actual['problems'])} problems")
print(f"wall: {secs:.2f} s, throughput: {size / secs / 1e6:.0f} MB/s, peak RSS: {rss / 1024:.0f} MiB")
print("result equals expected totals:", same)
sys.exit(0 if same else 1)
PY
