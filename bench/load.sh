#!/usr/bin/env bash
# bench/load.sh — N simulated clients (bench/Jormungandr.Load) against one real `snek server`, both in a
# network namespace this script creates (underlay 198.18.0.0/16 on its loopback, tunnel pool
# 198.19.0.0/16). Reports time until all N are established, handshake times, server handshakes/s and
# CPU per handshake, server RSS per idle session, forwarding rate over all sessions, and time until all
# are back after the server is killed and restarted. Everything it made is removed on exit or Ctrl+C.
#
#   sudo bench/load.sh                       # N=100
#   sudo N=1000 bench/load.sh --json         # options after the script go to the tool (see --help)
#
# Bounded: the tool's global deadline (DEADLINE, default 900 s) plus the Release build.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-100}
DEADLINE=${DEADLINE:-900}

[ "$(id -u)" = 0 ] || { echo "bench/load.sh: needs root (network namespace, TUN)"; exit 4; }
command -v ip >/dev/null || { echo "bench/load.sh: needs ip (apt-get install iproute2)"; exit 9; }

ART=$(mktemp -d /tmp/snek-load-bench.XXXXXX)
NS="snek-load-$$"
TOOL_PID=""
cleanup() {
    # Only what this script started: the tool (which stops its server), then anything left in our namespace.
    if [ -n "$TOOL_PID" ] && kill -0 "$TOOL_PID" 2>/dev/null; then
        kill -TERM "$TOOL_PID" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$TOOL_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$TOOL_PID" 2>/dev/null || true
    fi
    if [ -e "/run/netns/$NS" ]; then
        for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        for _ in 1 2 3 4 5; do ip netns del "$NS" 2>/dev/null && break; sleep 0.2; done
    fi
    rm -rf "$ART"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for project in src/Jormungandr.Cli bench/Jormungandr.Load; do
    if ! dotnet build "$REPO/$project" -c Release --artifacts-path "$ART" -nologo -v q >"$ART/build.log" 2>&1; then
        grep -E "error" "$ART/build.log" | sort -u | head -20; echo "bench/load.sh: Release build of $project failed"; exit 1
    fi
done
SNEK=$(find "$ART/bin/Jormungandr.Cli" -name snek.dll | head -1)
TOOL=$(find "$ART/bin/Jormungandr.Load" -name Jormungandr.Load.dll | head -1)

echo "machine: $(nproc) vCPU, $(uname -r), $(dotnet --version) SDK; load $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2
ip netns add "$NS"
ip netns exec "$NS" timeout --signal=TERM --kill-after=20 $((DEADLINE + 30)) \
    dotnet "$TOOL" --snek "$SNEK" --clients "$N" --deadline "$DEADLINE" "$@" &
TOOL_PID=$!
status=0
wait "$TOOL_PID" || status=$?
TOOL_PID=""
exit "$status"
