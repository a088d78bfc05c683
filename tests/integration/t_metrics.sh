#!/usr/bin/env bash
# The metrics endpoint: scraped with curl, counters move when messages
# flow, and malformed requests (garbage, huge headers, a slowloris-style
# partial request) neither crash nor block the daemon.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
probe_topology "$T/t.yaml" run 0 2 2
port=$(sed -nE 's/.*listen: 127.0.0.1:([0-9]+).*/\1/p' "$T/t.yaml")
start_stratd run "$T/t.yaml"
check "live" wait_live "$T/run.sock" $PID
url=http://127.0.0.1:$port/metrics
m1=$(curl -sf "$url"); sleep 0.3; m2=$(curl -sf "$url")
ticks() { sed -nE 's/^stratd_messages_handled_total\{kind="tick"\} ([0-9]+)$/\1/p' <<<"$1"; }
check "scrape returns the handled counter" [ -n "$(ticks "$m1")" ]
check "ticks handled move between scrapes ($(ticks "$m1") -> $(ticks "$m2"))" [ "$(ticks "$m2")" -gt "$(ticks "$m1")" ]
check "commit latency histogram present" grep -q '^stratd_journal_commit_seconds_bucket{le="+Inf"}' <<<"$m2"
check "actors' own figures exported" grep -Eq '^stratd_actor_stat\{actor="probe-1",kind="probe",stat="count"\} [1-9]' <<<"$m2"
if command -v promtool >/dev/null; then
  check "promtool check metrics" bash -c "promtool check metrics <<<'$m2'"
else
  fail "promtool not installed (Debian package prometheus; make setup installs it)"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")
check "unknown path: 404 ($code)" [ "$code" = 404 ]
python3 - "$port" <<'PY' >"$T/abuse.out" 2>&1
import socket, sys, time
port = int(sys.argv[1])
def talk(data, wait=2.0):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(wait)
    try:
        s.sendall(data); out = b""
        while True:
            b = s.recv(4096)
            if not b: break
            out += b
    except Exception as e:
        out = out or repr(e).encode()
    s.close(); return out.split(b"\r\n")[0].decode(errors="replace")
print("garbage:", talk(b"\x00\xff garbage \x01\r\n\r\n"))
print("huge:", talk(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n"))
slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
for s in slow: s.sendall(b"GET /metr")
t = time.time(); print("during slowloris:", talk(b"GET /metrics HTTP/1.1\r\n\r\n"), "in %.2fs" % (time.time() - t))
print("slow one:", slow[0].recv(100).split(b"\r\n")[0].decode())
PY
cat "$T/abuse.out" | sed 's/^/  /'
check "garbage: 400" grep -q "garbage: HTTP/1.1 400" "$T/abuse.out"
check "huge header: 431" grep -q "huge: HTTP/1.1 431" "$T/abuse.out"
check "a scrape is answered while 10 partial requests hang" grep -q "during slowloris: HTTP/1.1 200" "$T/abuse.out"
check "partial requests time out with 408" grep -q "slow one: HTTP/1.1 408" "$T/abuse.out"
check "daemon still live" [ "$(status_field "$T/run.sock" .phase)" = live ]
stop_stratd $PID
check "clean stop" [ "$RC" = 0 ]

# The figures of an orders service and a trading strategy: numbers, bools
# and groups ("positions.SYMBOL") are gauges, texts never are.
start_exsim ex --seed 5 --symbols BTCUSD --ticks 4000 --rate 2000
mport=$(free_port)
cat >"$T/trade.yaml" <<Y
journal: { path: $T/trade.journal, fsync: interval }
control: { socket: $T/trade.sock }
metrics: { listen: 127.0.0.1:$mport }
services:
  - { id: clock, kind: timer }
  - { id: md, kind: feed, params: { connect: 127.0.0.1:$MD_PORT, symbols: [BTCUSD] } }
  - { id: oms, kind: orders, params: { connect: 127.0.0.1:$ORDER_PORT, account: acct-1, max_position: 10 } }
strategies:
  - { id: sma, kind: sma_cross, params: { orders: oms, symbol: BTCUSD, fast: 5, slow: 20, qty: 2 } }
Y
start_stratd trade "$T/trade.yaml"
check "trading daemon live" wait_live "$T/trade.sock" $PID
filled() { [ "$(stat_of "$T/trade.sock" sma fills 2>/dev/null)" -gt 0 ] 2>/dev/null; }
check "the strategy gets fills" wait_until 30 filled
m3=$(curl -sf "http://127.0.0.1:$mport/metrics")
stat_line() { grep -Eq "^stratd_actor_stat\{actor=\"$1\",kind=\"$2\",stat=\"$3\"\} $4" <<<"$m3"; }
check "orders service: accepted" stat_line oms orders accepted '[1-9]'
check "orders service: positions by symbol" stat_line oms orders 'positions\.BTCUSD' '-?[0-9]+$'
check "strategy: fills" stat_line sma sma_cross fills '[1-9]'
check "strategy: position" stat_line sma sma_cross position '-?[0-9]+$'
check "strategy: a double (realized_pnl)" stat_line sma sma_cross realized_pnl '-?[0-9]'
check "texts are not exported (account, connection)" bash -c "! grep -Eq 'stat=\"(account|connection)\"' <<<'$m3'"
check "promtool check metrics (trading)" bash -c "promtool check metrics <<<'$m3'"
stop_stratd $PID
check "clean stop (trading)" [ "$RC" = 0 ]
finish
