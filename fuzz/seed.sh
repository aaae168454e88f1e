#!/usr/bin/env bash
# Builds the fuzzers' seed corpus at run time (nothing here is committed):
#   fuzz/seeds/proto/  inflated examples/profiles/*.pb.gz, plus the raw files of
#                      ../shared/peer/pprof-testdata/fuzz/corpus/ when present
#                      (targets decode, differential);
#   fuzz/seeds/gzip/   the same profiles gzipped, and the raw .pb.gz files
#                      (target load).
# Usage: fuzz/seed.sh   then   cargo +nightly fuzz run decode fuzz/corpus/decode fuzz/seeds/proto
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd .. && pwd)
shared=${PPROFX_SHARED:-$repo/../shared}
rm -rf seeds
mkdir -p seeds/proto seeds/gzip
for f in "$repo"/examples/profiles/*.pb.gz; do
  stem=$(basename "$f" .pb.gz)
  gzip -dc "$f" > "seeds/proto/example-$stem.pb"
  cp "$f" "seeds/gzip/example-$stem.pb.gz"
done
peer="$shared/peer/pprof-testdata/fuzz/corpus"
if [ -d "$peer" ]; then
  for f in "$peer"/*; do
    [ -f "$f" ] || continue
    name=peer-$(basename "$f")
    if [ "$(head -c2 "$f" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
      gzip -dc "$f" > "seeds/proto/$name" 2>/dev/null || cp "$f" "seeds/proto/$name"
      cp "$f" "seeds/gzip/$name"
    else
      cp "$f" "seeds/proto/$name"
      gzip -c "$f" > "seeds/gzip/$name.gz"
    fi
  done
else
  echo "seed.sh: $peer not found; seeding from examples only" >&2
fi
echo "seed.sh: $(ls seeds/proto | wc -l) proto seeds, $(ls seeds/gzip | wc -l) gzip seeds in fuzz/seeds/"
