#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a bounded time each, with an RSS
# limit and a per-input timeout, seeded from fuzz/seeds/<target>/.
#
#   fuzz/run.sh [TARGET...]
#
# FUZZ_SECONDS   time per target (default 60)
# FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 10)
# FUZZ_RSS_MB    memory limit of the fuzzer process (default 2048)
# FUZZ_NICE      niceness of the fuzzers (default 19: other work keeps the cores)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). libFuzzer needs `-Z` flags, which
# a stable toolchain accepts with RUSTC_BOOTSTRAP=1, set here. New inputs go to
# fuzz/corpus/<target>/, crashes to fuzz/artifacts/<target>/, each run's output to
# fuzz/logs/<target>.log (none of them committed). Exits non-zero when a target found
# a crash, a panic, a timeout or an out-of-memory; reproduce one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run --debug-assertions TARGET fuzz/artifacts/TARGET/FILE`.
set -euo pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
FUZZ_NICE=${FUZZ_NICE:-19}
ALL_TARGETS=(report_json container mime_message mbox_stream pipeline sts_record policy_file tlsrpt_record)

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir/.."
export RUSTC_BOOTSTRAP=1

if [ $# -gt 0 ]; then targets=("$@"); else targets=("${ALL_TARGETS[@]}"); fi

# Release code with debug assertions (arithmetic overflow is a crash too) and
# AddressSanitizer, built once; each target then runs from the built binary, so that
# edits made meanwhile do not rebuild it between targets.
nice -n "$FUZZ_NICE" cargo fuzz build --debug-assertions
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$fuzz_dir/target/$host/release"
mkdir -p "$fuzz_dir/logs"
status=0
summary=()
for target in "${targets[@]}"; do
    mkdir -p "$fuzz_dir/corpus/$target" "$fuzz_dir/seeds/$target" "$fuzz_dir/artifacts/$target"
    log="$fuzz_dir/logs/$target.log"
    echo "== $target: ${FUZZ_SECONDS} s" >&2
    if nice -n "$FUZZ_NICE" "$bin_dir/$target" \
        -artifact_prefix="$fuzz_dir/artifacts/$target/" \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
        -rss_limit_mb="$FUZZ_RSS_MB" -print_final_stats=1 \
        "$fuzz_dir/corpus/$target" "$fuzz_dir/seeds/$target" >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see $log)"
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    summary+=("$(printf '%-14s %6ss %12s %8s/s %7s MB %7s  %s' "$target" "$FUZZ_SECONDS" \
        "${runs:-?}" "${rate:-?}" "${rss:-?}" "${cov:-?}" "$result")")
done
printf '%-14s %7s %12s %10s %10s %7s  %s\n' target time executions rate peak-rss cov result
printf '%s\n' "${summary[@]}"
exit $status
