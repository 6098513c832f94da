#!/usr/bin/env bash
# bench/compare.sh — the data-plane comparison, all modes in one run, same topology.
#
# Two network namespaces joined by a veth (198.18.0.1/24 <-> 198.18.0.2/24). Each tunnel runs with
# one end in each namespace and its own inner /24 in 198.19.0.0/16:
#   direct   the veth itself                                   198.18.0.1 (no tunnel)
#   wggo     wireguard-go (userspace), keys made per run       198.19.0.1/.2
#   openvpn  OpenVPN 2.6, TLS p2p, AES-256-GCM, self-signed
#            certs made per run, pinned by --peer-fingerprint  198.19.1.1/.2
#   relay    bench/relay/relay.c, TUN<->UDP, no crypto,
#            one packet per syscall, 4 MiB socket buffers      198.19.2.1/.2
#   ours     snek server / snek connect (release build)        198.19.3.0/24 pool
# For each mode and run: iperf3 TCP 1 stream and 4 streams (client in the "client" namespace sending
# to the server namespace), 20 pings at 0.2 s (average, p50 and p99 of every ping of all runs of a
# mode pooled), and the CPU seconds per GB used by
# both tunnel processes (utime+stime from /proc/<pid>/stat around the 1-stream test). Modes are
# interleaved within each run so drift on a shared machine hits them alike. Prints one table of
# medians and the issue's ratios.
#
# Environment knobs:
#   RUNS=4          repetitions (median reported)
#   DURATION=8      seconds per iperf3 test
#   PINGS=20        pings per run (PING_INTERVAL apart) for the ping figures
#   PING_INTERVAL=0.2
#   PING_ONLY=1     skip the iperf3 tests (latency runs: more pings in the same time)
#   VARIANTS="name=VAR=value,VAR2=value ..."   extra 'ours' tunnels with those environment variables
#                   (e.g. latency switches), measured as modes "ours-name" in the same run; each has
#                   its own pool 198.19.(10+k).0/24, ports and interfaces; BIN=path in the list runs
#                   another published snek instead (e.g. "base=BIN=/tmp/main/snek" for before/after)
#   MODES="direct wggo openvpn relay ours"   subset/order; "ours" is skipped if it cannot start;
#                   also "relay1": the same relay as one thread with a poll() loop (198.19.4.1/.2)
#   BUDGET=450      seconds for the measuring phase; later runs are skipped once it is spent
#   NO_INSTALL=1    do not apt-get install (use what is present)
#   OURS_BIN=path   use this published snek binary instead of building one
#   BIDIR=1         iperf3 --bidir: the TCP tests run both directions at once (Mbit/s is their sum)
#   AOT=1           build 'ours' ahead of time (PublishAot; needs clang), as build.ps1 -NativeAot does
#   RESULTS=file    also write the raw per-run values (TSV) there
#   KEEP_LOGS=dir   copy the tunnels' logs there before cleanup (for debugging)
#
# With 'ours' in MODES the summary also prints the server's first and last GC log line of the run
# (GC counts and allocated bytes every 2^17 datagrams): the "no allocation per packet" evidence.
#
# Network rules: only 198.18.0.0/16 (underlay) and 198.19.0.0/16 (inner). Everything it creates
# (namespaces, the interfaces inside them, processes by PID, temp files) is removed on EXIT/INT/TERM.
set -euo pipefail

RUNS=${RUNS:-4}
DURATION=${DURATION:-8}
MODES=${MODES:-"direct wggo openvpn relay ours"}
BUDGET=${BUDGET:-450}
PINGS=${PINGS:-20}
PING_INTERVAL=${PING_INTERVAL:-0.2}
PING_ONLY=${PING_ONLY:-}
VARIANTS=${VARIANTS:-}

LAB_NAME=compare
LAB_NS=bench
lab_cleanup_extra() {
    rm -f /var/run/wireguard/sbwg?"$RID".sock
    if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$TMP"/*.log "$TMP"/*.tsv "$KEEP_LOGS"/ 2>/dev/null || true; fi
}
# shellcheck source=bench/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

# ---------------------------------------------------------------------------------------------
# Packages and builds
# ---------------------------------------------------------------------------------------------
need_pkgs=()
command -v iperf3 >/dev/null || need_pkgs+=(iperf3)
command -v ping >/dev/null || need_pkgs+=(iputils-ping)
command -v ip >/dev/null || need_pkgs+=(iproute2)
command -v jq >/dev/null || need_pkgs+=(jq)
command -v cc >/dev/null || need_pkgs+=(gcc libc6-dev)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v wireguard-go >/dev/null || need_pkgs+=(wireguard-go)
command -v wg >/dev/null || need_pkgs+=(wireguard-tools)
command -v openvpn >/dev/null || need_pkgs+=(openvpn)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ -z "${NO_INSTALL:-}" ] || die "missing packages: ${need_pkgs[*]} (NO_INSTALL is set)"
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq
    timeout 600 apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

log "building the C relay"
cc -O2 -Wall -Wextra -pthread -o "$TMP/relay" "$REPO/bench/relay/relay.c"

OURS=""
if [[ " $MODES " == *" ours "* ]]; then
    if [ -n "${OURS_BIN:-}" ]; then
        OURS=$OURS_BIN
    elif [ -f "$REPO/src/Jormungandr.Cli/TunnelCli.cs" ]; then
        aot=()
        if [ -n "${AOT:-}" ]; then # the ahead-of-time snek (needs clang)
            aot=(-r "linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')" -p:PublishAot=true)
        fi
        log "publishing snek (Release${AOT:+, ahead of time})"
        if timeout 480 dotnet publish "$REPO/src/Jormungandr.Cli" -c Release "${aot[@]}" -o "$TMP/snek" \
                --artifacts-path "$TMP/artifacts" -v quiet -nologo >"$TMP/publish.log" 2>&1; then
            OURS="$TMP/snek/snek"
        else
            log "publish failed; 'ours' skipped (tail of log follows)"
            tail -n 5 "$TMP/publish.log" >&2 || true
        fi
    fi
    [ -n "$OURS" ] || log "no engine to run; mode 'ours' skipped"
fi

# ---------------------------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------------------------
lab_up sbv

start_bg IPERF_PID "$NS1" "$TMP/iperf-server.log" iperf3 -s -p 5201

# Per-mode state: target address in NS1 and the tunnel PIDs (space separated).
declare -A TARGET TUNPIDS VARLABEL

wait_ping() { # ns target seconds
    local ns=$1 target=$2 limit=$3 i
    for i in $(seq 1 "$limit"); do
        ip netns exec "$ns" ping -c 1 -W 1 "$target" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

setup_wggo() {
    local i
    umask 077
    wg genkey >"$TMP/wg1.key"; wg pubkey <"$TMP/wg1.key" >"$TMP/wg1.pub"
    wg genkey >"$TMP/wg2.key"; wg pubkey <"$TMP/wg2.key" >"$TMP/wg2.pub"
    umask 022
    local p1 p2
    start_bg p1 "$NS1" "$TMP/wg1.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "sbwg1$RID"
    start_bg p2 "$NS2" "$TMP/wg2.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "sbwg2$RID"
    for i in $(seq 1 50); do
        [ -S "/var/run/wireguard/sbwg1$RID.sock" ] && [ -S "/var/run/wireguard/sbwg2$RID.sock" ] && break
        sleep 0.1
    done
    in1 wg set "sbwg1$RID" private-key "$TMP/wg1.key" listen-port 51820 \
        peer "$(cat "$TMP/wg2.pub")" allowed-ips 198.19.0.2/32 endpoint 198.18.0.2:51820
    in2 wg set "sbwg2$RID" private-key "$TMP/wg2.key" listen-port 51820 \
        peer "$(cat "$TMP/wg1.pub")" allowed-ips 198.19.0.1/32 endpoint 198.18.0.1:51820
    in1 ip addr add 198.19.0.1/24 dev "sbwg1$RID"; in1 ip link set "sbwg1$RID" up
    in2 ip addr add 198.19.0.2/24 dev "sbwg2$RID"; in2 ip link set "sbwg2$RID" up
    TARGET[wggo]=198.19.0.1
    TUNPIDS[wggo]="$p1 $p2"
}

setup_openvpn() {
    local side
    for side in 1 2; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj "/CN=bench$side" -keyout "$TMP/ov$side.key" -out "$TMP/ov$side.crt" >/dev/null 2>&1
    done
    local fp1 fp2
    fp1=$(openssl x509 -in "$TMP/ov1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
    fp2=$(openssl x509 -in "$TMP/ov2.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
    local common=(--dev-type tun --proto udp4 --port 1194 --data-ciphers AES-256-GCM --cipher AES-256-GCM
        --disable-dco --verb 1 --suppress-timestamps)
    local p1 p2
    start_bg p1 "$NS1" "$TMP/ov1.log" openvpn --dev "sbov1$RID" --local 198.18.0.1 --remote 198.18.0.2 \
        --ifconfig 198.19.1.1 198.19.1.2 --tls-server --dh none --cert "$TMP/ov1.crt" --key "$TMP/ov1.key" \
        --peer-fingerprint "$fp2" "${common[@]}"
    start_bg p2 "$NS2" "$TMP/ov2.log" openvpn --dev "sbov2$RID" --local 198.18.0.2 --remote 198.18.0.1 \
        --ifconfig 198.19.1.2 198.19.1.1 --tls-client --cert "$TMP/ov2.crt" --key "$TMP/ov2.key" \
        --peer-fingerprint "$fp1" "${common[@]}"
    TARGET[openvpn]=198.19.1.1
    TUNPIDS[openvpn]="$p1 $p2"
}

setup_relay() {
    local p1 p2
    start_bg p1 "$NS1" "$TMP/relay1.log" "$TMP/relay" "sbrl1$RID" 198.18.0.1:11950 198.18.0.2:11950
    start_bg p2 "$NS2" "$TMP/relay2.log" "$TMP/relay" "sbrl2$RID" 198.18.0.2:11950 198.18.0.1:11950
    local i
    for i in $(seq 1 50); do
        in1 ip link show "sbrl1$RID" >/dev/null 2>&1 && in2 ip link show "sbrl2$RID" >/dev/null 2>&1 && break
        sleep 0.1
    done
    # Same inner MTU as WireGuard's default, so TCP segments are alike.
    in1 ip link set "sbrl1$RID" mtu 1420; in1 ip addr add 198.19.2.1/24 dev "sbrl1$RID"; in1 ip link set "sbrl1$RID" up
    in2 ip link set "sbrl2$RID" mtu 1420; in2 ip addr add 198.19.2.2/24 dev "sbrl2$RID"; in2 ip link set "sbrl2$RID" up
    TARGET[relay]=198.19.2.1
    TUNPIDS[relay]="$p1 $p2"
}

setup_relay1() { # the same relay as one thread with a poll() loop (relay -1)
    local p1 p2 i
    start_bg p1 "$NS1" "$TMP/relay1-1.log" "$TMP/relay" -1 "sbrs1$RID" 198.18.0.1:11970 198.18.0.2:11970
    start_bg p2 "$NS2" "$TMP/relay1-2.log" "$TMP/relay" -1 "sbrs2$RID" 198.18.0.2:11970 198.18.0.1:11970
    for i in $(seq 1 50); do
        in1 ip link show "sbrs1$RID" >/dev/null 2>&1 && in2 ip link show "sbrs2$RID" >/dev/null 2>&1 && break
        sleep 0.1
    done
    in1 ip link set "sbrs1$RID" mtu 1420; in1 ip addr add 198.19.4.1/24 dev "sbrs1$RID"; in1 ip link set "sbrs1$RID" up
    in2 ip link set "sbrs2$RID" mtu 1420; in2 ip addr add 198.19.4.2/24 dev "sbrs2$RID"; in2 ip link set "sbrs2$RID" up
    TARGET[relay1]=198.19.4.1
    TUNPIDS[relay1]="$p1 $p2"
}

setup_ours() {
    # snek server in NS1 (pool 198.19.3.0/24; the server takes the first address, 198.19.3.1),
    # snek connect in NS2 pinned to the server key. Status sockets in the run's temp dir.
    local p1 p2
    mkdir -p "$TMP/ours/authorized" && mkdir -m 700 -p "$TMP/ours/status"
    "$OURS" gencert "$TMP/ours/keys" --name server >"$TMP/ours-gencert.log" 2>&1 || return 1
    "$OURS" gencert "$TMP/ours/keys" --name client >>"$TMP/ours-gencert.log" 2>&1 || return 1
    cp "$TMP/ours/keys/client.pub" "$TMP/ours/authorized/" || return 1
    start_bg p1 "$NS1" "$TMP/ours1.log" "$OURS" server --authorized-keys "$TMP/ours/authorized" \
        --cert "$TMP/ours/keys/server.priv" --bind 198.18.0.1 --key-port 11960 --data-port 11961 \
        --pool 198.19.3.0/24 --interface "sbsn1$RID" --status-dir "$TMP/ours/status" --state-dir "$TMP/ours/state"
    sleep 1
    start_bg p2 "$NS2" "$TMP/ours2.log" "$OURS" connect 198.18.0.1 --cert "$TMP/ours/keys/client.priv" \
        --server-key "$TMP/ours/keys/server.pub" --key-port 11960 --data-port 11961 \
        --interface "sbsn2$RID" --status-dir "$TMP/ours/status"
    TARGET[ours]=198.19.3.1
    TUNPIDS[ours]="$p1 $p2"
}

setup_variant() { # index name "VAR=value,VAR2=value": another ours tunnel with that environment
    local k=$1 name=$2 vars=$3 p1 p2 net=$((10 + $1)) key=$((11980 + 2 * $1)) bin=$OURS v
    local -a envs=()
    IFS=',' read -r -a list <<<"$vars"
    for v in "${list[@]}"; do
        case $v in BIN=*) bin=${v#BIN=} ;; *) envs+=("$v") ;; esac
    done
    start_bg p1 "$NS1" "$TMP/ours-$name-1.log" env "${envs[@]}" "$bin" server --authorized-keys "$TMP/ours/authorized" \
        --cert "$TMP/ours/keys/server.priv" --bind 198.18.0.1 --key-port "$key" --data-port $((key + 1)) \
        --pool "198.19.$net.0/24" --interface "sbv${k}s$RID" --status-dir "$TMP/ours/status" --state-dir "$TMP/ours/state-$name"
    sleep 1
    start_bg p2 "$NS2" "$TMP/ours-$name-2.log" env "${envs[@]}" "$bin" connect 198.18.0.1 --cert "$TMP/ours/keys/client.priv" \
        --server-key "$TMP/ours/keys/server.pub" --key-port "$key" --data-port $((key + 1)) \
        --interface "sbv${k}c$RID" --status-dir "$TMP/ours/status"
    TARGET[ours-$name]=198.19.$net.1
    TUNPIDS[ours-$name]="$p1 $p2"
    VARLABEL[ours-$name]="ours, ${vars//,/ }"
}

# Sum of utime+stime clock ticks of the given PIDs (all threads).
cpu_ticks() {
    local total=0 pid t
    for pid in "$@"; do
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

RAW="$TMP/raw.tsv"
: >"$RAW"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; } # mode run metric value

iperf_run() { # target streams -> prints "bits_per_second bytes" or nothing
    local target=$1 streams=$2 json
    json=$(in2 timeout $((DURATION + 20)) iperf3 -c "$target" -p 5201 -t "$DURATION" -P "$streams" ${BIDIR:+--bidir} -J 2>/dev/null) || true
    # With BIDIR both directions run at once; their received rates and bytes add up.
    jq -r 'select(.end.sum_received != null) | [.end.sum_received, (.end.sum_received_bidir_reverse // {bits_per_second: 0, bytes: 0})]
        | "\(.[0].bits_per_second + .[1].bits_per_second) \(.[0].bytes + .[1].bytes)"' \
        <<<"$json" 2>/dev/null || true
}

PINGRAW="$TMP/pings.tsv"
: >"$PINGRAW"

measure() { # mode run
    local mode=$1 run=$2 target=${TARGET[$1]} pids=${TUNPIDS[$1]:-}
    local before after out bps bytes
    [ -z "$PING_ONLY" ] || { measure_ping "$mode" "$run" "$target"; return 0; }
    # shellcheck disable=SC2086
    [ -z "$pids" ] || before=$(cpu_ticks $pids)
    out=$(iperf_run "$target" 1)
    if [ -n "$out" ]; then
        read -r bps bytes <<<"$out"
        record "$mode" "$run" tcp1_mbps "$(awk -v b="$bps" 'BEGIN{printf "%.0f", b/1e6}')"
        if [ -n "$pids" ]; then
            # shellcheck disable=SC2086
            after=$(cpu_ticks $pids)
            record "$mode" "$run" cpu_s_per_gb "$(awk -v d=$((after - before)) -v hz="$CLK_TCK" -v by="$bytes" \
                'BEGIN{ if (by > 0) printf "%.2f", (d/hz)/(by/1e9) }')"
        fi
    else
        log "$mode run $run: iperf3 1-stream failed"
    fi
    out=$(iperf_run "$target" 4)
    if [ -n "$out" ]; then
        read -r bps bytes <<<"$out"
        record "$mode" "$run" tcp4_mbps "$(awk -v b="$bps" 'BEGIN{printf "%.0f", b/1e6}')"
    else
        log "$mode run $run: iperf3 4-stream failed"
    fi
    measure_ping "$mode" "$run" "$target"
}

# On-CPU nanoseconds of every thread of the given PIDs: "pid:tid name ns" (from schedstat).
thread_ns() {
    local pid t ns
    for pid in "$@"; do
        for t in /proc/"$pid"/task/*; do
            read -r ns _ 2>/dev/null <"$t/schedstat" || continue
            echo "$pid:${t##*/} $(tr ' ' '_' <"$t/comm" 2>/dev/null) $ns"
        done
    done
}

measure_ping() { # mode run target: every reply's time goes to PINGRAW, the run's average to RAW
    local mode=$1 run=$2 target=$3 times avg pids=${TUNPIDS[$1]:-} count
    # shellcheck disable=SC2086
    [ -z "$pids" ] || thread_ns $pids >"$TMP/ns0"
    times=$(in2 timeout $((PINGS + 30)) ping -n -c "$PINGS" -i "$PING_INTERVAL" -W 1 "$target" 2>/dev/null \
        | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p') || true
    [ -n "$times" ] || return 0
    awk -v m="$mode" -v r="$run" '{print m "\t" r "\t" $1}' <<<"$times" >>"$PINGRAW"
    avg=$(awk '{s += $1} END {if (NR) printf "%.3f", s / NR}' <<<"$times")
    record "$mode" "$run" ping_ms "$avg"
    if [ -n "$pids" ]; then
        # CPU per round trip of both tunnel processes, and per thread (which hop, or timers, pays).
        count=$(wc -l <<<"$times")
        # shellcheck disable=SC2086
        thread_ns $pids >"$TMP/ns1"
        join <(sort "$TMP/ns0") <(sort "$TMP/ns1") | awk -v m="$mode" -v r="$run" -v n="$count" -v srv="${pids%% *}" \
            '{split($1, id, ":"); side = id[1] == srv ? "server" : "client"
              d[side " " $2] += ($5 - $3) / 1000 / n; t += ($5 - $3) / 1000 / n}
             END {for (k in d) if (d[k] >= 0.5) printf "%s\t%s\t%s\t%.1f\n", m, r, k, d[k]; printf "%s\t%s\t%s\t%.1f\n", m, r, "total", t}' \
            >>"$TMP/pingcpu.tsv"
        record "$mode" "$run" cpu_us_per_ping "$(awk -F'\t' -v m="$mode" -v r="$run" '$1 == m && $2 == r && $3 == "total" {print $4}' "$TMP/pingcpu.tsv")"
    fi
}

# Percentile (nearest rank) of every ping of a mode, all runs pooled.
ping_percentile() { # mode p
    awk -F'\t' -v m="$1" '$1 == m {print $3}' "$PINGRAW" | sort -g |
        awk -v p="$2" '{v[NR] = $1} END { if (NR == 0) { print "-"; exit } i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# ---------------------------------------------------------------------------------------------
# Bring every tunnel up (they coexist: own interfaces, ports and inner subnets)
# ---------------------------------------------------------------------------------------------
ACTIVE=()
for mode in $MODES; do
    case $mode in
        direct) TARGET[direct]=198.18.0.1; ACTIVE+=(direct) ;;
        wggo) setup_wggo; ACTIVE+=(wggo) ;;
        openvpn) setup_openvpn; ACTIVE+=(openvpn) ;;
        relay) setup_relay; ACTIVE+=(relay) ;;
        relay1) setup_relay1; ACTIVE+=(relay1) ;;
        ours)
            if [ -n "$OURS" ] && setup_ours; then
                ACTIVE+=(ours)
                k=0
                for variant in $VARIANTS; do
                    k=$((k + 1))
                    setup_variant "$k" "${variant%%=*}" "${variant#*=}"
                    ACTIVE+=("ours-${variant%%=*}")
                done
            fi ;;
        *) die "unknown mode '$mode'" ;;
    esac
done
READY=()
for mode in "${ACTIVE[@]}"; do
    if wait_ping "$NS2" "${TARGET[$mode]}" 40; then
        READY+=("$mode")
    else
        log "$mode: tunnel did not come up within 20 s; skipped"
        for f in "$TMP"/*.log; do case $f in *"${mode:0:2}"*) tail -n 3 "$f" >&2 ;; esac; done
    fi
done
[ "${#READY[@]}" -gt 0 ] || die "no mode came up"

# ---------------------------------------------------------------------------------------------
# Measure: runs x modes, interleaved, bounded by BUDGET
# ---------------------------------------------------------------------------------------------
start=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
per_mode=$(awk -v d="$DURATION" -v n="$PINGS" -v i="$PING_INTERVAL" -v po="$PING_ONLY" \
    'BEGIN { t = n * i + 2; if (po == "") t += 2 * d + 2; printf "%d", t + 0.999 }')
done_runs=0
for run in $(seq 1 "$RUNS"); do
    if [ $((SECONDS - start + per_mode * ${#READY[@]})) -gt "$BUDGET" ]; then
        log "time budget ($BUDGET s) reached after $done_runs runs"
        break
    fi
    for mode in "${READY[@]}"; do
        log "run $run/$RUNS: $mode"
        measure "$mode" "$run"
    done
    done_runs=$run
done

[ -z "${RESULTS:-}" ] || cp "$RAW" "$RESULTS"

# ---------------------------------------------------------------------------------------------
# Report: medians and the issue's ratios
# ---------------------------------------------------------------------------------------------
median() { # mode metric
    awk -F'\t' -v m="$1" -v k="$2" '$1 == m && $3 == k && $4 != "" {print $4}' "$RAW" | sort -g |
        awk '{v[NR] = $1} END { if (NR == 0) { print "-"; exit } if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; s = sprintf("%.3f", m); sub(/\.?0+$/, "", s); print s }'
}
label() {
    case $1 in
        direct) echo "direct veth" ;;
        wggo) echo "wireguard-go $(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null | sed 's/-.*//')" ;;
        openvpn) echo "OpenVPN $(dpkg-query -W -f='${Version}' openvpn 2>/dev/null | sed 's/-.*//') AES-256-GCM" ;;
        relay) echo "C relay (no crypto, 1 pkt/syscall, 4 MiB buffers)" ;;
        relay1) echo "C relay, one thread + poll()" ;;
        ours) echo "ours (snek)" ;;
        ours-*) echo "${VARLABEL[$1]}" ;;
    esac
}
declare -A MED
fmt() { # value decimals ("-" stays "-")
    awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.*f\n", d, v }'
}
echo
echo "Data-plane comparison: $done_runs run(s) x ${DURATION} s, medians; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); kernel $(uname -r); load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| mode | TCP 1 stream Mbit/s | TCP 4 streams Mbit/s | ping avg ms | ping p50 ms | ping p99 ms | tunnel CPU-s per GB (both ends) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for mode in "${READY[@]}"; do
    for k in tcp1_mbps tcp4_mbps ping_ms cpu_s_per_gb; do MED[$mode.$k]=$(median "$mode" "$k"); done
    MED[$mode.p50]=$(ping_percentile "$mode" 50)
    MED[$mode.p99]=$(ping_percentile "$mode" 99)
    echo "| $(label "$mode") | $(fmt "${MED[$mode.tcp1_mbps]}" 0) | $(fmt "${MED[$mode.tcp4_mbps]}" 0) | $(fmt "${MED[$mode.ping_ms]}" 3) | $(fmt "${MED[$mode.p50]}" 3) | $(fmt "${MED[$mode.p99]}" 3) | $(fmt "${MED[$mode.cpu_s_per_gb]}" 1) |"
done
echo
echo "(ping avg: median of the runs' averages; p50/p99: all $(wc -l <"$PINGRAW") replies of the run pooled per mode, $PINGS per run at $PING_INTERVAL s)"
echo
echo "On-CPU µs per ping round trip while pinging (schedstat of every tunnel thread, both ends; medians over runs; threads under 0.5 µs left out):"
for mode in "${READY[@]}"; do
    [ -n "${TUNPIDS[$mode]:-}" ] || continue
    awk -F'\t' -v m="$mode" '$1 == m {print $3 "\t" $4}' "$TMP/pingcpu.tsv" | sort -t$'\t' -k1,1 -k2g |
        awk -F'\t' '{v[$1] = v[$1] " " $2; n[$1]++} END {for (k in v) {c = split(substr(v[k], 2), a, " "); printf "%s=%s\n", k, a[int((c + 1) / 2)]}}' |
        sort | tr '\n' ';' | sed "s/;\$//; s/;/; /g; s/^/  $mode: /"
    echo
done
echo
ratio() { # a b -> a/b
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'
}
if [[ " ${READY[*]} " == *" ours "* ]]; then
    echo "Issue 7 ratios (goal in brackets):"
    for k in tcp1_mbps tcp4_mbps; do
        echo "  $k: ours/wireguard-go $(ratio "${MED[ours.$k]}" "${MED[wggo.$k]:--}") [>= 2.0], ours/relay $(ratio "${MED[ours.$k]}" "${MED[relay.$k]:--}") [>= 1.0]"
    done
    echo "  CPU-s/GB: ours/relay $(ratio "${MED[ours.cpu_s_per_gb]}" "${MED[relay.cpu_s_per_gb]:--}") [<= 1.0]"
    echo "  ping avg: ours/relay $(ratio "${MED[ours.ping_ms]}" "${MED[relay.ping_ms]:--}") [<= 1.0]"
    for mode in "${READY[@]}"; do
        case $mode in ours|ours-*) ;; *) continue ;; esac
        echo "  $mode ping avg/p50/p99: /relay $(ratio "${MED[$mode.ping_ms]}" "${MED[relay.ping_ms]:--}")/$(ratio "${MED[$mode.p50]}" "${MED[relay.p50]:--}")/$(ratio "${MED[$mode.p99]}" "${MED[relay.p99]:--}") [<= 1.2], /openvpn $(ratio "${MED[$mode.ping_ms]}" "${MED[openvpn.ping_ms]:--}")/$(ratio "${MED[$mode.p50]}" "${MED[openvpn.p50]:--}")/$(ratio "${MED[$mode.p99]}" "${MED[openvpn.p99]:--}") [<= 1.0]"
    done
    # Allocation evidence: the server logs GC counts every 2^17 datagrams; first and last of the whole run.
    gc_lines=$(grep -h "GC collections" "$TMP/ours1.log" 2>/dev/null | sed 's/^.*Data channel: //')
    if [ -n "$gc_lines" ]; then
        echo "  GC (server, whole run): first: $(head -n 1 <<<"$gc_lines")"
        echo "                          last:  $(tail -n 1 <<<"$gc_lines")"
    fi
else
    echo "Issue 7 ratios: 'ours' not measured in this run. Reference ratios:"
    for k in tcp1_mbps tcp4_mbps; do
        echo "  $k: relay/wireguard-go $(ratio "${MED[relay.$k]:--}" "${MED[wggo.$k]:--}"), openvpn/wireguard-go $(ratio "${MED[openvpn.$k]:--}" "${MED[wggo.$k]:--}")"
    done
    echo "  CPU-s/GB: wireguard-go/relay $(ratio "${MED[wggo.cpu_s_per_gb]:--}" "${MED[relay.cpu_s_per_gb]:--}")"
fi
