#!/usr/bin/env bash
# Regenerate (or, with --check, verify) the references of `pprofx pgo`:
#
#   examples/regen-pgo-golden.sh [--check]
#
# 1. tests/golden/pgo/merges.txt: each `OUTPUT: ARGS` line is run in
#    examples/profiles as `pprofx pgo merge ARGS -o OUTPUT` (pprofx from
#    `cargo build`), writing the merged fixtures examples/profiles/pgo-merge-*.
# 2. tests/golden/pgo/preprofile.txt: each `NAME: INPUT` line is run as
#    `go tool preprofile -i INPUT`; NAME.pre keeps its stdout, NAME.err its
#    stderr (the command must then exit 1). INPUT examples/... is relative to
#    the repository, shared/... to ../shared ($PPROFX_SHARED overrides).
#
# --check writes nothing: it re-runs everything and compares. Developer tool
# (needs `go` on PATH, Go 1.27.3 for the committed files); CI does not run it.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PPROFX_SHARED:-$repo/../shared}
golden=$repo/tests/golden/pgo
check=0
[[ ${1:-} == --check ]] && check=1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 total=0

(cd "$repo" && cargo build -q) || exit 1
pprofx=$repo/target/debug/pprofx

while IFS= read -r line || [[ -n $line ]]; do
  [[ -z $line || $line == \#* ]] && continue
  out=${line%%: *}
  read -r -a args <<<"${line#*: }"
  total=$((total + 1))
  dest=$repo/examples/profiles/$out; [[ $check == 1 ]] && dest=$tmp/$out
  if ! (cd "$repo/examples/profiles" && "$pprofx" pgo merge "${args[@]}" -o "$dest" 2>/dev/null); then
    echo "FAIL merge $out"; fail=$((fail + 1)); continue
  fi
  if [[ $check == 1 ]] && ! cmp -s <("$pprofx" pgo report --preprofile "$dest") \
      <("$pprofx" pgo report --preprofile "$repo/examples/profiles/$out"); then
    echo "DIFF merge $out"; fail=$((fail + 1))
  fi
done <"$golden/merges.txt"

while IFS= read -r line || [[ -n $line ]]; do
  [[ -z $line || $line == \#* ]] && continue
  name=${line%%: *}
  input=${line#*: }
  case $input in
    shared/*) input=$shared/${input#shared/} ;;
    *) input=$repo/$input ;;
  esac
  total=$((total + 1))
  if [[ ! -e $input ]]; then echo "SKIP $name: $input missing"; continue; fi
  out=$golden/$name; [[ $check == 1 ]] && out=$tmp/$name
  if [[ $name == *.err ]]; then
    go tool preprofile -i "$input" >/dev/null 2>"$out"; rc=$?
    [[ $rc == 1 ]] || { echo "FAIL $name: exit $rc, want 1"; fail=$((fail + 1)); continue; }
  else
    go tool preprofile -i "$input" >"$out"; rc=$?
    [[ $rc == 0 ]] || { echo "FAIL $name: exit $rc"; fail=$((fail + 1)); continue; }
  fi
  if [[ $check == 1 ]] && ! cmp -s "$out" "$golden/$name"; then
    echo "DIFF $name"; diff "$golden/$name" "$out" | head -10; fail=$((fail + 1))
  fi
done <"$golden/preprofile.txt"

echo "$total commands, $fail problems"
[[ $fail == 0 ]]
