#!/usr/bin/env bash
# Regenerate tests/golden/graph/ from commands-corpus.txt: every command is run
# from ../shared/corpus (the team's profile corpus) with TZ=UTC and its stdout
# kept in tests/golden/graph/OUTPUT (OUTPUT.gz when over 100 kB). Developer tool (needs `go` on PATH and
# ../shared); CI does not run it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
golden=$here/../tests/golden/graph
corpus=${PPROFX_SHARED:-$here/../../shared}/corpus
export TZ=UTC
cd "$corpus"
while IFS= read -r line || [[ -n $line ]]; do
  [[ -z $line || $line == \#* ]] && continue
  name=${line%%: *}
  cmd=${line#*: }
  cmd=${cmd% > *}
  rm -f "$golden/$name" "$golden/$name.gz"
  eval "$cmd" >"$golden/$name" 2>/dev/null
  # Outputs over 100 kB are kept gzipped (the tests read NAME.gz).
  if [[ $(stat -c %s "$golden/$name") -gt 100000 ]]; then gzip -n9 "$golden/$name"; fi
done <"$golden/commands-corpus.txt"
