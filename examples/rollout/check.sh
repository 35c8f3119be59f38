#!/usr/bin/env bash
# Releases behind gantry proxy, end to end: the host starts; 1.0.0 is promoted and served; 2.0.0
# replaces it while clients keep asking, and none of their requests fails; a broken 2.1.0 never gets
# traffic and the promotion rolls back; a rollback to 1.0.0 is instant (it still drains); stopping the
# proxy stops every release it ran.
set -euo pipefail
cd "$(dirname "$0")"
# The binary: $GANTRY, else gantry on the PATH, else this checkout's release build.
gantry="${GANTRY:-$(command -v gantry || echo "$PWD/../../.build/release/gantry")}"
export GANTRY_HOME="${GANTRY_HOME:-$PWD/.gantry}"
work="$(mktemp -d)"
proxy_pid=""
stop_all() {
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
build() { # build VERSION [broken]: prints the digest
    RELEASE="$1" BROKEN="${2:-}" "$gantry" run --file gantry.yml >/dev/null
    digest_of_latest
}

step "build three releases once: 1.0.0, 2.0.0 and a broken 2.1.0"
"$gantry" keys generate >/dev/null
one="$(build 1.0.0)"
two="$(build 2.0.0)"
broken="$(build 2.1.0 broken)"

step "without gantry proxy, nothing would run a release: refused before anything is recorded"
if "$gantry" promote web --to prod --digest "$one" 2>"$work/refused.txt"; then exit 1; fi
cat "$work/refused.txt"
expect "the refusal names the fix" grep -q "start 'gantry proxy --env prod --app web'" "$work/refused.txt"

step "start the host: gantry proxy --env prod (in production, a service)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PROXY="127.0.0.1:$port"
"$gantry" proxy --env prod --app web --listen "$PROXY" >"$work/proxy.out" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
cat "$work/proxy.out"

step "promote 1.0.0"
"$gantry" promote web --to prod --digest "$one" | tail -n 4
expect "1.0.0 served" [ "$(curl -fsS "http://$PROXY/")" = "version 1.0.0" ]

step "promote 2.0.0 while clients keep asking: no request fails"
python3 - "$PROXY" "$work/load.json" <<'PY' &
import http.client, json, sys, threading, time
host, port = sys.argv[1].split(":")
seen, failures, stop = {}, [], time.time() + 4
def client():
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    while time.time() < stop:
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            body = response.read().decode().strip()
            key = body if response.status == 200 else f"HTTP {response.status}"
        except Exception as error:
            key = f"error {error!r}"
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
        seen[key] = seen.get(key, 0) + 1
threads = [threading.Thread(target=client) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
json.dump(seen, open(sys.argv[2], "w"))
PY
load_pid=$!
sleep 1
"$gantry" promote web --to prod --digest "$two" | tail -n 2
wait "$load_pid"
cat "$work/load.json"; echo
expect "only answers from 1.0.0 and 2.0.0" python3 -c "import json,sys; d=json.load(open('$work/load.json')); sys.exit(0 if set(d) == {'version 1.0.0', 'version 2.0.0'} else 1)"

step "the broken 2.1.0 never becomes ready: it gets no traffic and the promotion rolls back"
if "$gantry" promote web --to prod --digest "$broken" >"$work/broken.txt" 2>&1; then cat "$work/broken.txt"; exit 1; fi
tail -n 3 "$work/broken.txt"
expect "rolled back" grep -q "rolled back automatically" "$work/broken.txt"
expect "2.0.0 still served" [ "$(curl -fsS "http://$PROXY/")" = "version 2.0.0" ]

step "roll back to 1.0.0: it is still draining, so the switch is instant"
start=$(date +%s%N)
"$gantry" rollback web --env prod --to "$one" --reason "example" | tail -n 1
echo "rollback took $(( ($(date +%s%N) - start) / 1000000 )) ms"
expect "1.0.0 served again" [ "$(curl -fsS "http://$PROXY/")" = "version 1.0.0" ]
"$gantry" status web

step "stopping the proxy stops every release it ran"
releases_running() { # processes whose working directory is a release folder
    for proc in /proc/[0-9]*; do
        case "$(readlink "$proc/cwd" 2>/dev/null)" in "$GANTRY_HOME"/releases/*) echo "${proc#/proc/}" ;; esac
    done
}
echo "releases running: $(releases_running | wc -l)"
expect "releases running before" [ -n "$(releases_running)" ]
kill "$proxy_pid"
wait "$proxy_pid" || true
proxy_pid=""
expect "no release left running" [ -z "$(releases_running)" ]

echo
echo "rollout example: all checks passed"
