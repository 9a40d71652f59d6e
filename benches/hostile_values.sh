#!/usr/bin/env bash
# Hostile counts and dates among a generated corpus: `summary --format json` and
# `export --format both` over the mixed 20,000-report corpus plus 220 reports no
# sender can have (counts past 2^53 and u64, negative counts, dates at the parser's
# limits, Unix milliseconds given as seconds, inverted and year-long ranges), as
# files and as the attachments of an mbox. Prints wall time and peak RSS (GNU time)
# of each command and checks that the totals equal the corpus's true ones and that
# every hostile report is one problem.
#
#   bash benches/hostile_values.sh           # data in target/bench-data (kept)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DATA:-$target/bench-data}"
cargo build --release --locked --example gen_corpus --bin tlsrpt-analyzer >&2
bin="$target/release/tlsrpt-analyzer"
mkdir -p "$data"
if [ ! -f "$data/mixed20k.expected.json" ]; then
  "$target/release/examples/gen_corpus" --reports 20000 --layout mixed --out "$data/mixed20k"
fi
dir="$data/hostile20k"
rm -rf "$dir"
mkdir -p "$dir/hostile"
ln -s "$(cd "$data/mixed20k" && pwd)" "$dir/corpus"
python3 - "$dir" <<'PY'
import json, sys
out = sys.argv[1]
day = {"start-datetime": "2026-06-01T00:00:00Z", "end-datetime": "2026-06-02T00:00:00Z"}
def sessions(ok, failed):
    return [{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
             "summary": {"total-successful-session-count": ok,
                         "total-failure-session-count": failed}}]
ok = sessions(10, 1)
kinds = {
    "u64-max": (day, sessions(2**64 - 1, 0)),
    "wrapping-pair": (day, sessions(2**63, 0) + sessions(2**63, 0)),
    "past-bound-sum": (day, sessions(2**52, 0) * 3),
    "past-u64": (day, sessions(1, 1e30)),
    "negative": (day, sessions(-1, 0)),
    "parser-first": ({"start-datetime": "-8334601228800"}, ok),
    "parser-last": ({"start-datetime": "8210266876799"}, ok),
    "milliseconds": ({"start-datetime": "1780272000000", "end-datetime": "1780358400000"}, ok),
    "inverted": ({"start-datetime": "2026-06-02T00:00:00Z", "end-datetime": "2026-06-01T00:00:00Z"}, ok),
    "year-long": ({"start-datetime": "2025-06-01T00:00:00Z", "end-datetime": "2026-06-01T00:00:00Z"}, ok),
    "epoch": ({"start-datetime": 0}, ok),
}
with open(f"{out}/hostile.mbox", "w") as mbox:
    for copy in range(10):
        for name, (dates, policies) in kinds.items():
            for where in ("file", "mbox"):
                report = json.dumps({"organization-name": "Hostile Sender", "date-range": dates,
                                     "report-id": f"{where}-{name}-{copy}", "policies": policies})
                if where == "file":
                    open(f"{out}/hostile/{name}-{copy}.json", "w").write(report)
                    continue
                mbox.write("From tlsrpt@hostile.example Sat Nov 28 10:00:01 2026\n"
                           "From: tlsrpt@hostile.example\nSubject: Report\nMIME-Version: 1.0\n"
                           "Content-Type: multipart/report; boundary=\"b\"\n\n"
                           "--b\nContent-Type: application/tlsrpt+json\n"
                           "Content-Disposition: attachment; filename=\"report.json\"\n\n"
                           f"{report}\n--b--\n\n")
PY
hostile=$(( $(ls "$dir/hostile" | wc -l) * 2 ))
/usr/bin/time -v "$bin" summary --format json "$dir" > "$data/hostile20k.summary.json" \
  2> "$data/hostile20k.summary.time"
rm -rf "$data/hostile20k-export"
/usr/bin/time -v "$bin" export --format both --out "$data/hostile20k-export" "$dir" \
  2> "$data/hostile20k.export.time"
python3 - "$data" "$hostile" <<'PY'
import json, re, sys
data, hostile = sys.argv[1], int(sys.argv[2])
def timing(name):
    t = open(f"{data}/hostile20k.{name}.time").read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    return secs, rss / 1024
actual = json.load(open(f"{data}/hostile20k.summary.json"))
expected = json.load(open(f"{data}/mixed20k.expected.json"))
keys = ["reports", "successful_sessions", "failed_sessions", "by_result_type",
        "by_organization", "by_policy", "by_day"]
same = all(actual[k] == expected[k] for k in keys)
named = [p for p in actual["problems"]
         if "/hostile/" in p["source"] or "hostile.mbox" in p["source"]]
problems_ok = (len(named) == hostile
               and len(actual["problems"]) == len(expected["problems"]) + hostile)
for name in ("summary", "export"):
    secs, rss = timing(name)
    print(f"{name}: wall {secs:.2f} s, peak RSS {rss:.0f} MiB")
print(f"{actual['reports']} reports; {len(named)} hostile reports, each one problem: {problems_ok}")
print("totals equal the corpus's true totals:", same)
sys.exit(0 if same and problems_ok else 1)
PY
