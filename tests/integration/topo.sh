# topo.sh — writes the standard test topology (sourced after lib.sh).
# probe_topology FILE NAME COUNT PROBES [INTERVAL_MS] [FSYNC]
probe_topology() {
  local f=$1 name=$2 count=$3 probes=$4 ival=${5:-0} fsync=${6:-interval} i
  {
    echo "journal: { path: $T/$name.journal, fsync: $fsync }"
    echo "control: { socket: $T/$name.sock }"
    echo "metrics: { listen: 127.0.0.1:$(free_port) }"
    echo "services:"
    echo "  - { id: clock, kind: timer }"
    echo "  - { id: ticks, kind: synthetic_feed, params: { symbols: [BTCUSD, ETHUSD], seed: 7, interval_ms: $ival, count: $count } }"
    echo "strategies:"
    for ((i = 1; i <= probes; i++)); do
      echo "  - { id: probe-$i, kind: probe, params: { feed: ticks, symbol: BTCUSD } }"
    done
  } >"$f"
}

# all_probes SOCK COUNT: true when every probe reports count = COUNT
all_probes() {
  [ "$(actors_json "$1" | jq --argjson c "$2" '[.[] | select(.kind == "probe") | select(.stats.count != $c)] | length' 2>/dev/null)" = 0 ]
}
