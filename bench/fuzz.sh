#!/usr/bin/env bash
# bench/fuzz.sh — coverage-guided fuzzing of one or all parsers with afl++ through SharpFuzz.
#
#   bench/fuzz.sh TARGET [SECONDS]     # one target (default 600 s)
#   bench/fuzz.sh all [SECONDS]        # every target in turn, SECONDS each
#   bench/fuzz.sh list                 # the target names
#
# Builds tests/fuzz/Jormungandr.Fuzz in Release, instruments Jormungandr.Core.dll with the SharpFuzz
# command-line tool (pinned in tests/fuzz/.config/dotnet-tools.json), then runs afl-fuzz (Debian package
# afl++) niced from tests/fuzz/corpus/TARGET. Findings stay in $FUZZ_OUT/TARGET (default
# /tmp/jormungandr-fuzz); replay one uninstrumented with
# `dotnet run --project tests/fuzz/Jormungandr.Fuzz -c Release -- replay TARGET FILE`,
# fix it, and check it in under tests/fuzz/regressions/TARGET/ so every `dotnet test` replays it.
# Prints one line per target: executions per second, paths (corpus entries) found, crashes and hangs.
# Bounded: SECONDS per target plus the build. Touches nothing outside $FUZZ_OUT.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${1:-}
SECONDS_PER_TARGET=${2:-600}
OUT=${FUZZ_OUT:-/tmp/jormungandr-fuzz}
BUILD="$OUT/build"

[ -n "$TARGET" ] || { sed -n '2,15p' "$0"; exit 2; }
command -v afl-fuzz >/dev/null || { echo "bench/fuzz.sh: needs afl-fuzz (apt-get install afl++)"; exit 9; }
[[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] && [ "$SECONDS_PER_TARGET" -ge 5 ] || { echo "bench/fuzz.sh: SECONDS must be a number >= 5"; exit 2; }

mkdir -p "$OUT"
if [ ! -f "$BUILD/.instrumented" ] || [ -n "${FUZZ_REBUILD:-}" ]; then
    rm -rf "$BUILD"
    dotnet build "$REPO/tests/fuzz/Jormungandr.Fuzz" -c Release -o "$BUILD" -nologo -v q >"$OUT/build.log" 2>&1 \
        || { grep -E "error" "$OUT/build.log" | sort -u | head -20; echo "bench/fuzz.sh: build failed"; exit 1; }
    (cd "$REPO/tests/fuzz" && dotnet tool restore >/dev/null && dotnet sharpfuzz "$BUILD/Jormungandr.Core.dll") >>"$OUT/build.log" 2>&1 \
        || { tail -20 "$OUT/build.log"; echo "bench/fuzz.sh: instrumentation failed"; exit 1; }
    touch "$BUILD/.instrumented"
fi

targets=$(dotnet "$BUILD/Jormungandr.Fuzz.dll" list)
if [ "$TARGET" = list ]; then echo "$targets"; exit 0; fi
if [ "$TARGET" = all ]; then set -- $targets; else
    grep -qx -- "$TARGET" <<<"$targets" || { echo "bench/fuzz.sh: unknown target '$TARGET'; one of: all" $targets; exit 2; }
    set -- "$TARGET"
fi

# No core_pattern or CPU governor changes on the host: afl++ is told to live with them.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredCompilation=0

printf '%-14s %10s %8s %8s %8s %8s\n' target execs/s paths execs crashes hangs
for t in "$@"; do
    rm -rf "$OUT/$t"
    # -t: a handshake does ML-KEM and ML-DSA work (well under a second alone, seconds on a loaded machine); slower is a hang.
    nice -n 19 timeout $((SECONDS_PER_TARGET + 120)) afl-fuzz -i "$REPO/tests/fuzz/corpus/$t" -o "$OUT/$t" \
        -t "${FUZZ_TIMEOUT_MS:-10000}" -m none -V "$SECONDS_PER_TARGET" -- dotnet "$BUILD/Jormungandr.Fuzz.dll" run "$t" >"$OUT/$t.log" 2>&1 || true
    stats="$OUT/$t/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
        echo "$t: afl-fuzz did not start; see $OUT/$t.log:"; tail -15 "$OUT/$t.log"; continue
    fi
    get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    printf '%-14s %10s %8s %8s %8s %8s\n' "$t" "$(get execs_per_sec)" "$(get corpus_count)" "$(get execs_done)" "$(get saved_crashes)" "$(get saved_hangs)"
    ls "$OUT/$t/default/crashes" 2>/dev/null | grep -v README | sed "s|^|  crash: $OUT/$t/default/crashes/|" || true
done
