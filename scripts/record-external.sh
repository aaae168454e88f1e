#!/usr/bin/env bash
# record-external.sh — records `go tool pprof` reference outputs for every
# profile in ../shared/external/profiles/ into tests/golden/external/.
#
# For each profile P (sorted by name) it runs, from the profiles folder with
# TZ=UTC and the profile named by its relative file name:
#   -top, -top -cum, -top -lines, -top -files (all with -nodecount=100000),
#   -traces, -tags, -raw, -peek=. and -top -sample_index=N for each sample
#   type (N = 0, 1, ...: as many as -raw lists),
# and writes tests/golden/external/P/NAME (stdout) plus
# tests/golden/external/P/commands.txt, one line per report:
#   NAME: go tool pprof ARGS P > P/NAME
# or, when pprof fails:
#   NAME: go tool pprof ARGS P  (exit N; stderr not kept)
# DEST is relative to tests/golden/external/. Outputs over 64 KiB are stored
# gzipped (NAME.gz); the tests read either. An output whose gzip is over
# 100 KB is not stored: NAME.digest holds the CRC-32 and length (as gzip's
# trailer gives them, `CRC LEN` in hex) of its lines sorted bytewise
# (`LC_ALL=C sort`), which keeps the repository small; the test compares
# pprofx's output the same way. tests/external_profiles.rs replays
# them. Needs `go` (Go 1.27); CI does not run this.
#
# Usage: scripts/record-external.sh [PROFILE...]   (default: all)
# Environment: PPROFX_SHARED (default ../shared next to the repository).

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${PPROFX_SHARED:-$repo/../shared}
profiles=$shared/external/profiles
out=$repo/tests/golden/external
[ -d "$profiles" ] || { echo "no $profiles" >&2; exit 2; }
command -v go >/dev/null || { echo "go not on PATH" >&2; exit 2; }
export TZ=UTC

cd "$profiles"
if [ $# -gt 0 ]; then names=("$@"); else mapfile -t names < <(ls | LC_ALL=C sort); fi

for p in "${names[@]}"; do
    dir=$out/$p
    rm -rf "$dir"
    mkdir -p "$dir"
    {
        echo "# go tool pprof reference outputs for $p"
        echo "# Go: $(go version); working directory: ../shared/external/profiles; environment: TZ=UTC."
        echo "# Each line: OUTPUT: the command that wrote it (stdout only); DEST is relative to tests/golden/external/."
        echo
    } >"$dir/commands.txt"
    record() {
        local name=$1
        shift
        local rc=0
        go tool pprof "$@" "$p" >"$dir/$name" 2>/dev/null || rc=$?
        local cmd="go tool pprof $* $p"
        if [ $rc -ne 0 ]; then
            rm -f "$dir/$name"
            echo "$name: $cmd  (exit $rc; stderr not kept)" >>"$dir/commands.txt"
            return
        fi
        if [ "$(gzip -n -9 -c "$dir/$name" | wc -c)" -gt 100000 ]; then
            LC_ALL=C sort "$dir/$name" | gzip -n -c | tail -c 8 | od -An -tx4 |
                awk '{print $1, $2}' >"$dir/$name.digest"
            rm "$dir/$name"
            name=$name.digest
        elif [ "$(stat -c %s "$dir/$name")" -gt 65536 ]; then
            gzip -n -9 "$dir/$name"
        fi
        echo "$name: $cmd > $p/$name" >>"$dir/commands.txt"
    }
    record top.txt -top -nodecount=100000
    record top-cum.txt -top -cum -nodecount=100000
    record top-lines.txt -top -lines -nodecount=100000
    record top-files.txt -top -files -nodecount=100000
    record traces.txt -traces
    record tags.txt -tags
    record raw.txt -raw
    record peek.txt -peek=.
    # Sample types: the line after `Samples:` in -raw (name/unit pairs).
    types=$(go tool pprof -raw "$p" 2>/dev/null | sed -n '/^Samples:/{n;p;q}' || true)
    n=0
    for _ in $types; do
        record "top-sample_index=$n.txt" -top -nodecount=100000 "-sample_index=$n"
        n=$((n + 1))
    done
    echo "$p: $(grep -vc '^#\|^$' "$dir/commands.txt") reports" >&2
done
