#!/usr/bin/env bash
# The include rules of DESIGN.md (Layout), checked by compiling probes with
# the flags the Makefile gives each directory:
#   strategy_ok.c / service_ok.c  must compile (the test can fail),
#   strategy_*.c / service_*.c    must not, and must say why.
# The example strategy of strategies/README.md must compile as a strategy.
# Also: every strategies/*.c includes only <stratd/...> and the C library.
# usage: run.sh "STRATEGY_CC_COMMAND" "SERVICE_CC_COMMAND"
set -u
dir=$(dirname "$0")   # run from the top of the tree (the -I paths are relative to it)
strategy_cc=$1 service_cc=$2
pass=0 fail=0
ok()  { printf '  ok    %s\n' "$*"; pass=$((pass + 1)); }
bad() { printf '  FAIL  %s\n' "$*"; fail=$((fail + 1)); }

for f in "$dir"/strategy_*.c "$dir"/service_*.c; do
  case ${f##*/} in strategy_*) cc=$strategy_cc ;; *) cc=$service_cc ;; esac
  out=$($cc -c -o /dev/null "$f" 2>&1); rc=$?
  f=${f#./}
  case $f in
    *_ok.c) [ $rc = 0 ] && ok "$f compiles" || bad "$f should compile: $out" ;;
    *) if [ $rc = 0 ]; then bad "$f compiled, but must not"
       elif grep -qE 'may not include|No such file' <<<"$out"; then ok "$f refused: $(grep -m1 -oE 'may not include [^:]*|[^ ]*: No such file' <<<"$out")"
       else bad "$f failed for another reason: $out"; fi ;;
  esac
done

# The guide's example strategy compiles under the strategy rules.
example=$(mktemp --suffix=.c)
sed -n '/<!-- example: breakout.c -->/,/<!-- end example -->/p' strategies/README.md | grep -v '^<!--\|^```' >"$example"
if [ "$(wc -l <"$example")" -lt 20 ]; then bad "no example between the markers in strategies/README.md"
elif out=$($strategy_cc -c -o /dev/null "$example" 2>&1); then ok "strategies/README.md's breakout.c compiles as a strategy"
else bad "strategies/README.md's breakout.c does not compile: $out"; fi
rm -f "$example"

# Every include of every strategy: <stratd/...>, or a C library header.
libc='assert|ctype|errno|float|inttypes|limits|math|stdarg|stdbool|stddef|stdint|stdio|stdlib|string'
stray=$(grep -Hn '^[[:space:]]*#[[:space:]]*include' strategies/*.c strategies/*.h 2>/dev/null |
        grep -vE "<stratd/[a-z_]+\.h>|<($libc)\.h>")
[ -z "$stray" ] && ok "strategies include only <stratd/...> and the C library" || bad "strategies include more than the public API: $stray"

echo "boundaries: $pass passed, $fail failed"
[ $fail = 0 ]
