#!/usr/bin/env bash
# bench/flood.sh — the handshake-flood figures of docs/protocol.md §10 against the real server:
# attacker addresses (each its own /24, in their own namespace) hold every handshake slot the server
# admits and never authenticate, for the whole run; meanwhile an established client pings the server
# every 200 ms through rekeys (every 4 s), and a new authorized client connects every ~0.5 s with the
# real client's retry schedule, counted as in time when established within 2 s.
# It is the namespace end-to-end test HandshakeFloodEndToEndTests with the strict settings; the lab
# code removes namespaces, veths and processes on exit.
#
#   sudo bench/flood.sh                       # 64 addresses, 60 s
#   ADDRESSES=32 RUN_SECONDS=20 sudo bench/flood.sh
#
# Bounded: RUN_SECONDS plus about a minute of setup and build. Prints one line for bench/README.md.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDRESSES=${ADDRESSES:-64}
RUN_SECONDS=${RUN_SECONDS:-60}
[ "$(id -u)" = 0 ] || { echo "bench/flood.sh: needs root (namespaces, TUN)"; exit 4; }
REPORT=$(mktemp /tmp/snek-flood-bench.XXXXXX)
trap 'rm -f "$REPORT"' EXIT
echo "machine: $(nproc) vCPU, $(uname -r), $(dotnet --version) SDK; load $(cut -d' ' -f1-3 /proc/loadavg)"
JORMUNGANDR_FLOOD_ADDRESSES=$ADDRESSES JORMUNGANDR_FLOOD_SECONDS=$RUN_SECONDS \
JORMUNGANDR_FLOOD_CLIENT_DEADLINE_MS=2000 JORMUNGANDR_FLOOD_REPORT=$REPORT \
    timeout $((RUN_SECONDS + 600)) dotnet test "$REPO/tests/unit/Jormungandr.Engine.Tests" -c Release -nologo \
    --filter "FullyQualifiedName~HandshakeFloodEndToEndTests" 2>&1 | grep -E "error|Passed!|Failed!|Failed |Assert" || true
cat "$REPORT"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
