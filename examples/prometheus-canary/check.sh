#!/usr/bin/env bash
# A canary judged by Debian's real Prometheus. Prometheus scrapes the proxy's /metrics every second;
# each rollout's analysis asks it for the canary's p99. 2.0.0 answers fast and completes; 2.1.0 takes
# 300 ms over each answer and is aborted: all traffic back on 2.0.0, Prometheus' number kept with the
# promotion. Everything on 127.0.0.1, free ports, stopped at the end.
set -euo pipefail
cd "$(dirname "$0")"
gantry="${GANTRY:-$(command -v gantry || echo "$PWD/../../.build/release/gantry")}"
command -v prometheus >/dev/null || { echo "needs Debian's prometheus: ./scripts/bootstrap --deps" >&2; exit 1; }
export GANTRY_HOME="${GANTRY_HOME:-$PWD/.gantry}"
work="$(mktemp -d)"
children=()
finish() {
    for pid in "${children[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work" dist
}
trap finish EXIT
rm -rf "$GANTRY_HOME"
export CI=true GANTRY_ACTOR=ops

say() { printf '\n== %s\n' "$*"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
release() { # release VERSION [DELAY_MS] -> its digest
    RELEASE="$1" DELAY_MS="${2:-}" "$gantry" run --file gantry.yml >/dev/null
    "$gantry" artifact inspect shop:latest --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'
}

say "build 1.0.0, a fast 2.0.0 and a slow 2.1.0 (300 ms over every answer)"
"$gantry" keys generate >/dev/null
first="$(release 1.0.0)"
fast="$(release 2.0.0)"
slow="$(release 2.1.0 300)"

say "gantry proxy --env prod with its metrics on --admin, and Prometheus scraping them every second"
listen="$(port)" admin="$(port)" prometheus_port="$(port)"
"$gantry" proxy --env prod --app shop --listen "127.0.0.1:$listen" --admin "127.0.0.1:$admin" \
    >"$work/proxy.out" 2>"$work/proxy.log" &
children+=($!)
cat >"$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: gantry-proxy
    static_configs: [{ targets: ["127.0.0.1:$admin"] }]
YAML
prometheus --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$prometheus_port" \
    --storage.tsdb.path="$work/tsdb" >"$work/prometheus.log" 2>&1 &
children+=($!)
export PROMETHEUS_URL="http://127.0.0.1:$prometheus_port"
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/proxy.out" 2>/dev/null && curl -fs "$PROMETHEUS_URL/-/ready" >/dev/null && break
    sleep 0.2
done
curl -fs "$PROMETHEUS_URL/-/ready" >/dev/null || { cat "$work/prometheus.log"; echo "Prometheus did not start" >&2; exit 1; }
"$gantry" promote shop --to prod --digest "$first" | tail -n 1

say "clients from now on"
python3 - "$listen" <<'PY' &
import sys, threading, time, urllib.request
def ask():
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5).read()
        except Exception:
            time.sleep(0.05)
for _ in range(4): threading.Thread(target=ask, daemon=True).start()
time.sleep(3600)
PY
children+=($!)

say "2.0.0: 30% of the traffic, Prometheus says its p99 is low, it takes everything"
"$gantry" promote shop --to prod --digest "$fast" | grep -E "step|promotion"
[ "$(curl -fsS "http://127.0.0.1:$listen/")" = "version 2.0.0" ] || { echo "expected 2.0.0 to serve" >&2; exit 1; }

say "2.1.0: Prometheus says its p99 is 0.3 s; aborted"
if "$gantry" promote shop --to prod --digest "$slow" >"$work/slow.txt" 2>&1; then cat "$work/slow.txt"; exit 1; fi
grep -E "step|aborted" "$work/slow.txt"
"$gantry" rollout status shop --env prod | tee "$work/status.txt"
grep -Eq "analysis at step 2: failed — Prometheus: 0\.[2-9][0-9]*, which fails result < 0.1" "$work/status.txt" ||
    { echo "expected Prometheus' p99 in the failed analysis" >&2; exit 1; }
for _ in 1 2 3; do
    [ "$(curl -fsS "http://127.0.0.1:$listen/")" = "version 2.0.0" ] || { echo "expected 2.0.0 back" >&2; exit 1; }
done

echo
echo "prometheus-canary example: all checks passed"
