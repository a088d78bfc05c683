#!/usr/bin/env bash
# latency.sh — tick-to-order latency, wire to wire, under each journal fsync
# policy.
#
# exsim publishes TICKS ticks of one symbol at RATE per second; stratd (the
# test build, build/bin/stratd-test) runs one feed, one orders service and
# one `echo` strategy that answers every tick with an IOC order (far from the
# market: it never fills) tagged with the tick's seq. exsim times each round
# trip on its own monotonic clock:
#
#   start  the tick's frame is handed to uv_write on the market-data socket
#   ...    loopback TCP -> feed service (decode) -> journal append of the
#          tick -> echo strategy -> orders service (pre-trade checks) ->
#          end-of-iteration batch commit to RocksDB (+ fsync under `always`)
#          -> the order's bytes are released (output commit) -> loopback TCP
#   end    exsim decodes the NewOrder frame carrying that seq as its tag
#
# exsim writes the raw samples (--latency-out) when it stops; this script
# drops the first WARMUP of them and prints p50/p99/p99.9/max per policy.
#
# Environment:
#   TICKS=20000 RATE=1000    ticks per run and their rate (one run lasts
#                            about TICKS/RATE s plus a few seconds)
#   WARMUP=1000              samples dropped at the start of each run
#   POLICIES="always interval"   journal fsync policies to run (also: none)
#   INTERVAL_MS=1000         interval_ms for `interval`
#   BUILD=build              the build directory
#   BIN=BUILD/bin            where stratd-test, stratctl and exsim are
#   EXSIM=PATH               another exsim binary (e.g. an ASan build)
#   KEEP=1                   keep the run directories (paths are printed)
#   TMPDIR                   where the run directories (and journals) go;
#                            it should be a real disk for fsync to mean
#                            anything
set -euo pipefail

PROG=latency.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
TICKS=${TICKS:-20000}
RATE=${RATE:-1000}
WARMUP=${WARMUP:-1000}
POLICIES=${POLICIES:-"always interval"}
INTERVAL_MS=${INTERVAL_MS:-1000}
KEEP=${KEEP:-0}
SYMBOL=BTCUSD
LIVE_TIMEOUT_S=60
SETTLE_TIMEOUT_S=60

STRATD=$BIN/stratd-test
STRATCTL=$BIN/stratctl
EXSIM=${EXSIM:-$BIN/exsim}

need_executables make "$STRATD" "$STRATCTL" "$EXSIM"
need_integers TICKS RATE WARMUP INTERVAL_MS
if (( TICKS <= WARMUP || RATE < 1 || INTERVAL_MS < 1 )); then
    echo "latency.sh: need TICKS > WARMUP, RATE >= 1 and INTERVAL_MS >= 1" >&2
    exit 2
fi
for p in $POLICIES; do
    case $p in
    always|interval|none) ;;
    *) echo "latency.sh: unknown fsync policy '$p' (always, interval, none)" >&2; exit 2 ;;
    esac
done
command -v python3 >/dev/null || { echo "latency.sh: needs python3" >&2; exit 1; }

EXSIM_PID=
DAEMON_PID=
stop_pid() {   # PID: SIGTERM, wait; exit status of the process
    local pid=$1 rc=0
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}
cleanup() {
    stop_pid "$DAEMON_PID" || true
    stop_pid "$EXSIM_PID" || true
    DAEMON_PID="" EXSIM_PID=""
    remove_tmpdirs
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# report_head FILE: the first line of exsim's report (its counters:
# ticks_published, orders, ..., generator_done), in REPORT_HEAD. Builtins
# only, and not the whole file (it lists every order id): it is polled
# while the latency is being measured.
report_head() {
    REPORT_HEAD=""
    if [[ -r $1 ]]; then
        IFS= read -r REPORT_HEAD <"$1" || true
    fi
}

fs_type() {   # DIR: the file system holding DIR (ext4, tmpfs, ...)
    local t
    t=$(df --output=fstype "$1" 2>/dev/null | tail -n 1) || t=""
    [[ -n $t ]] || t=$(stat -f -c %T "$1" 2>/dev/null || echo "?")
    [[ $t == tmpfs || $t == ramfs ]] && t+=" (fsync costs nothing there: set TMPDIR to a disk)"
    echo "$t"
}

die_with_logs() {   # MESSAGE DIR
    echo "latency.sh: $1" >&2
    for f in "$2/exsim.log" "$2/stratd.log"; do
        [[ -s $f ]] || continue
        echo "--- last lines of $f:" >&2
        tail -n 20 "$f" >&2
    done
    exit 1
}

ROWS=()

run_policy() {
    local policy=$1 dir md_port ord_port metrics_port sock cfg rep lat journal_line
    dir=$(mktemp -d "${TMPDIR:-/tmp}/stratd-latency.XXXXXX")
    TMPDIRS+=("$dir")
    md_port=$(free_port)
    ord_port=$(free_port)
    while [[ $ord_port == "$md_port" ]]; do ord_port=$(free_port); done
    metrics_port=$(free_port)
    sock=$dir/ctl.sock
    cfg=$dir/stratd.yaml
    rep=$dir/exsim.json
    lat=$dir/latency.txt

    journal_line="journal: { path: $dir/journal, fsync: $policy }"
    [[ $policy == interval ]] &&
        journal_line="journal: { path: $dir/journal, fsync: interval, interval_ms: $INTERVAL_MS }"
    cat >"$cfg" <<EOF
# tick-to-order latency benchmark, fsync: $policy
$journal_line
control: { socket: $sock }
metrics: { listen: 127.0.0.1:$metrics_port }
log: { level: warn }
services:
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$md_port, symbols: [$SYMBOL], history: false } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ord_port, account: bench, max_open_orders: 1000 } }
strategies:
  - { id: echo, kind: echo, params: { symbol: $SYMBOL } }
EOF

    echo
    echo "== fsync: $policy$([[ $policy == interval ]] && echo " (interval_ms $INTERVAL_MS)")" \
         "— $TICKS ticks at $RATE/s, journal on $(fs_type "$dir")"

    # exsim starts publishing at once; ticks out before stratd subscribes
    # (live only) are not answered, which only shortens the warm-up.
    "$EXSIM" --md-port "$md_port" --order-port "$ord_port" --seed 1 \
        --symbols "$SYMBOL" --ticks "$TICKS" --rate "$RATE" \
        --report "$rep" --latency-out "$lat" 2>"$dir/exsim.log" &
    EXSIM_PID=$!
    "$STRATD" -c "$cfg" 2>"$dir/stratd.log" &
    DAEMON_PID=$!

    local deadline=$((EPOCHSECONDS + LIVE_TIMEOUT_S)) status=""
    while :; do
        kill -0 "$EXSIM_PID" 2>/dev/null || die_with_logs "exsim exited early" "$dir"
        kill -0 "$DAEMON_PID" 2>/dev/null || die_with_logs "stratd exited early" "$dir"
        status=$("$STRATCTL" -s "$sock" status --json 2>/dev/null || true)
        [[ $status =~ \"phase\":[[:space:]]*\"live\" ]] && break
        (( EPOCHSECONDS < deadline )) || die_with_logs "stratd not live after $LIVE_TIMEOUT_S s" "$dir"
        sleep 0.05
    done

    # Wait for the last tick, then until exsim's order count holds still
    # over two report rewrites (every 500 ms). Only the report file is read
    # meanwhile: no extra process competes with the measured ones.
    deadline=$((EPOCHSECONDS + TICKS / RATE + SETTLE_TIMEOUT_S))
    while report_head "$rep"; [[ ! $REPORT_HEAD =~ \"generator_done\":\ *true ]]; do
        kill -0 "$EXSIM_PID" 2>/dev/null || die_with_logs "exsim exited early" "$dir"
        kill -0 "$DAEMON_PID" 2>/dev/null || die_with_logs "stratd exited early" "$dir"
        (( EPOCHSECONDS < deadline )) || die_with_logs "exsim did not publish $TICKS ticks in time" "$dir"
        sleep 0.5
    done
    local prev=-1 cur stable=0
    while (( stable < 2 )); do
        sleep 0.6
        report_head "$rep"
        cur=""
        [[ $REPORT_HEAD =~ \"orders\":\ *([0-9]+) ]] && cur=${BASH_REMATCH[1]}
        if [[ -n $cur && $cur == "$prev" ]]; then stable=$((stable + 1)); else stable=0; fi
        prev=$cur
        (( EPOCHSECONDS < deadline )) || die_with_logs "orders still coming after $SETTLE_TIMEOUT_S s" "$dir"
    done

    local actors echo_stats
    actors=$("$STRATCTL" -s "$sock" actors --json 2>/dev/null || true)
    echo_stats=$(python3 -c '
import json, sys
for a in json.loads(sys.argv[1] or "[]"):
    if a.get("id") == "echo":
        s = a.get("stats", {})
        print(s.get("ticks", "?"), s.get("orders", "?"), s.get("rejects", "?"))
        break
else:
    print("? ? ?")' "$actors" 2>/dev/null || echo "? ? ?")

    # The daemon's journal figures (the whole run, start-up included).
    python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
        "http://127.0.0.1:$metrics_port/metrics" >"$dir/metrics.txt" 2>/dev/null || true

    local rc=0
    stop_pid "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    (( rc == 0 )) || die_with_logs "stratd exited $rc after SIGTERM" "$dir"
    stop_pid "$EXSIM_PID" || rc=$?
    EXSIM_PID=
    (( rc == 0 )) || die_with_logs "exsim exited $rc after SIGTERM" "$dir"
    [[ -r $lat ]] || die_with_logs "exsim wrote no $lat" "$dir"

    local out
    # shellcheck disable=SC2086   # echo_stats: three words, three arguments
    out=$(python3 - "$lat" "$rep" "$WARMUP" "$policy" "$dir/metrics.txt" $echo_stats <<'EOF'
import json, math, sys
lat, rep, warmup, policy, metrics = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
e_ticks, e_orders, e_rejects = sys.argv[6:9]
with open(lat) as f:
    raw = [int(x) for x in f if x.strip()]
r = json.load(open(rep))
l = r.get("latency", {})
print("ticks published %d; echo saw %s ticks, sent %s orders (%s rejected before the wire);"
      % (r["ticks_published"], e_ticks, e_orders, e_rejects))
print("exsim received %d orders, timed %d (untimed %d); %d warm-up samples dropped"
      % (r["orders"], l.get("samples", 0), l.get("untimed", 0), min(warmup, len(raw))))
m = {}
try:
    for line in open(metrics):
        if line and not line.startswith("#") and "{" not in line:
            k, v = line.split()
            m[k] = float(v)
except (OSError, ValueError):
    pass
c = m.get("stratd_journal_commits_total", 0)
cs, bs = m.get("stratd_journal_commit_seconds_count", 0), m.get("stratd_journal_batch_entries_count", 0)
fs = m.get("stratd_journal_fsync_seconds_count", 0)
if c and e_ticks.isdigit() and int(e_ticks):
    print("journal: %d commits (%.2f per tick), mean %.1f entries per batch, mean commit %.0f us%s%s"
          % (c, c / int(e_ticks), m.get("stratd_journal_batch_entries_sum", 0) / bs if bs else 0,
             1e6 * m.get("stratd_journal_commit_seconds_sum", 0) / cs if cs else 0,
             " (write + fsync)" if policy == "always" else " (write, no fsync)",
             "; %d interval fsyncs, mean %.0f us" % (fs, 1e6 * m.get("stratd_journal_fsync_seconds_sum", 0) / fs)
             if fs else ""))
s = sorted(raw[warmup:])
if not s:
    print("ROW %-9s %8d %9s %9s %9s %9s" % (policy, 0, "-", "-", "-", "-"))
    sys.exit(0)
def q(p):   # nearest rank
    return s[max(1, math.ceil(p * len(s))) - 1] / 1e3
print("ROW %-9s %8d %9.1f %9.1f %9.1f %9.1f"
      % (policy, len(s), q(0.50), q(0.99), q(0.999), s[-1] / 1e3))
EOF
) || die_with_logs "could not read the samples" "$dir"
    grep -v '^ROW ' <<<"$out"
    ROWS+=("$(sed -n 's/^ROW //p' <<<"$out")")
    [[ $KEEP == 1 ]] && echo "kept: $dir"
    return 0
}

echo "stratd tick-to-order latency: $TICKS ticks at $RATE/s per run, first $WARMUP samples dropped," \
     "$(nproc 2>/dev/null || echo '?') cores"
echo "measured by exsim, wire to wire on loopback: tick frame handed to uv_write -> feed service"
echo "-> journal -> echo strategy -> orders service -> batch commit (+ fsync under always)"
echo "-> order released -> NewOrder frame decoded by exsim"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews the figures)"
for p in $POLICIES; do
    run_policy "$p"
done

echo
echo "results (µs, nearest rank over the samples after warm-up)"
printf '%-9s %8s %9s %9s %9s %9s\n' fsync samples "p50" "p99" "p99.9" "max"
for r in "${ROWS[@]}"; do
    echo "$r"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
