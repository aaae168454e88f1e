#!/usr/bin/env bash
# Regenerate (or, with --check, verify) tests/golden/*/ from each commands.txt.
#
#   examples/regen-golden.sh [--check] [STEM...]     (STEM: cpu, heap, ...; default all)
#
# Every command line is run from examples/profiles with TZ=UTC, exactly as written
# in commands.txt. "NAME: CMD > PATH" lines keep stdout in PATH; "NAME: CMD  (exit N;
# stderr kept)" lines keep stderr in NAME and must exit with status N.
# --check writes nothing: it re-runs every command and compares with the stored file.
# Developer tool (needs `go` on PATH); CI does not run it.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
golden=$here/../tests/golden
check=0
if [[ ${1:-} == --check ]]; then check=1; shift; fi
stems=("$@")
if [[ ${#stems[@]} -eq 0 ]]; then
  for d in "$golden"/*/; do [[ -f $d/commands.txt ]] && stems+=("$(basename "$d")"); done
fi

export TZ=UTC
cd "$here/profiles" || exit 1
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
fail=0 total=0

for stem in "${stems[@]}"; do
  dir=$golden/$stem
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z $line || $line == \#* ]] && continue
    name=${line%%: *}
    cmd=${line#*: }
    total=$((total + 1))
    if [[ $cmd =~ ^(.*)\ \ \(exit\ ([0-9]+)\;\ stderr\ kept\)$ ]]; then
      want=${BASH_REMATCH[2]}
      out=$dir/$name; [[ $check == 1 ]] && out=$tmp
      eval "${BASH_REMATCH[1]}" >/dev/null 2>"$out"; rc=$?
      if [[ $rc != "$want" ]]; then echo "FAIL $stem/$name: exit $rc, want $want"; fail=$((fail + 1)); continue; fi
    elif [[ $cmd =~ ^(.*)\ \>\ ([^ ]+)$ ]]; then
      out=${BASH_REMATCH[2]}; [[ $check == 1 ]] && out=$tmp
      eval "${BASH_REMATCH[1]}" >"$out"; rc=$?
      if [[ $rc != 0 ]]; then echo "FAIL $stem/$name: exit $rc"; fail=$((fail + 1)); continue; fi
    else
      echo "SKIP $stem: cannot parse: $line"; fail=$((fail + 1)); continue
    fi
    if [[ $check == 1 ]] && ! cmp -s "$tmp" "$dir/$name"; then
      echo "DIFF $stem/$name"; diff "$dir/$name" "$tmp" | head -20; fail=$((fail + 1))
    fi
  done <"$dir/commands.txt"
done

echo "$total commands, $fail problems"
[[ $fail == 0 ]]
