#!/usr/bin/env bash
# Runs the swift-package example twice and checks that the second run avoids both jobs.
set -euo pipefail
cd "$(dirname "$0")"
gantry="${GANTRY:-gantry}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
rm -rf .build
CI=true "$gantry" run --file gantry.yml --json >$out/first.json 2>$out/first.log || {
    cat $out/first.log; exit 1; }
CI=true "$gantry" run --file gantry.yml --json >$out/second.json 2>/dev/null
python3 - "$out" <<'PY'
import json, sys
first = json.load(open(sys.argv[1] + "/first.json"))
second = json.load(open(sys.argv[1] + "/second.json"))
assert first["status"] == "success", first
assert [j["status"] for j in first["jobs"]] == ["success", "success"], first
assert [j["status"] for j in second["jobs"]] == ["cached", "cached"], second
print("swift-package: first run built and tested; second run avoided both jobs")
PY
rm -rf .build
