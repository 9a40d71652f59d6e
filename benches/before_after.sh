#!/usr/bin/env bash
# Two builds of `tlsrpt-analyzer` on the same inputs, run alternately (so that the
# machine's load falls on both alike): median wall time of `summary --format json`
# per input, and whether the two summaries agree. Keys that only the newer build
# writes (added fields) are left out of the comparison and listed.
#
#   bash benches/before_after.sh OLD_BIN NEW_BIN [RUNS] INPUT...
#
# RUNS defaults to 9 when the third argument is not a number.
set -euo pipefail
old=$1 new=$2
shift 2
runs=9
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$old" "$new" "$runs" "$out" "$@" <<'PY'
import json, statistics, subprocess, sys, time
old, new, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
inputs = sys.argv[5:]

def run(binary, path):
    started = time.perf_counter()
    done = subprocess.run([binary, "summary", "--format", "json", path],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.stdout

def strip(value, reference, added, where=""):
    """value without the keys reference (the older output) does not have."""
    if isinstance(value, dict) and isinstance(reference, dict):
        kept = {}
        for key, item in value.items():
            if key in reference:
                kept[key] = strip(item, reference[key], added, f"{where}.{key}")
            else:
                added.add(f"{where}.{key}")
        return kept
    if isinstance(value, list) and isinstance(reference, list) and len(value) == len(reference):
        return [strip(v, r, added, f"{where}[]") for v, r in zip(value, reference)]
    return value

print(f"| input | before (median of {runs}) | after (median of {runs}) | after/before | summaries |")
print("|---|---|---|---|---|")
for path in inputs:
    times = {old: [], new: []}
    outputs = {}
    for i in range(runs):
        for binary in ((old, new) if i % 2 == 0 else (new, old)):
            seconds, output = run(binary, path)
            times[binary].append(seconds)
            outputs[binary] = output
    before, after = (statistics.median(times[b]) for b in (old, new))
    a, b = json.loads(outputs[old]), json.loads(outputs[new])
    added = set()
    same = strip(b, a, added) == a
    verdict = "equal" if same else "DIFFERENT"
    if added:
        verdict += " (new keys: " + ", ".join(sorted(added)) + ")"
    print(f"| {path} | {before:.3f} s | {after:.3f} s | {after / before:.2f} | {verdict} |")
PY
