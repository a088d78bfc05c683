#!/usr/bin/env bash
# make run: start the exchange simulator and stratd on config/demo.yaml in
# the foreground, with stratd's log and a status table every few seconds.
# Ctrl-C stops both cleanly; running it again shows the rebuild and the
# strategies carry on from the same state (exsim keeps its own state in
# build/demo/exsim.state).
# BIN: where stratd, stratctl and exsim are (default build/bin; a relative
# path is taken from the project root).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
CONFIG=${CONFIG:-config/demo.yaml}
# everything else from the topology: the exchange ports (the feed's and the
# orders service's connect), the journal's directory, the control socket
field() { sed -nE "s/.*$1 *([^ ,}]+).*/\1/p" "$CONFIG" | head -1; }
MD_PORT=$(sed -nE 's/.*kind: feed,.*connect: *[^:]+:([0-9]+).*/\1/p' "$CONFIG" | head -1)
ORDER_PORT=$(sed -nE 's/.*connect: *[^:]+:([0-9]+), *account.*/\1/p' "$CONFIG" | head -1)
METRICS=$(field "listen:"); METRICS_PORT=${METRICS##*:}
DEMO=$(dirname "$(field "path:")")
SOCK=$(field "socket:")
mkdir -p "$DEMO"

for port in "$MD_PORT" "$ORDER_PORT" "$METRICS_PORT"; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    echo "run-demo: port $port is in use (another demo running?); stop it first" >&2
    exit 1
  fi
done

state_args=()
"$BIN/exsim" --help 2>&1 | grep -q -- "--state" && state_args=(--state "$DEMO/exsim.state")
"$BIN/exsim" --md-port "$MD_PORT" --order-port "$ORDER_PORT" --seed 42 --symbols BTCUSD,ETHUSD \
  --rate 200 --report "$DEMO/exsim.json" "${state_args[@]}" 2>"$DEMO/exsim.log" &
exsim=$!
"$BIN/stratd" -c "$CONFIG" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null; }
trap stop INT TERM

for _ in $(seq 1 100); do
  "$BIN/stratctl" -s "$SOCK" status --json 2>/dev/null | grep -q '"phase":"live"' && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
while kill -0 "$pid" 2>/dev/null; do
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null && sleep 0.5; done
  table=$("$BIN/stratctl" -s "$SOCK" actors 2>/dev/null) || continue
  printf '\n--- %s  %s\n%s\n' "$(date +%T)" \
    "$("$BIN/stratctl" -s "$SOCK" status --json 2>/dev/null |
       sed -E 's/.*"lsn":([0-9]+).*"handled":([0-9]+).*/lsn \1, handled \2/')" "$table"
done
wait "$pid"; rc=$?
kill -TERM "$exsim" 2>/dev/null; wait "$exsim" 2>/dev/null
exit $rc
