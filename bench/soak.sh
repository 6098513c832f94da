#!/usr/bin/env bash
# bench/soak.sh — a long run of a real server and two clients in two network namespaces, with faults:
# 1% random UDP loss on the data port inside both namespaces (nftables), rekeys every 30 s, client 1
# moving its data channel to a new UDP port every minute, the server killed (SIGKILL) and restarted every
# 5 minutes, and continuous SHA-256-checked 4 MiB TCP transfers client 1 -> server and server -> client 2.
#
#   sudo bench/soak.sh              # 30 minutes
#   sudo bench/soak.sh 2            # the CI-sized run
#   LOSS=2 REKEY=20 REBIND=30 RESTART=120 sudo bench/soak.sh 10
#
# Reports bytes sent and received (received counts only transfers whose hashes match), hash mismatches,
# interrupted transfers (cut by a restart), handshakes, reconnect times after each restart, and the RSS
# and open descriptors of the server (per lifetime) and of both clients (whole run) with their slopes;
# ends with "soak: PASS" or "soak: FAIL" and the matching exit code. The lab code (src/Jormungandr.Core/Lab
# via `snek soak`) removes namespaces, processes and keys on exit and on Ctrl+C.
# Bounded: MINUTES plus about 3 minutes (build, set-up, the last transfers).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=${1:-30}
LOSS=${LOSS:-1}
REKEY=${REKEY:-30}
REBIND=${REBIND:-60}
RESTART=${RESTART:-300}

[ "$(id -u)" = 0 ] || { echo "bench/soak.sh: needs root (namespaces, TUN)"; exit 4; }
for tool in ip nft; do
    command -v "$tool" >/dev/null || { echo "bench/soak.sh: needs $tool (apt-get install iproute2 nftables)"; exit 9; }
done
[[ "$MINUTES" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "bench/soak.sh: MINUTES must be a number"; exit 2; }

ART=$(mktemp -d /tmp/snek-soak.XXXXXX)
trap 'rm -rf "$ART"' EXIT
if ! dotnet build "$REPO/src/Jormungandr.Cli" -c Release --artifacts-path "$ART" -nologo -v q >"$ART/build.log" 2>&1; then
    grep -E "error" "$ART/build.log" | sort -u | head -20; echo "bench/soak.sh: Release build failed"; exit 1
fi
SNEK=$(find "$ART/bin/Jormungandr.Cli" -name snek.dll | head -1)
echo "machine: $(nproc) vCPU, $(uname -r), $(dotnet --version) SDK; load $(cut -d' ' -f1-3 /proc/loadavg)"
limit=$(python3 -c "print(int(float('$MINUTES') * 60 + 240))" 2>/dev/null || echo $((${MINUTES%.*} * 60 + 240)))
timeout "$limit" dotnet "$SNEK" soak --minutes "$MINUTES" --loss-percent "$LOSS" --rekey-after "$REKEY" \
    --rebind-every "$REBIND" --restart-every "$RESTART"
