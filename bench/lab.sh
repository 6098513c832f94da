# bench/lab.sh — sourced by the benchmark scripts that run tunnels in two throwaway namespaces
# (compare.sh, idle.sh). Before sourcing, set LAB_NAME (log prefix and temp dir) and LAB_NS (namespace
# infix); a script may define lab_cleanup_extra, run at exit before the temp dir goes.
# Gives REPO, RID, NS1 (server), NS2 (client), TMP, PIDS, CREATED_NS, log, die, in1, in2, start_bg,
# stop_pid, lab_up (the two namespaces joined by a veth), and a cleanup on EXIT/INT/TERM that stops every PID started, kills whatever is left in
# the namespaces (the names are unique to this run), deletes them and the temp dir.

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RID=$(($$ % 100000))
NS1="snek-$LAB_NS-server-$RID"
NS2="snek-$LAB_NS-client-$RID"
TMP=$(mktemp -d "/tmp/snek-$LAB_NAME.XXXXXX")
PIDS=()
CREATED_NS=()

log() { printf '[%s %s] %s\n' "$LAB_NAME" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid ns
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for ns in "${CREATED_NS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    if declare -F lab_cleanup_extra >/dev/null; then lab_cleanup_extra || true; fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

[ "$(id -u)" = 0 ] || die "needs root (namespaces, TUN devices)"
[ -e /dev/net/tun ] || die "needs /dev/net/tun"

in1() { ip netns exec "$NS1" "$@"; }
in2() { ip netns exec "$NS2" "$@"; }

# Start a program in a namespace in the background; its PID (ip netns exec execs it) goes to PIDS.
# Usage: start_bg VAR NS LOGFILE cmd...
start_bg() {
    local var=$1 ns=$2 logfile=$3
    shift 3
    ip netns exec "$ns" "$@" </dev/null >"$logfile" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    printf -v "$var" '%s' "$pid"
}

# Creates NS1 and NS2 joined by a veth PREFIX1$RID (198.18.0.1/24, in NS1) <-> PREFIX2$RID (198.18.0.2/24,
# in NS2), loopback up in both, and checks that it passes traffic. Usage: lab_up PREFIX
lab_up() {
    local v=$1
    log "creating $NS1 and $NS2"
    ip netns add "$NS1"; CREATED_NS+=("$NS1")
    ip netns add "$NS2"; CREATED_NS+=("$NS2")
    ip link add "${v}1$RID" netns "$NS1" type veth peer name "${v}2$RID" netns "$NS2"
    in1 ip link set lo up
    in2 ip link set lo up
    in1 ip addr add 198.18.0.1/24 dev "${v}1$RID"
    in2 ip addr add 198.18.0.2/24 dev "${v}2$RID"
    in1 ip link set "${v}1$RID" up
    in2 ip link set "${v}2$RID" up
    in2 ping -c 1 -W 2 198.18.0.1 >/dev/null || die "veth not passing traffic"
}
