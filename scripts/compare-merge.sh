#!/usr/bin/env bash
# compare-merge.sh — combining profiles: pprofx next to go tool pprof (issue 16).
#
# Runs, in one sitting and N rounds each, the work that combines profiles:
#   merge-2x200k   `pprofx merge A B -o OUT` vs `pprof -proto -output=OUT A B`
#                  on two generated 200k-sample CPU profiles
#   top-base-heap  `pprofx top -base A B` vs `pprof -top -base A B` on two
#                  generated 300k-record heap profiles
#   merge-300      300 corpus profiles (100 copies each of real-cpu-merged,
#                  go-cpu-mixed and go-cpu-business): merge, both tools
#   merge-10000    10,000 copies of the same three (pprofx only: peak RSS
#                  against merge-300's)
# with the two tools' rounds alternating (a shared machine's speed drifts
# from minute to minute), and prints the medians of wall time, CPU time
# (user+sys) and peak RSS (GNU /usr/bin/time %M), the ratios, and whether
# `top` of each tool's merge is byte-identical (pprof reads pprofx's merge back; pprofx reads pprof's),
# and whether the two merged files are, once gunzipped.
# pprof's merge-300 run takes ~1 min a round and pprof's top -base ~40 s: the
# go side runs `--go-runs` rounds (default 1).
#
# Usage: scripts/compare-merge.sh [-n N] [--go-runs N] [--bin PATH] [--dir DIR]
#   -n N          rounds of the pprofx commands (default 3)
#   --go-runs N   rounds of the go tool pprof commands (default 1; 0 skips go)
#   --bin PATH    the pprofx binary (default target/release/pprofx, not rebuilt)
#   --dir DIR     where generated inputs and outputs go (default
#                 target/bench-profiles/merge)
# Environment: PPROFX_SHARED (default ../shared). Needs python3, Go 1.27
# (`go tool -n pprof` names the pprof binary that is timed) and GNU time.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${PPROFX_SHARED:-$ROOT/../shared}
N=3
GO_RUNS=1
BIN=$ROOT/target/release/pprofx
DIR=$ROOT/target/bench-profiles/merge
while [ $# -gt 0 ]; do
    case $1 in
        -n) N=$2; shift 2 ;;
        --go-runs) GO_RUNS=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        --dir) DIR=$2; shift 2 ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "compare-merge.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$BIN" ] || { echo "compare-merge.sh: no pprofx binary at $BIN (cargo build --release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "compare-merge.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
PPROF=
if [ "$GO_RUNS" -gt 0 ]; then
    PPROF=$(go tool -n pprof) || { echo "compare-merge.sh: go tool pprof not found (--go-runs 0 skips it)" >&2; exit 2; }
fi
export TZ=UTC
mkdir -p "$DIR"
cd "$DIR"
GEN=$SHARED/tools/gen-large-profile.py

# Inputs.
for s in 1 2; do
    [ -f cpu200k-$s.pb.gz ] || python3 "$GEN" -o cpu200k-$s.pb.gz --samples 200000 --stacks 100000 --functions 20000 --seed $s >/dev/null
    [ -f heap300k-$s.pb.gz ] || python3 "$GEN" -o heap300k-$s.pb.gz --kind heap --samples 300000 --stacks 150000 --functions 20000 --seed $((s + 10)) >/dev/null
done
make_copies() { # DIR COUNT: COUNT hard links, a third of each corpus profile
    local d=$1 count=$2 i=0
    [ -f "$d/.done-$count" ] && return
    rm -rf "$d"; mkdir -p "$d"
    while [ $i -lt "$count" ]; do
        for f in real-cpu-merged go-cpu-mixed go-cpu-business; do
            [ $i -lt "$count" ] || break
            ln "$SHARED/corpus/$f.pb.gz" "$d/$(printf '%05d' $i)-$f.pb.gz" 2>/dev/null ||
                cp "$SHARED/corpus/$f.pb.gz" "$d/$(printf '%05d' $i)-$f.pb.gz"
            i=$((i + 1))
        done
    done
    touch "$d/.done-$count"
}
make_copies corpus300 300
make_copies corpus10000 10000
ls corpus300/*.pb.gz > corpus300.list

# measure LABEL RUNS CMD...: appends "label wall cpu rss_kib" per run to runs.tsv
# measure LABEL CMD...: one run; appends "label wall cpu rss_kib" to runs.tsv
measure() {
    local label=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o time.out "$@" >/dev/null 2>err.out ||
        { echo "compare-merge.sh: $label failed:" >&2; cat err.out >&2; exit 1; }
    read -r wall user sys rss < <(tail -1 time.out)
    echo "$label $wall $(echo "$user + $sys" | bc) $rss" >> runs.tsv
}
# pair WORK PPROFX_CMD -- PPROF_CMD: the two tools' rounds alternate
# (pprofx, pprof, pprofx, …), so that a machine whose speed drifts from
# minute to minute slows both alike.
pair() {
    local work=$1; shift
    local px=() i
    while [ "$1" != "--" ]; do px+=("$1"); shift; done
    shift
    for ((i = 0; i < N || (GO_RUNS > 0 && i < GO_RUNS); i++)); do
        if [ "$i" -lt "$N" ]; then measure "pprofx-$work" "${px[@]}"; fi
        if [ "$i" -lt "$GO_RUNS" ]; then measure "pprof-$work" "$@"; fi
    done
}
: > runs.tsv
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
pair merge-2x200k "$BIN" merge cpu200k-1.pb.gz cpu200k-2.pb.gz -o pprofx-2x200k.pb.gz \
    -- "$PPROF" -proto -output=pprof-2x200k.pb.gz cpu200k-1.pb.gz cpu200k-2.pb.gz
pair top-base-heap "$BIN" top -base heap300k-1.pb.gz heap300k-2.pb.gz \
    -- "$PPROF" -top -base heap300k-1.pb.gz heap300k-2.pb.gz
# shellcheck disable=SC2046
pair merge-300 "$BIN" merge @corpus300.list -o pprofx-300.pb.gz \
    -- "$PPROF" -proto -output=pprof-300.pb.gz $(cat corpus300.list)
measure pprofx-merge-10000 "$BIN" merge corpus10000 -o pprofx-10000.pb.gz
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
col() { awk -v l="$1" -v c="$2" '$1 == l {print $c}' runs.tsv | median; }
echo
echo "| work | pprofx wall (s) | pprofx CPU (s) | pprofx peak RSS (MiB) | pprof wall (s) | pprof CPU (s) | pprof peak RSS (MiB) | wall ratio | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for w in merge-2x200k top-base-heap merge-300 merge-10000; do
    pw=$(col "pprofx-$w" 2); pc=$(col "pprofx-$w" 3); pr=$(col "pprofx-$w" 4)
    gw=$(col "pprof-$w" 2); gc=$(col "pprof-$w" 3); gr=$(col "pprof-$w" 4)
    awk -v w="$w" -v pw="$pw" -v pc="$pc" -v pr="$pr" -v gw="$gw" -v gc="$gc" -v gr="$gr" 'BEGIN {
        d = "—"
        printf "| %s | %.3f | %.3f | %.0f | %s | %s | %s | %s | %s |\n", w, pw, pc, pr / 1024,
            gw == "" ? d : sprintf("%.3f", gw), gc == "" ? d : sprintf("%.3f", gc),
            gr == "" ? d : sprintf("%.0f", gr / 1024),
            gw == "" ? d : sprintf("**%.1f×**", gw / pw), gc == "" ? d : sprintf("%.1f×", gc / pc) }'
done

# Parity: top of each tool's merge, read by the other tool too.
if [ "$GO_RUNS" -gt 0 ]; then
    echo
    for w in 2x200k 300; do
        "$BIN" top pprofx-$w.pb.gz > top-pprofx-by-pprofx-$w.txt
        "$PPROF" -top pprofx-$w.pb.gz > top-pprofx-by-pprof-$w.txt 2>/dev/null
        "$PPROF" -top pprof-$w.pb.gz > top-pprof-by-pprof-$w.txt 2>/dev/null
        for f in top-pprofx-by-pprofx-$w.txt top-pprofx-by-pprof-$w.txt; do
            if cmp -s "$f" top-pprof-by-pprof-$w.txt; then r=identical; else r=DIFFERENT; fi
            echo "merge-$w: $f vs top-pprof-by-pprof-$w.txt: $r"
        done
        # The merged files themselves, gunzipped.
        if cmp -s <(gzip -dc pprofx-$w.pb.gz) <(gzip -dc pprof-$w.pb.gz); then r=identical; else r=DIFFERENT; fi
        echo "merge-$w: pprofx-$w.pb.gz vs pprof-$w.pb.gz, gunzipped: $r"
    done
    "$BIN" top -base heap300k-1.pb.gz heap300k-2.pb.gz > top-base-pprofx.txt
    "$PPROF" -top -base heap300k-1.pb.gz heap300k-2.pb.gz > top-base-pprof.txt 2>/dev/null
    if cmp -s top-base-pprofx.txt top-base-pprof.txt; then r=identical; else r=DIFFERENT; fi
    echo "top -base: $r"
fi
