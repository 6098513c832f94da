#!/usr/bin/env bash
# bench/idle.sh — what an established, idle tunnel costs: CPU time and wake-ups of `snek server` and
# `snek connect` over a window with no traffic at all.
#
# Two network namespaces joined by a veth (198.18.0.1/24 server, 198.18.0.2/24 client); the tunnel's
# pool is 198.19.3.0/24. The script brings the tunnel up, proves it with a few pings, waits SETTLE
# seconds (start-up, JIT tiering, handshake work done), then samples both processes' utime+stime from
# /proc/PID/stat and every thread's voluntary+involuntary context switches from
# /proc/PID/task/*/status at the start and end of a WINDOW-second window with no traffic. Prints
# ms of CPU per second and wake-ups per second for each process, and per thread.
#
# Environment knobs:
#   WINDOW=60       seconds of idle measurement
#   SETTLE=15       seconds between the last ping and the start of the window
#   OURS_BIN=path   use this published snek binary instead of building one
#   TRACE=3         after the window, strace both processes for this many seconds and print the
#                   syscalls by thread (who wakes up, and in what), 0 = off
#   Any JORMUNGANDR_* variable is passed through to both processes (switches to compare).
#
# Network rules: only 198.18.0.0/16 (underlay) and 198.19.0.0/16 (inner). Everything it creates
# (namespaces and the interfaces in them, processes by PID, temp files) is removed on EXIT/INT/TERM.
set -euo pipefail

WINDOW=${WINDOW:-60}
TRACE=${TRACE:-0}
SETTLE=${SETTLE:-15}
LAB_NAME=idle
LAB_NS=idle
# shellcheck source=bench/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

OURS=${OURS_BIN:-}
if [ -z "$OURS" ]; then
    log "publishing snek (Release)"
    timeout 600 dotnet publish "$REPO/src/Jormungandr.Cli" -c Release -o "$TMP/snek" \
        --artifacts-path "$TMP/artifacts" -v quiet -nologo >"$TMP/publish.log" 2>&1 \
        || { tail -n 5 "$TMP/publish.log" >&2; die "publish failed"; }
    OURS="$TMP/snek/snek"
fi

lab_up siv

mkdir -p "$TMP/authorized" && mkdir -m 700 -p "$TMP/status"
"$OURS" gencert "$TMP/keys" --name server >"$TMP/gencert.log" 2>&1 || die "gencert failed"
"$OURS" gencert "$TMP/keys" --name client >>"$TMP/gencert.log" 2>&1 || die "gencert failed"
cp "$TMP/keys/client.pub" "$TMP/authorized/"

ip netns exec "$NS1" "$OURS" server --authorized-keys "$TMP/authorized" --cert "$TMP/keys/server.priv" --bind 198.18.0.1 \
    --key-port 11960 --data-port 11961 --pool 198.19.3.0/24 --interface "sisn1$RID" \
    --status-dir "$TMP/status" --state-dir "$TMP/state" </dev/null >"$TMP/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
sleep 1
ip netns exec "$NS2" "$OURS" connect 198.18.0.1 --cert "$TMP/keys/client.priv" --server-key "$TMP/keys/server.pub" \
    --key-port 11960 --data-port 11961 --interface "sisn2$RID" --status-dir "$TMP/status" \
    </dev/null >"$TMP/client.log" 2>&1 &
CLIENT=$!; PIDS+=("$CLIENT")

up=0
for _ in $(seq 1 40); do
    if in2 ping -c 1 -W 1 198.19.3.1 >/dev/null 2>&1; then up=1; break; fi
    sleep 0.5
done
[ "$up" = 1 ] || { tail -n 5 "$TMP/server.log" "$TMP/client.log" >&2; die "tunnel did not come up"; }
in2 ping -c 5 -i 0.2 -W 1 198.19.3.1 >/dev/null || die "tunnel lost pings"
log "tunnel up; settling for $SETTLE s, then $WINDOW s without traffic"
sleep "$SETTLE"

ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# One line per live thread: "tid name switches ticks" (voluntary + involuntary context switches,
# utime + stime).
threads() {
    local t cpu
    for t in /proc/"$1"/task/*; do
        cpu=$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
        awk -v tid="${t##*/}" -v name="$(tr ' ' '_' <"$t/comm")" -v cpu="$cpu" \
            '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print tid, name, s, cpu}' "$t/status" 2>/dev/null || true
    done
}

CLK_TCK=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
s_ticks=$(ticks "$SERVER"); c_ticks=$(ticks "$CLIENT")
threads "$SERVER" >"$TMP/server.t0"; threads "$CLIENT" >"$TMP/client.t0"
t0=$(date +%s.%N)
sleep "$WINDOW"
t1=$(date +%s.%N)
s_ticks2=$(ticks "$SERVER"); c_ticks2=$(ticks "$CLIENT")
threads "$SERVER" >"$TMP/server.t1"; threads "$CLIENT" >"$TMP/client.t1"
kill -0 "$SERVER" && kill -0 "$CLIENT" || die "a tunnel process died during the window"
in2 ping -c 2 -i 0.2 -W 1 198.19.3.1 >/dev/null || log "warning: tunnel no longer passes pings after the window"

elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
per_thread() { # name t0 t1 -> one line per thread that ran: switches/s and ms CPU/s
    join <(sort "$2") <(sort "$3") | awk -v e="$elapsed" -v hz="$CLK_TCK" \
        '{d = $6 - $3; c = $7 - $4; if (d > 0 || c > 0) printf "    %-24s %7.2f switches/s %6.2f ms CPU/s\n", $2, d / e, c / hz * 1000 / e}' | sort -k2 -gr
}
report() { # name pid ticks0 ticks1 t0file t1file
    local ms sw
    ms=$(awk -v d=$(($4 - $3)) -v hz="$CLK_TCK" -v e="$elapsed" 'BEGIN{printf "%.2f", d / hz * 1000 / e}')
    sw=$(join <(sort "$5") <(sort "$6") | awk -v e="$elapsed" '{s += $6 - $3} END {printf "%.1f", s / e}')
    echo "  $1: $ms ms CPU per second ($(($4 - $3)) ticks of 1/$CLK_TCK s in $elapsed s), $sw context switches per second"
    per_thread "$1" "$5" "$6"
}
echo
echo "Idle tunnel cost over $elapsed s (settled $SETTLE s); $(nproc) CPUs; kernel $(uname -r); load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
env | grep '^JORMUNGANDR_' | sed 's/^/  switch: /' || true
report "snek connect (client)" "$CLIENT" "$c_ticks" "$c_ticks2" "$TMP/client.t0" "$TMP/client.t1"
report "snek server" "$SERVER" "$s_ticks" "$s_ticks2" "$TMP/server.t0" "$TMP/server.t1"

if [ "$TRACE" != 0 ] && command -v strace >/dev/null; then
    for who in CLIENT SERVER; do
        pid=${!who}
        # comm of every thread, to name the strace lines (strace prints TIDs).
        for t in /proc/"$pid"/task/*; do echo "${t##*/} $(tr ' ' '_' <"$t/comm")"; done >"$TMP/$who.names"
        timeout -s INT "$TRACE" strace -f -qq -o "$TMP/$who.strace" -p "$pid" 2>/dev/null || true
        echo "  syscalls of $who in $TRACE s, by thread (count thread syscall):"
        awk 'NR == FNR {name[$1] = $2; next} {split($2, a, "("); c[name[$1] " " a[1]]++} END {for (k in c) print c[k], k}' \
            "$TMP/$who.names" "$TMP/$who.strace" | sort -gr | head -n 12 | sed 's/^/    /'
    done
fi
