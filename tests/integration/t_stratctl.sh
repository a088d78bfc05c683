#!/usr/bin/env bash
# stratctl, the real binary against a running daemon: every command, its
# --json output parsed with jq, a journal dump of a known journal, and the
# errors an operator meets (no daemon, unknown actor, bad usage).
. "$(dirname "$0")/lib.sh"
cat >"$T/t.yaml" <<Y
journal: { path: $T/journal }
control: { socket: $T/ctl.sock }
metrics: { listen: 127.0.0.1:$(free_port) }
services:
  - { id: clock, kind: timer }
  - { id: ticks, kind: synthetic_feed, params: { symbols: [BTCUSD], seed: 3, interval_ms: 0, count: 5 } }
strategies:
  - { id: p1, kind: probe, params: { symbol: BTCUSD } }
Y
out=$(ctl -s "$T/ctl.sock" status 2>&1); rc=$?
check "no daemon: exit 1 ($rc)" [ "$rc" = 1 ]
check "no daemon: says what is wrong" grep -q "connect $T/ctl.sock: No such file or directory (is stratd running" <<<"$out"
start_stratd run "$T/t.yaml"
check "live" wait_live "$T/ctl.sock" $PID
check "probe saw 5 ticks" wait_until 10 eval '[ "$(stat_of "$T/ctl.sock" p1 count)" = 5 ]'

check "status --json parses, phase live" [ "$(ctl -s "$T/ctl.sock" status --json | jq -r .phase)" = live ]
check "status (text) has phase" bash -c "'$BIN/stratctl' -s '$T/ctl.sock' status | grep -q '^phase: *live'"
check "-c FILE finds the socket" [ "$(ctl -c "$T/t.yaml" status --json | jq -r .actors)" = 3 ]
check "actors --json parses: 3 actors" [ "$(ctl -s "$T/ctl.sock" actors --json | jq length)" = 3 ]
check "actors (text) is a table" bash -c "'$BIN/stratctl' -s '$T/ctl.sock' actors | grep -q '^p1  *probe '"
a=$(ctl -s "$T/ctl.sock" actor p1 --json)
check "actor p1 (text)" bash -c "'$BIN/stratctl' -s '$T/ctl.sock' actor p1 | grep -q '^kind: *probe (strategy)'"
check "actor p1: stats and mailbox" [ "$(jq -r '.stats.count, .mailbox' <<<"$a" | tr '\n' ' ')" = "5 0 " ]
out=$(ctl -s "$T/ctl.sock" actor nope 2>&1); rc=$?
check "unknown actor: exit 1 with a message ($rc)" [ "$rc" = 1 ] && grep -q "no actor 'nope'" <<<"$out"
ctl -s "$T/ctl.sock" bogus >/dev/null 2>&1; rc=$?
check "unknown command: exit 2 ($rc)" [ "$rc" = 2 ]
stop_stratd $PID

# The known journal: Start to all, p1's Subscribe, the feed's timer
# traffic, and exactly 5 ticks with seq 1..5 to p1.
ctl -c "$T/t.yaml" journal dump --json >"$T/dump.jsonl"; rc=$?
check "journal dump exit 0" [ "$rc" = 0 ]
check "every line is JSON" jq -e . "$T/dump.jsonl" >/dev/null
check "first entry: Start to every actor" [ "$(head -1 "$T/dump.jsonl" | jq -c '[.sender, .receivers, (.msg|keys)]')" = '["stratd",["clock","ticks","p1"],["start"]]' ]
check "p1 subscribed to BTCUSD" [ "$(jq -c 'select(.msg.subscribe) | [.sender, .receivers, .msg.subscribe.symbols]' "$T/dump.jsonl")" = '["p1",["ticks"],["BTCUSD"]]' ]
check "ticks seq 1..5 to p1" [ "$(jq -c 'select(.msg.tick) | .msg.tick.seq' "$T/dump.jsonl" | tr '\n' ' ')" = "1 2 3 4 5 " ]
check "lsn strictly increasing from 1" [ "$(jq -s '[.[].lsn] == ([range(1; length + 1)])' "$T/dump.jsonl")" = true ]
n=$(ctl -c "$T/t.yaml" journal dump --json --actor p1 | wc -l)
check "--actor p1: Start + 5 ticks ($n)" [ "$n" = 6 ]
check "--from/--limit" [ "$(ctl -c "$T/t.yaml" journal dump --json --from 3 --limit 2 | jq -s -c '[.[].lsn]')" = "[3,4]" ]
txt=$(ctl -c "$T/t.yaml" journal dump --actor p1)
check "journal dump (text): a line per entry" [ "$(wc -l <<<"$txt")" = 6 ]
check "journal dump (text): sender -> receivers and the message" grep -Eq '^[0-9]+ .* ticks -> p1  \{"tick":\{"seq":1,"symbol":"BTCUSD"' <<<"$txt" || echo "$txt" | head -3
st=$(ctl -c "$T/t.yaml" journal stats --json)
check "journal stats --json: entries match the dump" [ "$(jq .entries <<<"$st")" = "$(wc -l <"$T/dump.jsonl")" ]
check "journal stats: p1 received 6" [ "$(jq '.actors[] | select(.id == "p1") | .received' <<<"$st")" = 6 ]
check "journal stats: clean stop" [ "$(jq .clean_stop <<<"$st")" = true ]
check "config check of the same file: ok" bash -c "'$BIN/stratctl' config check '$T/t.yaml' | grep -q 'journal compatible'"
finish
