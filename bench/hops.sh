#!/usr/bin/env bash
# bench/hops.sh — where a ping's round trip spends its time, hop by hop, for the C relay and ours.
#
# Same topology as compare.sh (two namespaces joined by a veth 198.18.0.1/24 <-> .2/24); the relay's
# inner addresses are 198.19.2.1/.2, ours' pool 198.19.3.0/24. While pinging the far end of each
# tunnel, tcpdump (nanosecond timestamps, taken when the packet passes the interface) records both TUN
# interfaces and the veth, so every round trip splits into:
#   client tun   ICMP request leaves the client's TUN → its UDP datagram leaves the client's veth
#                (wake the TUN reader, read, [seal,] send)
#   server udp   that datagram → the request enters the server's TUN (wake the UDP reader, receive, [open,] write)
#   echo         the request enters the server's TUN → the reply leaves it (the kernel's echo)
#   server tun   the reply leaves the server's TUN → its datagram leaves the server's veth
#   client udp   that datagram → the reply enters the client's TUN
# Prints the median and p90 of each hop per mode in µs. Capture taps add a little to every hop of
# every mode alike.
#
#   PINGS=100  PING_INTERVAL=0.2  MODES="relay ours"  OURS_BIN=path (else a Release publish)
#   VARIANTS="name=VAR=value,VAR2=value ..."  more ours tunnels with those environment variables
#   (BIN=path runs another published snek), measured as "ours-name"
#   RELAY_SYSCALLS=snek, RELAY_TOUCH_PAGES=N, RELAY_WORK_US=N  the relay's probe switches (bench/relay/relay.c)
#   HOOK="cmd"  run (in the background, stopped by PID when the pings end) while each mode is pinged,
#               with MODE, SERVER_PID and CLIENT_PID set and OUT naming a file for its output, e.g.
#               HOOK='perf trace -p $SERVER_PID -o $OUT'; the outputs are copied to HOOK_DIR (default .)
#
# Network rules: only 198.18.0.0/16 (underlay) and 198.19.0.0/16 (inner). Everything it creates
# (namespaces, the interfaces inside them, processes by PID, temp files) is removed on exit.
set -euo pipefail

PINGS=${PINGS:-100}
PING_INTERVAL=${PING_INTERVAL:-0.2}
MODES=${MODES:-"relay ours"}
VARIANTS=${VARIANTS:-}
LAB_NAME=hops
LAB_NS=hops
# shellcheck source=bench/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

command -v tcpdump >/dev/null || die "needs tcpdump (apt-get install tcpdump)"

OURS=${OURS_BIN:-}
if [ -z "$OURS" ] && [[ " $MODES $VARIANTS" == *ours* || -n "$VARIANTS" ]]; then
    log "publishing snek (Release)"
    timeout 600 dotnet publish "$REPO/src/Jormungandr.Cli" -c Release -o "$TMP/snek" \
        --artifacts-path "$TMP/artifacts" -v quiet -nologo >"$TMP/publish.log" 2>&1 \
        || { tail -n 5 "$TMP/publish.log" >&2; die "publish failed"; }
    OURS="$TMP/snek/snek"
fi
cc -O2 -Wall -Wextra -pthread -o "$TMP/relay" "$REPO/bench/relay/relay.c"

lab_up shv

declare -A TARGET TUN1 TUN2 PORT SPID CPID
ACTIVE=()

wait_up() { # target
    local i
    for i in $(seq 1 60); do
        in2 ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

setup_relay() {
    local p
    start_bg p "$NS1" "$TMP/relay1.log" "$TMP/relay" "shr1$RID" 198.18.0.1:11950 198.18.0.2:11950
    SPID[relay]=$p
    start_bg p "$NS2" "$TMP/relay2.log" "$TMP/relay" "shr2$RID" 198.18.0.2:11950 198.18.0.1:11950
    CPID[relay]=$p
    sleep 0.5
    in1 ip addr add 198.19.2.1/24 dev "shr1$RID"; in1 ip link set "shr1$RID" up
    in2 ip addr add 198.19.2.2/24 dev "shr2$RID"; in2 ip link set "shr2$RID" up
    TARGET[relay]=198.19.2.1; TUN1[relay]="shr1$RID"; TUN2[relay]="shr2$RID"; PORT[relay]=11950
}

setup_ours() { # name net keyport bin env...
    local name=$1 net=$2 key=$3 bin=$4 p
    shift 4
    if [ ! -d "$TMP/keys" ]; then
        mkdir -p "$TMP/authorized" && mkdir -m 700 -p "$TMP/status"
        "$OURS" gencert "$TMP/keys" --name server >"$TMP/gencert.log" 2>&1 || die "gencert failed"
        "$OURS" gencert "$TMP/keys" --name client >>"$TMP/gencert.log" 2>&1 || die "gencert failed"
        cp "$TMP/keys/client.pub" "$TMP/authorized/"
    fi
    start_bg p "$NS1" "$TMP/$name-1.log" env "$@" "$bin" server --authorized-keys "$TMP/authorized" \
        --cert "$TMP/keys/server.priv" --bind 198.18.0.1 --key-port "$key" --data-port $((key + 1)) \
        --pool "198.19.$net.0/24" --interface "shs$net$RID" --status-dir "$TMP/status" --state-dir "$TMP/state-$name"
    SPID[$name]=$p
    sleep 1
    start_bg p "$NS2" "$TMP/$name-2.log" env "$@" "$bin" connect 198.18.0.1 --cert "$TMP/keys/client.priv" \
        --server-key "$TMP/keys/server.pub" --key-port "$key" --data-port $((key + 1)) \
        --interface "shc$net$RID" --status-dir "$TMP/status"
    CPID[$name]=$p
    TARGET[$name]="198.19.$net.1"; TUN1[$name]="shs$net$RID"; TUN2[$name]="shc$net$RID"; PORT[$name]=$((key + 1))
}

for m in $MODES; do
    case $m in
        relay) setup_relay; ACTIVE+=(relay) ;;
        ours) setup_ours ours 3 11960 "$OURS"; ACTIVE+=(ours) ;;
        *) die "unknown mode $m" ;;
    esac
done
k=0
for v in $VARIANTS; do
    k=$((k + 1))
    name="ours-${v%%=*}"; bin=$OURS; envs=()
    IFS=',' read -r -a list <<<"${v#*=}"
    for e in "${list[@]}"; do case $e in BIN=*) bin=${e#BIN=} ;; *) envs+=("$e") ;; esac; done
    setup_ours "$name" $((10 + k)) $((11980 + 2 * k)) "$bin" "${envs[@]}"
    ACTIVE+=("$name")
done
for m in "${ACTIVE[@]}"; do wait_up "${TARGET[$m]}" || die "$m did not come up"; done
log "tunnels up: ${ACTIVE[*]}; warming up"
for m in "${ACTIVE[@]}"; do in2 ping -c 20 -i 0.05 -W 1 "${TARGET[$m]}" >/dev/null || true; done

# One capture per interface, started once; tcpdump stops by PID at the end.
capture() { # ns iface file
    local p
    start_bg p "$1" "$TMP/$3.tcpdump.log" tcpdump -i "$2" -n -s 96 --time-stamp-precision=nano -w "$TMP/$3.pcap"
}
capture "$NS1" "shv1$RID" v1
capture "$NS2" "shv2$RID" v2
for m in "${ACTIVE[@]}"; do
    capture "$NS1" "${TUN1[$m]}" "$m.t1"
    capture "$NS2" "${TUN2[$m]}" "$m.t2"
done
sleep 2

for m in "${ACTIVE[@]}"; do
    log "$m: $PINGS pings at $PING_INTERVAL s"
    hook=
    if [ -n "${HOOK:-}" ]; then
        MODE=$m SERVER_PID=${SPID[$m]} CLIENT_PID=${CPID[$m]} OUT="$TMP/$m.hook" bash -c "$HOOK" >"$TMP/$m.hook.log" 2>&1 &
        hook=$!; PIDS+=("$hook")
        sleep 1
    fi
    in2 timeout $((PINGS + 30)) ping -n -c "$PINGS" -i "$PING_INTERVAL" -W 1 "${TARGET[$m]}" >"$TMP/$m.ping" 2>&1 || true
    if [ -n "$hook" ]; then
        for c in $(ps -o pid= --ppid "$hook"); do kill -INT "$c" 2>/dev/null || true; done # the hook's own children
        sleep 1
        stop_pid "$hook"
        cp "$TMP/$m.hook"* "${HOOK_DIR:-.}/" 2>/dev/null || true
    fi
done
sleep 2
for p in "${PIDS[@]}"; do
    case $(cat "/proc/$p/comm" 2>/dev/null) in tcpdump) kill -INT "$p" 2>/dev/null || true ;; esac
done
sleep 1

# "epoch-seconds kind" lines per interface: kind is req/rep (ICMP echo with its id/seq) or the UDP port pair.
dump() { tcpdump -r "$TMP/$1.pcap" -n -tt --time-stamp-precision=nano 2>/dev/null; }

echo
echo "Per-hop latency, µs (median / p90 of $PINGS round trips; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| mode | client tun | server udp | echo | server tun | client udp | sum | ping p50 (ms) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for m in "${ACTIVE[@]}"; do
    port=${PORT[$m]}
    # Per round trip: t0 request leaves client TUN, t1 first datagram client→server to the port after t0
    # on v2, t2 request enters server TUN, t3 reply leaves server TUN, t4 first datagram from the port
    # after t3 on v1, t5 reply enters client TUN.
    {
        dump "$m.t2" | awk '/ICMP echo request/ {print $1, "c_req"} / ICMP echo reply/ {print $1, "c_rep"}'
        dump "$m.t1" | awk '/ICMP echo request/ {print $1, "s_req"} / ICMP echo reply/ {print $1, "s_rep"}'
        dump v2 | awk -v p=".$port:" '$0 ~ p && / UDP/ {print $1, "v2_out"}'
        dump v1 | awk -v p="198.18.0.1.$port >" 'index($0, p) && / UDP/ {print $1, "v1_out"}'
    } | sort -n | awk '
        $2 == "c_req" { t0 = $1; t1 = t2 = t3 = t4 = 0; next }
        $2 == "v2_out" && t0 && !t1 { t1 = $1; next }
        $2 == "s_req" && t1 && !t2 { t2 = $1; next }
        $2 == "s_rep" && t2 && !t3 { t3 = $1; next }
        $2 == "v1_out" && t3 && !t4 { t4 = $1; next }
        $2 == "c_rep" && t4 {
            printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", (t1-t0)*1e6, (t2-t1)*1e6, (t3-t2)*1e6, (t4-t3)*1e6, ($1-t4)*1e6, ($1-t0)*1e6
            t0 = 0
        }' >"$TMP/$m.hops"
    n=$(wc -l <"$TMP/$m.hops")
    [ "$n" -gt 0 ] || { echo "| $m | no complete round trips captured | | | | | | |"; continue; }
    row="| $m"
    for col in 1 2 3 4 5 6; do
        row="$row | $(cut -d' ' -f"$col" "$TMP/$m.hops" | sort -g | awk '{a[NR] = $1} END {i50 = int((NR + 1) * 0.5); i90 = int(NR * 0.9 + 0.5); if (i90 < 1) i90 = 1; printf "%.0f / %.0f", a[i50], a[i90]}')"
    done
    p50=$(grep -o 'time=[0-9.]*' "$TMP/$m.ping" | cut -d= -f2 | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    echo "$row | $p50 |"
done
echo
echo "(rows: $(for m in "${ACTIVE[@]}"; do printf '%s %s complete, ' "$m" "$(wc -l <"$TMP/$m.hops")"; done | sed 's/, $//'))"
