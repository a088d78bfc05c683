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

# trading_topology FILE FSYNC ACCOUNT_PREFIX TWAP_QTY TWAP_DURATION_S TWAP_SLICES TWAP_MAX_POS [FEED_EXTRA]
# One strategy of each trading kind on exsim ($MD_PORT, $ORDER_PORT), each on
# its own orders service and account (PREFIX-sma, -mm, -pairs, -twap); the
# caller may append more strategy entries to FILE.
trading_topology() {
  local f=$1 fsync=$2 acct=$3 tq=$4 td=$5 ts=$6 tmax=$7 feed_extra=${8:-}
  cat >"$f" <<Y
journal: { path: $T/journal, fsync: $fsync }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: clock, kind: timer }
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD, ETHUSD]$feed_extra } }
  - { id: oms-sma, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: $acct-sma, max_position: 10 } }
  - { id: oms-mm, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: $acct-mm, max_position: 10 } }
  - { id: oms-pairs, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: $acct-pairs, max_position: 20 } }
  - { id: oms-twap, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: $acct-twap, max_position: $tmax } }
strategies:
  - { id: sma, kind: sma_cross, params: { orders: oms-sma, symbol: BTCUSD, fast: 5, slow: 20, qty: 2 } }
  - id: mm
    kind: market_maker
    params: { orders: oms-mm, symbol: ETHUSD, half_spread: 2000000, qty: 1, max_inventory: 5,
              skew: 500000, requote_threshold: 3000000, stale_ms: 1000 }
  - id: pairs
    kind: pairs
    params: { orders: oms-pairs, symbol_a: BTCUSD, symbol_b: ETHUSD, hedge_ratio: 3.46,
              window: 40, entry_z: 1.5, exit_z: 0.3, qty: 1 }
  - { id: twap, kind: twap, params: { orders: oms-twap, symbol: BTCUSD, side: buy, qty: $tq, duration_s: $td, slices: $ts } }
Y
}
