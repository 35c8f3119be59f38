#!/usr/bin/env bash
# Start-up time: `gantry --version` of the release binary (static Swift runtime, from scripts/release)
# against `git --version`, side by side. Target: gantry <= 20 ms.
#   GANTRY=path/to/gantry bench/startup.sh   (default: the binary of dist/'s tarball, else .build/static)
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(sed -n 's/.*static let gantry = "\(.*\)".*/\1/p' Sources/Engine/Run/ToolVersions.swift)"
tarball="dist/gantry-$version-linux-$(uname -m).tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "${GANTRY:-}" ]; then
    gantry="$(realpath "$GANTRY")"
elif [ -f "$tarball" ]; then
    tar -xzf "$tarball" -C "$work"
    gantry="$work/gantry-$version-linux-$(uname -m)/bin/gantry"
elif [ -x .build/static/release/gantry ]; then
    gantry="$(realpath .build/static/release/gantry)"
else
    echo "build the release first: ./scripts/release" >&2
    exit 2
fi
hyperfine --warmup 5 --runs 50 -N --export-json "$work/startup.json" \
    -n gantry "$gantry --version" -n git "git --version" >/dev/null
python3 - "$work/startup.json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
g, b = results["gantry"], results["git"]
print("start-up (--version, hyperfine, 50 runs):")
print(f"  gantry {g * 1000:7.2f} ms")
print(f"  git    {b * 1000:7.2f} ms")
print(f"  ratio {g / b:.1f}x; target gantry <= 20 ms: {'met' if g <= 0.020 else 'missed'}")
PY
