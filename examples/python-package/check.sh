#!/usr/bin/env bash
# Runs the python-package example twice with a signing key and checks: the first run builds, hands
# the wheel on, tests both suites and packs a signed artifact; the second avoids build, test and pack
# and still hands the wheel on; the wheel can be downloaded from the run.
set -euo pipefail
cd "$(dirname "$0")"
gantry="${GANTRY:-gantry}"
out="$(mktemp -d)"
cleanup() { rm -rf "$out" .venv dist release src/*.egg-info; }
trap cleanup EXIT
cleanup
mkdir -p "$out"
"$gantry" keys generate >/dev/null 2>&1 || true
CI=true "$gantry" run --file gantry.yml --json >"$out/first.json" 2>"$out/first.log" || {
    cat "$out/first.log"; exit 1; }
rm -rf dist release
CI=true "$gantry" run --file gantry.yml --json >"$out/second.json" 2>"$out/second.log" || {
    cat "$out/second.log"; exit 1; }
"$gantry" runs download latest -n wheel -D "$out/downloaded" >/dev/null
test -f "$out/downloaded/dist/greet-1.0.0-py3-none-any.whl"
ref="$(python3 -c 'import json,sys; print([j for j in json.load(open(sys.argv[1]))["jobs"] if j["name"]=="pack"][0]["outputs"]["ref"])' "$out/first.json")"
"$gantry" artifact verify "$ref" >"$out/verify.log" 2>&1 || { cat "$out/verify.log"; exit 1; }
python3 - "$out" <<'PY'
import json, sys
first = json.load(open(sys.argv[1] + "/first.json"))
second = json.load(open(sys.argv[1] + "/second.json"))
status = lambda run: {j["name"]: j["status"] for j in run["jobs"]}
assert first["status"] == "success", first
assert set(status(first).values()) == {"success"}, status(first)
assert status(second) == {
    "venv": "success", "build": "cached", "install": "success",
    "test (suite=unit)": "cached", "test (suite=cli)": "cached", "pack": "cached",
}, status(second)
pack = lambda run: [j for j in run["jobs"] if j["name"] == "pack"][0]["outputs"]["ref"]
assert pack(first) == pack(second), (pack(first), pack(second))
venv = [j for j in second["jobs"] if j["name"] == "venv"][0]
assert venv.get("cache") == "hit", venv
print("python-package: built, tested (2 suites) and packed", pack(first) + ";",
      "the second run restored the venv, avoided build, test and pack, and still handed the wheel on")
PY
