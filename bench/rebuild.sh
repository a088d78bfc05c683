#!/usr/bin/env bash
# rebuild.sh — how long a restart takes to rebuild 1000 actors from a
# 5-million-message journal, against a bare RocksDB scan of the same journal.
#
# For each shape (a: fan-out, one entry per tick to all actors; b: point to
# point, one entry per delivery) it writes the topology to a temp dir and
# generates the journal (build/bench/gen_journal), warms the page cache with
# one scan, then RUNS times: times the bare scan (build/bench/scan), and
# times `stratd -c FILE` from start until it is live (status --json says
# "phase":"live"), reads the daemon's own rebuild figures and its peak RSS,
# and stops it. The best of each counts. Scan and rebuild both run with a
# warm page cache. Exit 1 when a rebuild does not replay every delivery or a
# probe saw a gap or a duplicate.
#
# Environment:
#   ACTORS=1000 MESSAGES=5000000   workload size (ACTORS=100 MESSAGES=200000
#                                  for a quick check)
#   SHAPES="a b"                   which shapes to run
#   SEED=0                         shape b receivers: 0 round robin, else
#                                  seeded random
#   BUILD=build                    the build directory (gen_journal and
#                                  scan are in BUILD/bench)
#   BIN=BUILD/bin                  where stratd and stratctl are
#   RUNS=3                         scan/rebuild pairs per shape (best counts)
#   KEEP=1                         keep the temp dirs (paths are printed)
set -euo pipefail

PROG=rebuild.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
ACTORS=${ACTORS:-1000}
MESSAGES=${MESSAGES:-5000000}
SHAPES=${SHAPES:-"a b"}
SEED=${SEED:-0}
KEEP=${KEEP:-0}
RUNS=${RUNS:-3}
LIVE_TIMEOUT_S=600

STRATD=$BIN/stratd
STRATCTL=$BIN/stratctl
GEN=$BUILD/bench/gen_journal
SCAN=$BUILD/bench/scan

need_executables "make bench" "$STRATD" "$STRATCTL" "$GEN" "$SCAN"
need_integers ACTORS MESSAGES SEED RUNS
if (( ACTORS < 1 || MESSAGES < ACTORS || RUNS < 1 )); then
    echo "rebuild.sh: need ACTORS >= 1, MESSAGES >= ACTORS and RUNS >= 1" >&2
    exit 2
fi

DAEMON_PID=
# stop_daemon: SIGTERM, up to 30 s for a clean stop, then SIGKILL.
stop_daemon() {
    local i
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$DAEMON_PID" 2>/dev/null; then
        echo "rebuild.sh: stratd $DAEMON_PID ignored SIGTERM for 30 s; killing it" >&2
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
}
cleanup() {
    if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        stop_daemon
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    remove_tmpdirs
}
trap cleanup EXIT
trap 'exit 130' INT TERM

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# json_num JSON PATH: a number out of the status JSON (jq if present).
json_num() {
    if command -v jq >/dev/null; then
        jq -r "$2" <<<"$1"
    else
        local key=${2##*.}
        sed -n "s/.*\"$key\":\([0-9.eE+-]*\).*/\1/p" <<<"$1"
    fi
}

# before_replay T0 LOG: seconds from T0 (epoch) to the daemon's first log
# line, which it writes once the topology is loaded and the journal and its
# metadata are open, right before replaying (log stamps: local time, ms).
before_replay() {
    local ts midnight
    ts=$(sed -n 's/^\([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]*\) .* stratd [^ ]*: .*/\1/p' "$2" | head -n 1)
    [[ -n $ts ]] || { echo "?"; return; }
    midnight=$(date -d "$(date -d "@${1%.*}" +%F) 00:00:00" +%s)
    awk -v t0="$1" -v m="$midnight" -v ts="$ts" 'BEGIN {
        split(ts, p, ":"); d = m + p[1] * 3600 + p[2] * 60 + p[3] - t0
        if (d < 0) print "?"; else printf "%.3f", d }'
}

write_config() {   # DIR PORT
    local dir=$1 port=$2 i
    {
        echo "# rebuild benchmark: $ACTORS probes on one synthetic feed"
        echo "journal: { path: $dir/journal, fsync: none }"
        echo "control: { socket: $dir/ctl.sock }"
        echo "metrics: { listen: 127.0.0.1:$port }"
        echo "log: { level: info }"
        echo "services:"
        echo "  - { id: clock, kind: timer }"
        echo "  - { id: md, kind: synthetic_feed, params: { symbols: [BTCUSD], count: 1 } }"
        echo "strategies:"
        for ((i = 1; i <= ACTORS; i++)); do
            printf '  - { id: probe-%04d, kind: probe, params: { feed: md, symbol: BTCUSD } }\n' "$i"
        done
    } >"$dir/stratd.yaml"
}

# scan_seconds DIR: one scan, its seconds.
scan_seconds() {
    local out
    out=$("$SCAN" "$1") || { echo "rebuild.sh: scan failed" >&2; exit 1; }
    sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out"
}

# rebuild_once CFG SOCK LOG DELIVERIES: start stratd, wait until live, read
# its figures, stop it. Sets R_WALL (start->live, s), R_RBS and R_MSGS (the
# daemon's rebuild.seconds and rebuild.messages), R_HWM (VmHWM, kB),
# R_BEFORE (s before replay began) and R_CHECK (replayed == journaled, and
# the probes saw no gap or dup). A second start of the same journal also
# runs the daemon's drift check against the digests of the previous stop;
# a drift would stop it (and this script) with an error.
rebuild_once() {
    local cfg=$1 sock=$2 log=$3 deliveries=$4 t0 t1 status="" rc deadline
    : >"$log"   # exists before the daemon opens it: the poll reads it
    t0=${EPOCHREALTIME/,/.}
    "$STRATD" -c "$cfg" 2>"$log" &
    DAEMON_PID=$!
    deadline=$((EPOCHSECONDS + LIVE_TIMEOUT_S))
    # Poll every 10 ms. Starting stratctl costs tens of ms here (it loads
    # librocksdb), so the cheap probe is the daemon's "live:" log line, read
    # with shell builtins; stratctl confirms (and is asked every 10th round
    # regardless, in case the log level hides that line).
    local round=0 line seen
    while :; do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            wait "$DAEMON_PID" && rc=0 || rc=$?
            DAEMON_PID=
            echo "rebuild.sh: stratd exited ($rc) before going live; its log:" >&2
            cat "$log" >&2
            exit 1
        fi
        seen=0
        while IFS= read -r line; do
            if [[ $line == *" live: "* ]]; then
                seen=1
            fi
        done <"$log"
        t1=${EPOCHREALTIME/,/.}
        if (( seen || ++round % 10 == 0 )) &&
           status=$(timeout 30 "$STRATCTL" -s "$sock" status --json 2>/dev/null) &&
           [[ $status =~ \"phase\":[[:space:]]*\"live\" ]]; then
            (( seen )) || t1=${EPOCHREALTIME/,/.}
            break
        fi
        if (( EPOCHSECONDS > deadline )); then
            echo "rebuild.sh: stratd not live after $LIVE_TIMEOUT_S s" >&2
            exit 1
        fi
        sleep 0.01
    done
    R_HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DAEMON_PID/status")
    # CPU seconds (user + system, all threads) the daemon used to get live:
    # far below the wall time means the host was busy with other work.
    R_CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
            "/proc/$DAEMON_PID/stat")
    R_WALL=$(calc '%.3f' "$t1 - $t0")
    R_RBS=$(json_num "$status" '.rebuild.seconds')
    R_MSGS=$(json_num "$status" '.rebuild.messages')

    R_CHECK=""
    if [[ $R_MSGS != "$deliveries" ]]; then
        R_CHECK="MISMATCH: rebuild replayed $R_MSGS messages, the journal holds $deliveries"
    elif command -v jq >/dev/null; then
        local actors_json counts c_count c_gaps c_dups
        actors_json=$(timeout 30 "$STRATCTL" -s "$sock" actors --json 2>/dev/null || true)
        counts=$(jq -r '[.[] | select(.kind == "probe") | .stats] |
                        "\(map(.count) | add) \(map(.gaps) | add) \(map(.dups) | add)"' \
                 <<<"$actors_json" 2>/dev/null || echo "? ? ?")
        read -r c_count c_gaps c_dups <<<"$counts"
        if [[ $c_count == "$deliveries" && $c_gaps == 0 && $c_dups == 0 ]]; then
            R_CHECK="ok (probes counted $c_count ticks, 0 gaps, 0 dups)"
        else
            R_CHECK="MISMATCH: probes counted $c_count ticks, $c_gaps gaps, $c_dups dups"
        fi
    fi

    stop_daemon
    wait "$DAEMON_PID" && rc=0 || rc=$?
    DAEMON_PID=
    if [[ $rc != 0 ]]; then
        echo "rebuild.sh: stratd exited $rc after SIGTERM; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    R_BEFORE=$(before_replay "$t0" "$log")
}

ROWS=()
VERDICTS=()
FAILED=0

run_shape() {
    local shape=$1 dir port cfg sock gen_out entries deliveries
    dir=$(mktemp -d "${TMPDIR:-/tmp}/stratd-bench.XXXXXX")
    TMPDIRS+=("$dir")
    port=$(free_port)
    cfg=$dir/stratd.yaml
    sock=$dir/ctl.sock
    write_config "$dir" "$port"

    echo
    echo "== shape $shape: $([[ $shape == a ]] && echo "fan-out, one entry per tick to all $ACTORS actors" \
                                   || echo "point-to-point, one entry per delivery")"
    local seed_arg=()
    [[ $shape == b && $SEED != 0 ]] && seed_arg=(--seed "$SEED")
    gen_out=$("$GEN" --config "$cfg" --shape "$shape" --actors "$ACTORS" \
                     --messages "$MESSAGES" "${seed_arg[@]}")
    echo "$gen_out" | head -n 1
    entries=$(sed -n 's/.*entries=\([0-9]*\).*/\1/p' <<<"$gen_out")
    deliveries=$(sed -n 's/.*deliveries=\([0-9]*\).*/\1/p' <<<"$gen_out")

    local size_b size_mb
    size_b=$(du -sb "$dir/journal" | cut -f1)
    size_mb=$(calc '%.1f' "$size_b / 1e6")
    echo "journal on disk: $size_mb MB ($size_b bytes)"

    # Warm the page cache (no root tricks): one scan, not measured. Then
    # scan and rebuild alternate, RUNS times each, and the best of each
    # counts (other work on the host only ever adds time).
    scan_seconds "$dir/journal" >/dev/null
    local best="" s i wall="" rb_s="" rb_msgs="" hwm_kb="" before="" cpu="" check="" all_walls=""
    for ((i = 1; i <= RUNS; i++)); do
        s=$(scan_seconds "$dir/journal")
        if [[ -z $best ]] || awk "BEGIN { exit !($s < $best) }"; then
            best=$s
        fi
        rebuild_once "$cfg" "$sock" "$dir/stratd.log" "$deliveries"
        all_walls+="${all_walls:+ }$R_WALL"
        if [[ -z $wall ]] || awk "BEGIN { exit !($R_WALL < $wall) }"; then
            wall=$R_WALL rb_s=$R_RBS rb_msgs=$R_MSGS hwm_kb=$R_HWM before=$R_BEFORE cpu=$R_CPU
        fi
        if [[ -z $check || $R_CHECK != ok* ]]; then
            check=$R_CHECK
        fi
    done
    echo "bare scan (warm cache, best of $RUNS): $(calc '%.3f' "$best") s"

    local ratio rss_mb
    ratio=$(calc '%.2f' "$wall / $best")
    rss_mb=$(calc '%.1f' "$hwm_kb / 1024")
    echo "rebuild (warm cache, best of $RUNS; all: $all_walls s): start->live $wall s," \
         "daemon's rebuild.seconds $(calc '%.3f' "$rb_s") s, rebuild.messages $rb_msgs;" \
         "peak RSS $rss_mb MB, CPU $cpu s"
    if [[ $before != "?" ]]; then
        echo "  start->live = before replay (exec, YAML, journal open, metadata) ~$before s" \
             "+ replay $(calc '%.3f' "$rb_s") s + go-live and detection ~$(calc '%.3f' "$wall - $before - $rb_s") s"
    fi
    if [[ -n $check ]]; then
        echo "check: $check"
        if (( RUNS > 1 )) && [[ $check == ok* ]]; then
            echo "check: starts 2..$RUNS passed the daemon's drift check (digests of the previous stop)"
        fi
        [[ $check == ok* ]] || FAILED=1
    fi

    ROWS+=("$(printf '%-5s %11s %9s %6s %9s %10s %10s %8s %7s %8s' \
        "$shape" "$deliveries" "$entries" "$ACTORS" "$size_mb" "$wall" \
        "$(calc '%.3f' "$rb_s")" "$(calc '%.3f' "$best")" "$ratio" "$rss_mb")")
    if [[ $shape == a ]]; then
        VERDICTS+=("shape a: start->live $wall s, target < 1 s: $(awk "BEGIN { print ($wall < 1) ? \"MET\" : \"NOT MET\" }")")
    else
        VERDICTS+=("shape b: start->live $ratio x the bare scan, target <= 2x: $(awk "BEGIN { print ($ratio <= 2) ? \"MET\" : \"NOT MET\" }")")
    fi
    [[ $KEEP == 1 ]] && echo "kept: $dir"
    return 0
}

echo "stratd rebuild benchmark: $ACTORS actors, $MESSAGES delivered messages," \
     "$(nproc 2>/dev/null || echo '?') cores"
echo "(page cache warmed by one unmeasured scan; scan and rebuild both measured warm)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews the figures)"
for shape in $SHAPES; do
    case $shape in
    a|b) run_shape "$shape" ;;
    *) echo "rebuild.sh: unknown shape '$shape' (a or b)" >&2; exit 2 ;;
    esac
done

echo
echo "results (warm page cache; rebuild wall = stratd start until it is live, polled"
echo "every 10 ms, confirmed by status; daemon = its own rebuild.seconds, replay loop only;"
echo "ratio = wall / scan)"
printf '%-5s %11s %9s %6s %9s %10s %10s %8s %7s %8s\n' \
    shape deliveries entries actors "journal" "rebuild" "rebuild" scan ratio "peak"
printf '%-5s %11s %9s %6s %9s %10s %10s %8s %7s %8s\n' \
    "" "" "" "" "MB" "wall s" "daemon s" "s" "" "RSS MB"
for r in "${ROWS[@]}"; do
    echo "$r"
done
echo
echo "reference (2019 talk): ~1000 actors, 5M messages, 100 MB journal, rebuild ~90 s"
echo "targets: shape b within 2x of the bare scan; shape a under 1 s"
for v in "${VERDICTS[@]}"; do
    echo "  $v"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if (( FAILED )); then
    echo "rebuild.sh: a rebuild did not reproduce the journal (see 'check:' above)" >&2
    exit 1
fi
