# shellcheck shell=bash
# lib.sh — what the benchmark scripts share; sourced, never run.
#
# Sets ROOT (the project root), BUILD (BUILD, default ROOT/build: the bench
# binaries are in BUILD/bench) and BIN (BIN, default BUILD/bin: stratd,
# stratctl, exsim); relative paths are taken from the project root. A script
# that sources it sets PROG (its name, for messages) first, keeps the
# directories it makes in TMPDIRS and calls remove_tmpdirs on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BIN=${BIN:-$BUILD/bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
TMPDIRS=()

# need_executables HINT FILE...: exit 1 naming the first FILE that is not
# an executable ("run 'HINT'" says how to build it).
need_executables() {
    local hint=$1 b
    shift
    for b in "$@"; do
        if [[ ! -x $b ]]; then
            echo "$PROG: $b is missing (run '$hint')" >&2
            exit 1
        fi
    done
}

# need_integers VAR...: exit 2 naming the first VAR whose value is not a
# non-negative integer.
need_integers() {
    local v
    for v in "$@"; do
        if [[ ! ${!v} =~ ^[0-9]+$ ]]; then
            echo "$PROG: $v must be a non-negative integer (got '${!v}')" >&2
            exit 2
        fi
    done
}

# remove_tmpdirs: remove TMPDIRS, unless KEEP=1.
remove_tmpdirs() {
    local d
    [[ ${KEEP:-0} == 1 ]] && return 0
    for d in "${TMPDIRS[@]}"; do
        rm -rf -- "$d"
    done
}

# free_port: a TCP port nobody listens on now.
free_port() {
    python3 - 2>/dev/null <<'EOF' || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}
