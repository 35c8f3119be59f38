#!/usr/bin/env bash
# Push then pull a SIZE_MB (default 512) MiB artifact to a local docker-registry: gantry versus
# `skopeo copy` of the same OCI layout (each run pushes to a fresh repository and pulls into an empty
# store, so nothing is skipped). Target: gantry <= 1.0x skopeo's time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
size_mb="${SIZE_MB:-512}"
runs="${RUNS:-3}"
command -v docker-registry >/dev/null || { echo "docker-registry missing: ./scripts/bootstrap --deps" >&2; exit 2; }
cd "$work"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > registry.yml <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage:
  filesystem: { rootdirectory: $work/registry }
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve registry.yml >registry.log 2>&1 &
registry_pid=$!
cleanup_paths+=("$work")
trap 'kill $registry_pid 2>/dev/null; rm -rf "${cleanup_paths[@]}"' EXIT
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null; do sleep 0.1; done

mkdir -p app
python3 - app "$size_mb" <<'PY'
import os, sys
root, size_mb = sys.argv[1], int(sys.argv[2])
block = os.urandom(1 << 20)
for i in range(size_mb // 8):  # 8 MiB files
    with open(f"{root}/part{i:04d}.bin", "wb") as f:
        for j in range(8):
            f.write(block[(i * 8 + j) % 1024:] + block[:(i * 8 + j) % 1024])
PY
export GANTRY_HOME="$work/source"
"$gantry" artifact pack app --name bench --tag v1 >/dev/null
layout="$GANTRY_HOME/oci"
now() { python3 -c 'import time; print(time.time())'; }
gantry_total=0
skopeo_total=0
gantry_round() {
    local start
    start=$(now)
    GANTRY_HOME="$work/source" "$gantry" artifact push bench:v1 --to "127.0.0.1:$port/g$1/bench:v1" >/dev/null
    GANTRY_HOME="$work/pulled-g$1" "$gantry" artifact pull "127.0.0.1:$port/g$1/bench:v1" >/dev/null
    gantry_time=$(python3 -c "print($(now) - $start)")
}
skopeo_round() {
    local start
    start=$(now)
    skopeo copy -q --dest-tls-verify=false --preserve-digests "oci:$layout:bench:v1" "docker://127.0.0.1:$port/s$1/bench:v1"
    skopeo copy -q --src-tls-verify=false --preserve-digests --dest-oci-accept-uncompressed-layers \
        "docker://127.0.0.1:$port/s$1/bench:v1" "oci:$work/pulled-s$1:v1"
    skopeo_time=$(python3 -c "print($(now) - $start)")
}
# Run 0 warms the registry's storage and is not counted; after it the two alternate going first.
gantry_round 0
skopeo_round 0
for run in $(seq 1 "$runs"); do
    if [ $((run % 2)) = 1 ]; then gantry_round "$run"; skopeo_round "$run"; else skopeo_round "$run"; gantry_round "$run"; fi
    echo "run $run: gantry ${gantry_time:0:5}s, skopeo ${skopeo_time:0:5}s"
    gantry_total=$(python3 -c "print($gantry_total + $gantry_time)")
    skopeo_total=$(python3 -c "print($skopeo_total + $skopeo_time)")
    rm -rf "$work/pulled-g$run" "$work/pulled-s$run"
done
python3 - "$gantry_total" "$skopeo_total" "$runs" "$size_mb" <<'PY'
import sys
g, s, runs, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
g, s = g / runs, s / runs
print(f"push+pull {size} MiB: gantry {g:.2f}s ({2 * size / g:.0f} MiB/s), skopeo {s:.2f}s ({2 * size / s:.0f} MiB/s)")
print(f"ratio gantry/skopeo: {g / s:.2f}x (target <= 1.0x)")
PY
