#!/usr/bin/env bash
# Screenshots of the web UI's views for docs/ (docs/webui-*.png): runs the
# `screenshots` browser test, which starts `pprofx -http` on
# examples/profiles/cpu.pb.gz (and on two small made-up profiles for
# Compare), opens each view in headless Chromium and saves the page.
# Needs Debian's chromium (apt-get install -y --no-install-recommends chromium)
# or PPROFX_CHROMIUM=PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs}"
mkdir -p "$out"
PPROFX_SCREENSHOTS="$(cd "$out" && pwd)" PPROFX_REQUIRE_CHROMIUM=1 \
  cargo test --quiet --test webui_browser screenshots -- --exact --nocapture
ls -l "$out"/webui-*.png
