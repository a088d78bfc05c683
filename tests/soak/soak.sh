#!/usr/bin/env bash
# soak.sh — kill -9 soak (`make soak`): I2 and I3 across many crashes.
#
# exsim (market data and orders, --state) runs the whole time; stratd runs a
# feed, four trading strategies (sma_cross, market_maker, pairs, twap), each
# on its own orders service and exchange account, and probes on both
# symbols, with `fsync: always`. Each cycle lets stratd run a random
# (seeded) 0.2-2 s, kills it with -9, restarts it and waits until it is
# live; one restart in six (seeded) is itself killed within 0.4 s, while it
# rebuilds or just after. Every SOAK_EXSIM_EVERY cycles exsim itself is
# restarted (SIGTERM; --state carries the exchange over: a kill -9 would
# lose its last 500 ms, fills stratd has seen) while stratd runs. After the last
# cycle the stream is closed (exsim restarted with --ticks at what it has
# published), trading settles, stratd stops cleanly and restarts (the drift
# check must pass), and:
#   I2  every probe: gaps 0, dups 0, count = last_seq = the ticks exsim
#       published for its symbol (probes join at seq 1), and the hash of an
#       uninterrupted run (a fresh stratd replaying the stream from exsim);
#   I3  every exchange order is an accepted order request in the journal
#       and the other way round, no client order id twice, and each
#       strategy's and orders service's position equals the exchange's
#       (tests/soak/check.py).
# Prints cycles, orders, resends, fills, rebuild times and every mismatch;
# exits 1 on any mismatch.
#
#   SOAK_CYCLES=100 SOAK_SEED=1 tests/soak/soak.sh     (defaults)
#   SOAK_RATE         exsim ticks per second over both symbols (default 1500)
#   SOAK_EXSIM_EVERY  cycles between exsim restarts (default 25)
#   KEEP=1      keep the temporary directory
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/topo.sh"
SOAK_DIR=$(cd "$(dirname "$0")" && pwd)
CYCLES=${SOAK_CYCLES:-100}
SEED=${SOAK_SEED:-1}
RATE=${SOAK_RATE:-1500}
EXSIM_EVERY=${SOAK_EXSIM_EVERY:-25}
SYMS=BTCUSD,ETHUSD
MISMATCHES=0
mismatch() { printf '  MISMATCH  %s\n' "$*"; MISMATCHES=$((MISMATCHES + 1)); FAILS=1; }
echo "soak: SOAK_CYCLES=$CYCLES SOAK_SEED=$SEED SOAK_RATE=$RATE (replay with the same values)"

# exsim on fixed ports (kept across its restarts); EXSIM_PID
MD_PORT=$(free_port); ORDER_PORT=$(free_port); EXSIM_RUN=0
exsim_start() {  # exsim_start [extra args]
  EXSIM_RUN=$((EXSIM_RUN + 1))
  local log="$T/exsim$EXSIM_RUN.log"
  "$BIN/exsim" --md-port "$MD_PORT" --order-port "$ORDER_PORT" --seed "$SEED" \
    --symbols "$SYMS" --rate "$RATE" --state "$T/exsim.state" \
    --report "$T/ex.report.json" "$@" >"$log" 2>&1 &
  EXSIM_PID=$!
  PIDS+=("$EXSIM_PID")
  wait_until 10 grep -q listening "$log" || { mismatch "exsim did not start:"; cat "$log"; exit 1; }
}
exsim_stop() {
  local rc=0
  kill -TERM "$EXSIM_PID"; wait "$EXSIM_PID" || rc=$?
  [ "$rc" = 0 ] || mismatch "exsim exit $rc at its stop (log $T/exsim$EXSIM_RUN.log)"
}
exsim_start

trading_topology "$T/t.yaml" always soak 5000 600 1000 100000 ", heartbeat_timeout_ms: 1000"
cat >>"$T/t.yaml" <<Y
  - { id: probe-b1, kind: probe, params: { symbol: BTCUSD } }
  - { id: probe-b2, kind: probe, params: { symbol: BTCUSD } }
  - { id: probe-e1, kind: probe, params: { symbol: ETHUSD } }
  - { id: probe-e2, kind: probe, params: { symbol: ETHUSD } }
Y
cat >"$T/plan" <<P
sma oms-sma soak-sma BTCUSD
mm oms-mm soak-mm ETHUSD
pairs oms-pairs soak-pairs BTCUSD,ETHUSD
twap oms-twap soak-twap BTCUSD
P
SOCK=$T/ctl.sock

# start RUN: stratd until live (a start that never gets there ends the soak)
start() {
  start_stratd "$1" "$T/t.yaml"
  if ! wait_live "$SOCK" "$PID" 120; then
    mismatch "stratd run $1 never went live; its log:"
    sed 's/^/    /' "$T/$1.log" | tail -20
    exit 1
  fi
}

# resent_so_far: adds the orders services' "resent" of the running stratd
# (orders that may have left before a crash, sent again) to RESENT
RESENT=0
resent_so_far() {
  local n; n=$(actors_json "$SOCK" | jq '[.[] | select(.kind == "orders") | .stats.resent] | add' 2>/dev/null)
  RESENT=$((RESENT + ${n:-0}))
}

RANDOM=$SEED
EARLY=0 EXSIM_RESTARTS=0
t0=$(now_s)
start run0
for ((k = 1; k <= CYCLES; k++)); do
  ms=$((200 + RANDOM % 1801))
  if [ $((k % EXSIM_EVERY)) = 0 ]; then   # the exchange restarts under a live stratd
    exsim_stop; exsim_start; EXSIM_RESTARTS=$((EXSIM_RESTARTS + 1))
  fi
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  resent_so_far
  kill9 "$PID"
  if [ $((RANDOM % 6)) = 0 ]; then   # now and then a kill while it starts (rebuild or just live)
    start_stratd "early$k" "$T/t.yaml"
    sleep "0.$(printf %03d $((RANDOM % 400)))"
    kill9 "$PID"; EARLY=$((EARLY + 1))
  fi
  start "run$k"
  [ $((k % 10)) = 0 ] && note "cycle $k/$CYCLES ($(elapsed "$t0") s): exchange orders $(report_field ex .orders), fills $(report_field ex .fills)"
done

# Close the stream: exsim publishes nothing more (its --ticks limit counts
# every run's ticks, so --ticks at what it published stops it at once).
exsim_stop
published=$(jq -r .ticks_published "$T/ex.report.json")
exsim_start --ticks "$published"
settled() {  # the feed has every tick, every report reached its orders service
  [ "$(report_field ex .generator_done)" = true ] || return 1
  actors_json "$SOCK" >"$T/settle.json" || return 1
  jq -e -n --slurpfile a "$T/settle.json" --slurpfile r "$T/ex.report.json" '
    $a[0] as $a | $r[0] as $r |
    ($a | map({key: .id, value: .stats}) | from_entries) as $s |
    ($r.ticks | to_entries | all(.value == $s.md.last_seq[.key])) and
    ([$a[] | select(.kind == "orders")] | all(.stats.last_seq == ($r.session_seq[.stats.account] // 0)))' >/dev/null
}
quiet() {  # settled, and no fill for a while (resting quotes may still fill)
  settled || return 1
  local f1 f2; f1=$(report_field ex .fills); sleep 1.5; f2=$(report_field ex .fills)
  [ "$f1" = "$f2" ] && settled
}
wait_until 120 quiet || mismatch "the run did not settle within 120 s after the stream closed"
sleep 0.6   # one more report rewrite
resent_so_far
stop_stratd "$PID"
[ "$RC" = 0 ] || mismatch "clean stop exited $RC"
start final
grep -q "replay drift" "$T/final.log" && mismatch "replay drift after the clean stop: $(grep 'replay drift' "$T/final.log" | head -3)"
actors_json "$SOCK" >"$T/actors.json"
stop_stratd "$PID"
[ "$RC" = 0 ] || mismatch "final clean stop exited $RC"
exsim_stop
elapsed_total=$(elapsed "$t0")

# I2: probes against what exsim published, and against an uninterrupted run
ref_cfg() {
  { echo "journal: { path: $T/ref.journal, fsync: none }"
    echo "control: { socket: $T/ref.sock }"
    echo "metrics: { listen: 127.0.0.1:$(free_port) }"
    echo "services:"
    echo "  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD, ETHUSD] } }"
    echo "strategies:"
    echo "  - { id: probe-b1, kind: probe, params: { symbol: BTCUSD } }"
    echo "  - { id: probe-e1, kind: probe, params: { symbol: ETHUSD } }"
  } >"$T/ref.yaml"
}
exsim_start --ticks "$published"
ref_cfg
start_stratd ref "$T/ref.yaml"
ref_done() {  # both reference probes have every tick exsim published
  actors_json "$T/ref.sock" >"$T/ref.settle.json" || return 1
  jq -e -n --slurpfile a "$T/ref.settle.json" --slurpfile r "$T/ex.report.json" '
    ($a[0] | map({key: .id, value: .stats.count}) | from_entries) as $c |
    $c["probe-b1"] == $r[0].ticks.BTCUSD and $c["probe-e1"] == $r[0].ticks.ETHUSD' >/dev/null 2>&1
}
if wait_live "$T/ref.sock" "$PID" && wait_until 180 ref_done; then
  actors_json "$T/ref.sock" >"$T/ref.actors.json"
else
  mismatch "the reference run did not get every tick"; echo '[]' >"$T/ref.actors.json"
fi
stop_stratd "$PID"
exsim_stop
probe_report=$(jq -r -n --slurpfile a "$T/actors.json" --slurpfile ref "$T/ref.actors.json" \
    --slurpfile r "$T/ex.report.json" '
  ($ref[0] | map({key: .id, value: .stats.hash}) | from_entries) as $h |
  $a[0][] | select(.kind == "probe") |
  (if .id | startswith("probe-b") then "BTCUSD" else "ETHUSD" end) as $sym |
  ($r[0].ticks[$sym]) as $n |
  (if $sym == "BTCUSD" then $h["probe-b1"] else $h["probe-e1"] end) as $rh |
  if .stats.gaps == 0 and .stats.dups == 0 and .stats.count == $n and .stats.last_seq == $n and .stats.hash == $rh
  then "ok \(.id) \($sym) count \(.stats.count)"
  else "bad \(.id) \($sym): count \(.stats.count) last_seq \(.stats.last_seq) gaps \(.stats.gaps) dups \(.stats.dups) hash \(.stats.hash), exsim published \($n), uninterrupted hash \($rh)"
  end')
while read -r verdict rest; do
  case $verdict in
    ok) note "probe $rest, gaps 0, dups 0, hash as uninterrupted" ;;
    *) mismatch "probe $rest" ;;
  esac
done <<<"$probe_report"
[ "$(grep -c '^ok' <<<"$probe_report")" = 4 ] || mismatch "expected 4 sound probes, got: $probe_report"

# I3
ctl -j "$T/journal" journal dump --json >"$T/dump.jsonl" || mismatch "journal dump failed"
python3 "$SOAK_DIR/check.py" "$T/dump.jsonl" "$T/ex.report.json" "$T/actors.json" "$T/plan" >"$T/check.out"
cat "$T/check.out"
MISMATCHES=$((MISMATCHES + $(grep -c MISMATCH "$T/check.out")))

# Figures
rebuilds=$(grep -ho 'rebuilt .* in [0-9.]* s' "$T"/run*.log "$T/final.log" | sed 's/.* in \([0-9.]*\) s/\1/' | sort -n)
nreb=$(wc -l <<<"$rebuilds")
orders=$(report_field ex .orders); resends=$(report_field ex .resends); fills=$(report_field ex .fills)
echo "soak figures (SOAK_SEED=$SEED):"
echo "  cycles           $CYCLES kill -9 + restart, $EARLY more kills within 0.4 s of a start, exsim restarted $EXSIM_RESTARTS times; ${elapsed_total} s"
echo "  ticks            $published published ($(jq -c .ticks "$T/ex.report.json"))"
echo "  orders           $orders at the exchange, resends $resends (exchange), $RESENT sent again by the orders services after a restart"
echo "  fills            $fills, rejects $(report_field ex .rejects), cancels $(report_field ex .cancels)"
echo "  journal          $(wc -l <"$T/dump.jsonl") entries"
echo "  rebuild times    $nreb rebuilds: min $(head -1 <<<"$rebuilds") s, median $(sed -n "$(((nreb + 1) / 2))p" <<<"$rebuilds") s, max $(tail -1 <<<"$rebuilds") s"
[ "$nreb" = $((CYCLES + 2)) ] || mismatch "expected $((CYCLES + 2)) rebuild lines, found $nreb"
[ "$orders" -gt 0 ] || mismatch "no order reached the exchange: the soak tested nothing"
if [ "$MISMATCHES" = 0 ]; then
  echo "soak passed: $CYCLES cycles, 0 mismatches"
else
  FAILS=$MISMATCHES
  echo "soak FAILED: $MISMATCHES mismatch(es); replay with SOAK_CYCLES=$CYCLES SOAK_SEED=$SEED SOAK_RATE=$RATE"
  exit 1
fi
