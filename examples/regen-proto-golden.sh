#!/usr/bin/env bash
# Regenerate (or, with --check, verify) tests/golden/proto/ from its cases.txt:
# for each line `NAME: STEM.pb.gz ARGS`, NAME is `go tool pprof -raw` of the
# profile that `go tool pprof -proto ARGS STEM.pb.gz` writes, and NAME with
# `.pb` for `.raw` that profile's bytes, gunzipped. Run from anywhere;
# commands run in examples/profiles with TZ=UTC. Developer tool (needs `go`);
# CI does not run it.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
golden=$here/../tests/golden/proto
check=0
[[ ${1:-} == --check ]] && check=1
export TZ=UTC
cd "$here/profiles" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 total=0
while IFS= read -r line || [[ -n $line ]]; do
  [[ -z $line || $line == \#* ]] && continue
  name=${line%%: *}
  read -r -a args <<<"${line#*: }"
  input=${args[0]}
  total=$((total + 1))
  if ! go tool pprof -proto -output="$tmp/p.pb.gz" "${args[@]:1}" "$input" 2>/dev/null ||
     ! go tool pprof -raw "$tmp/p.pb.gz" >"$tmp/raw" 2>/dev/null; then
    echo "FAIL $name: go tool pprof failed"; fail=$((fail + 1)); continue
  fi
  gzip -dc "$tmp/p.pb.gz" >"$tmp/pb" || { echo "FAIL $name: gunzip"; fail=$((fail + 1)); continue; }
  if [[ $check == 1 ]]; then
    cmp -s "$tmp/raw" "$golden/$name" || { echo "DIFF $name"; fail=$((fail + 1)); }
    cmp -s "$tmp/pb" "$golden/${name%.raw}.pb" || { echo "DIFF ${name%.raw}.pb"; fail=$((fail + 1)); }
  else
    cp "$tmp/raw" "$golden/$name"
    cp "$tmp/pb" "$golden/${name%.raw}.pb"
  fi
done <"$golden/cases.txt"
echo "$total cases, $fail failed"
[[ $fail == 0 ]]
