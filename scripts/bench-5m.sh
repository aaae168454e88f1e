#!/usr/bin/env bash
# bench-5m.sh — the 5M-sample profile: pprofx top and flame next to gzip -dc.
#
# Generates DIR/huge5m-cpu.pb.gz if missing (gen-large-profile.py --samples
# 5000000 --stacks 1500000 --functions 200000 --seed 5: 260 MB gz, 604 MB
# raw; several minutes and ~3 GB of memory for Python), then runs, in turn
# and N times each round, `gzip -dc F`, `pprofx top F` and `pprofx flame -o
# OUT F` (stdout to a file under DIR, never /dev/null for pprofx output
# files), and prints the medians of wall time, CPU time (user+sys) and peak
# RSS, the ratios to gzip -dc, and the load average at the start and end.
# On a shared machine the CPU ratios are the steadier ones. The stage times
# (PPROFX_TIMINGS) of the 1M- and 5M-sample profiles come last: each round
# runs each profile twice in a row, and the table keeps the fastest of the
# 2N runs. Run back to back, a profile finds the memory its previous run
# freed still backed by the host; alternating one run of each gave the 1M
# profile that warm memory and left most of the 5M one's cold, which on a
# virtual machine costs several times more per page (BENCHMARKS.md,
# "Machine and conditions").
#
# Usage: scripts/bench-5m.sh [-n N] [--bin PATH] [--dir DIR]
#   -n N        rounds (default 5)
#   --bin PATH  the pprofx binary (default target/release/pprofx, not rebuilt)
#   --dir DIR   where the profiles live (default target/bench-profiles; the
#               1M-sample profile is DIR/huge-cpu.pb.gz, skipped if missing)

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=5
BIN=$ROOT/target/release/pprofx
DIR=$ROOT/target/bench-profiles
while [ $# -gt 0 ]; do
    case $1 in
        -n) N=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        --dir) DIR=$2; shift 2 ;;
        *) echo "bench-5m.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
F=$DIR/huge5m-cpu.pb.gz
GEN=${PPROFX_SHARED:-$ROOT/../shared}/tools/gen-large-profile.py
mkdir -p "$DIR"
if [ ! -f "$F" ]; then
    python3 "$GEN" --samples 5000000 --stacks 1500000 --functions 200000 --seed 5 -o "$F"
fi
OUT=$DIR/bench-5m-out
mkdir -p "$OUT"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$OUT/times"
for ((i = 1; i <= N; i++)); do
    for cmd in gzip top flame; do
        case $cmd in
            gzip) argv=(gzip -dc "$F") ;;
            top) argv=("$BIN" top "$F") ;;
            flame) argv=("$BIN" flame -o "$OUT/flame.svg" "$F") ;;
        esac
        TIMEFORMAT='%3R %3U %3S'
        { time /usr/bin/time -o "$OUT/rss" -f '%M' "${argv[@]}" > "$OUT/$cmd.out"; } 2> "$OUT/bt"
        echo "$cmd $(tail -n 1 "$OUT/bt") $(tail -n 1 "$OUT/rss")" >> "$OUT/times"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2}'; }
declare -A W C R
for cmd in gzip top flame; do
    W[$cmd]=$(awk -v c=$cmd '$1==c {print $2}' "$OUT/times" | median)
    C[$cmd]=$(awk -v c=$cmd '$1==c {printf "%.3f\n", $3+$4}' "$OUT/times" | median)
    R[$cmd]=$(awk -v c=$cmd '$1==c {printf "%.1f\n", $5/1024}' "$OUT/times" | median)
done
echo
echo "| command ($N rounds, medians) | wall (s) | CPU (s) | peak RSS (MiB) | wall / gzip | CPU / gzip |"
echo "|---|---|---|---|---|---|"
for cmd in gzip top flame; do
    name=$cmd; [ $cmd = gzip ] && name="gzip -dc"; [ $cmd != gzip ] && name="pprofx $cmd"
    awk -v n="$name" -v w=${W[$cmd]} -v c=${C[$cmd]} -v r=${R[$cmd]} -v gw=${W[gzip]} -v gc=${C[gzip]} \
        'BEGIN {printf "| `%s` | %.3f | %.3f | %.1f | %.2f× | %.2f× |\n", n, w, c, r, w/gw, c/gc}'
done
H1=$DIR/huge-cpu.pb.gz
[ -f "$H1" ] || exit 0
echo
echo "| stage (min of $((2 * N)), ms) | 1M wall | 1M CPU | 5M wall | 5M CPU | 5M/1M wall | 5M/1M CPU |"
echo "|---|---|---|---|---|---|---|"
for ((i = 1; i <= N; i++)); do
    for f in 1 1 5 5; do
        src=$H1; [ $f = 5 ] && src=$F
        PPROFX_TIMINGS=1 "$BIN" top "$src" 2>&1 > "$OUT/top.out" |
            sed -n "s/^pprofx: \(.*\): \([0-9.]*\) ms (cpu \([0-9.]*\) ms)/$f|\1|\2|\3/p"
    done
done | awk -F'|' '{k=$2; if (!(k in seen)) {seen[k]=1; order[++n]=k}
    i=$1"|"k; if (!(i in w) || $3<w[i]) w[i]=$3; if (!(i in c) || $4<c[i]) c[i]=$4}
    END {for (j=1; j<=n; j++) {k=order[j];
        printf "| %s | %.0f | %.0f | %.0f | %.0f | %.1f× | %.1f× |\n", k, w["1|"k], c["1|"k], w["5|"k], c["5|"k], w["5|"k]/w["1|"k], c["5|"k]/c["1|"k]}}'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
