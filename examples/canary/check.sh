#!/usr/bin/env bash
# A canary rollout end to end, with clients asking all the time: 2.0.0 takes 20% then 50% of the
# traffic, passes both analyses and completes; 2.1.0, which fails 10% of its requests, is aborted at
# its first analysis: all traffic back on 2.0.0, the numbers that failed it shown by
# 'gantry rollout status'.
set -euo pipefail
cd "$(dirname "$0")"
# The binary: $GANTRY, else gantry on the PATH, else this checkout's release build.
gantry="${GANTRY:-$(command -v gantry || echo "$PWD/../../.build/release/gantry")}"
export GANTRY_HOME="${GANTRY_HOME:-$PWD/.gantry}"
work="$(mktemp -d)"
proxy_pid=""
load_pid=""
stop_all() {
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
    [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null || true
    rm -rf "$work" dist
}
trap stop_all EXIT
rm -rf "$GANTRY_HOME"
export CI=true GANTRY_ACTOR=dana

step() { printf '\n== %s\n' "$*"; }
expect() { # expect "what" command...
    local what="$1"; shift
    "$@" || { echo "expected: $what" >&2; exit 1; }
}
digest_of_latest() { "$gantry" artifact inspect web:latest --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }
build() { RELEASE="$1" ERROR_EVERY="${2:-}" "$gantry" run --file gantry.yml >/dev/null; digest_of_latest; }

step "build 1.0.0, 2.0.0 and a bad 2.1.0 (every 10th request fails)"
"$gantry" keys generate >/dev/null
one="$(build 1.0.0)"
two="$(build 2.0.0)"
bad="$(build 2.1.0 10)"

step "start gantry proxy --env prod, promote 1.0.0 (the first release has nothing to compare with)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$gantry" proxy --env prod --app web --listen "127.0.0.1:$port" >"$work/proxy.out" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
"$gantry" promote web --to prod --digest "$one" | tail -n 1

step "clients ask all the time from now on"
python3 - "$port" <<'PY' &
import http.client, sys, threading, time
def client():
    connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
    while True:
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except Exception:
            connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
            time.sleep(0.05)
for _ in range(4): threading.Thread(target=client, daemon=True).start()
time.sleep(3600)
PY
load_pid=$!

step "2.0.0: 20%, analysis, 50%, analysis, then all the traffic"
"$gantry" promote web --to prod --digest "$two" | grep -E "step|deploy|promotion"
"$gantry" rollout status web --env prod
expect "2.0.0 serves" [ "$(curl -fsS "http://127.0.0.1:$port/")" = "version 2.0.0" ]

step "2.1.0 fails 10% of its requests: aborted at its first analysis"
if "$gantry" promote web --to prod --digest "$bad" >"$work/bad.txt" 2>&1; then cat "$work/bad.txt"; exit 1; fi
grep -E "step|aborted|rolled back" "$work/bad.txt"
"$gantry" rollout status web --env prod | tee "$work/status.txt"
expect "the failed analysis and its numbers" grep -q "analysis at step 2: failed — .*the error ratio exceeds" "$work/status.txt"
for _ in 1 2 3 4 5; do
    expect "all traffic back on 2.0.0" [ "$(curl -fsS "http://127.0.0.1:$port/")" = "version 2.0.0" ]
done

echo
echo "canary example: all checks passed"
