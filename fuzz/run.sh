#!/bin/sh
# run.sh — run libFuzzer harnesses one after another.
#
#   fuzz/run.sh FUZZ_BUILD SECONDS NAME...
#
# Each harness FUZZ_BUILD/fuzzers/NAME runs SECONDS seconds on its seeds
# (fuzz/corpus/NAME, read only) and what it found before
# (FUZZ_BUILD/corpus/NAME, where new inputs go), with fuzz/NAME.dict when
# there is one. A crash keeps its input as fuzz/crashes/NAME-crash-SHA1 and
# fails the run (after the other harnesses ran). One summary line each:
# executions, executions per second, coverage, corpus size. The full log is
# FUZZ_BUILD/logs/NAME.log.
set -u
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# ASan's quarantine of freed memory, 16 MB instead of 256: a use after free
# within one input (a few hundred kB of allocations at most) is still
# caught, and the harnesses run about three times as fast.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16}"
failed=""

max_len() {
    case $1 in
        fuzz_topology) echo 4096 ;;
        fuzz_metrics)  echo 9000 ;;
        fuzz_control)  echo 1100 ;;
        *)             echo 2048 ;;
    esac
}

for name in "$@"; do
    bin=$build/fuzzers/$name
    log=$build/logs/$name.log
    mkdir -p "$build/corpus/$name" "$build/logs" "$build/crashes"
    dict=""
    [ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$name")" -print_final_stats=1 $dict \
        -artifact_prefix="$build/crashes/$name-" \
        "$build/corpus/$name" "$here/corpus/$name" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    corpus=$(ls "$build/corpus/$name" | wc -l)
    if [ "$rc" -eq 0 ]; then
        verdict=ok
    else
        verdict="FAILED (exit $rc; see $log)"
        mkdir -p "$here/crashes"
        mv "$build/crashes/$name-"* "$here/crashes/" 2>/dev/null
        failed="$failed $name"
    fi
    printf '%-15s %4ss %12s execs %8s/s  cov %-6s corpus %-6s %s\n' \
        "$name" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$verdict"
done
if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed (inputs in fuzz/crashes/)" >&2
    exit 1
fi
exit 0
