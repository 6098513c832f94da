#!/usr/bin/env bash
# bench/tunnel.sh — iperf3 throughput and ping latency through the Jormungandr tunnel next to the bare
# veth, in the same two namespaces (underlay 198.18.0.1 <-> 198.18.0.2, tunnel 198.19.0.1 <-> 198.19.0.2).
# The namespaces, identities and tunnel processes come from the lab code the tests use
# (src/Jormungandr.Core/Lab via `snek bench-tunnel`), which removes everything on exit and on Ctrl+C.
#
#   sudo bench/tunnel.sh                 # 3 runs x 8 s, 1 stream
#   RUNS=5 SECONDS_PER_RUN=10 STREAMS=4 sudo bench/tunnel.sh
#
# Bounded: about RUNS x 2 x (SECONDS_PER_RUN + 6) s plus the Release build. Prints a Markdown table
# for bench/README.md ("Tunnel vs direct veth").
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
STREAMS=${STREAMS:-1}

[ "$(id -u)" = 0 ] || { echo "bench/tunnel.sh: needs root (namespaces, TUN)"; exit 4; }
for tool in ip iperf3 ping; do
    command -v "$tool" >/dev/null || { echo "bench/tunnel.sh: needs $tool (apt-get install iproute2 iperf3 iputils-ping)"; exit 9; }
done

ART=$(mktemp -d /tmp/snek-tunnel-bench.XXXXXX)
trap 'rm -rf "$ART"' EXIT
if ! dotnet build "$REPO/src/Jormungandr.Cli" -c Release --artifacts-path "$ART" -nologo -v q >"$ART/build.log" 2>&1; then
    grep -E "error" "$ART/build.log" | sort -u | head -20; echo "bench/tunnel.sh: Release build failed"; exit 1
fi
SNEK=$(find "$ART/bin/Jormungandr.Cli" -name snek.dll | head -1)
echo "machine: $(nproc) vCPU, $(uname -r), $(dotnet --version) SDK; load $(cut -d' ' -f1-3 /proc/loadavg)"
timeout $((RUNS * 2 * (SECONDS_PER_RUN + 30) + 120)) \
    dotnet "$SNEK" bench-tunnel --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --streams "$STREAMS"
