#!/usr/bin/env bash
# The server story end to end: a project in a git repository, `gantry serve --config`, a token, a
# signed GitHub push webhook for one commit, the run it queues, the API showing it, and SIGTERM.
#   GANTRY=.build/debug/gantry examples/server/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gantry="$(realpath "${GANTRY:-.build/debug/gantry}")"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A repository with the example pipeline, committed.
git init -q -b main "$work/repo"
cp "$here/gantry.yml" "$work/repo/"
git -C "$work/repo" add gantry.yml
git -C "$work/repo" -c user.email=demo@example.com -c user.name=demo commit -q -m "pipeline"
commit="$(git -C "$work/repo" rev-parse HEAD)"
sed "s|REPOSITORY|$work/repo|" "$here/server.yml" >"$work/server.yml"

export DEMO_WEBHOOK_SECRET="demo-webhook-secret"  # gantry:allow-secret (an example's value)
token="$("$gantry" tokens create --user demo --role viewer --data "$work/data" 2>/dev/null | tail -n 1)"

"$gantry" serve --config "$work/server.yml" --data "$work/data" --addr 127.0.0.1:0 \
    >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*listening on //p' "$work/serve.out")"
[ -n "$url" ] || { cat "$work/serve.log"; echo "the server did not start" >&2; exit 1; }
echo "server at $url"

# What GitHub sends on a push: the payload, its HMAC-SHA256 and a delivery id.
payload="{\"ref\":\"refs/heads/main\",\"after\":\"$commit\",\"commits\":[{\"added\":[\"gantry.yml\"],\"modified\":[],\"removed\":[]}]}"
signature="sha256=$(printf '%s' "$payload" | openssl dgst -sha256 -hmac "$DEMO_WEBHOOK_SECRET" -r | cut -d' ' -f1)"
answer="$(curl -sS -X POST "$url/hooks/github/demo" -H "X-GitHub-Event: push" -H "X-GitHub-Delivery: demo-1" \
    -H "X-Hub-Signature-256: $signature" -H "Content-Type: application/json" -d "$payload")"
queue_id="$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
echo "queued $queue_id"

# The same delivery again starts nothing.
replay="$(curl -sS -X POST "$url/hooks/github/demo" -H "X-GitHub-Event: push" -H "X-GitHub-Delivery: demo-1" \
    -H "X-Hub-Signature-256: $signature" -d "$payload")"
case "$replay" in *duplicate*) ;; *) echo "a replayed delivery was not refused: $replay" >&2; exit 1 ;; esac

status=""
for _ in $(seq 1 300); do
    status="$(curl -sS -H "Authorization: Bearer $token" "$url/api/v1/queue/$queue_id" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
    case "$status" in queued | started) sleep 0.1 ;; *) break ;; esac
done
[ "$status" = finished ] || { cat "$work/serve.log"; echo "the run ended $status" >&2; exit 1; }
curl -sS -H "Authorization: Bearer $token" "$url/api/v1/runs?project=demo&limit=1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"][0]; print("run", r["id"], r["status"], "on", r["commit_sha"][:12], r["branch"]); assert r["status"]=="success"'

# The CLI against the server: the same commands, the state on the server.
GANTRY_TOKEN="$token" "$gantry" runs list --server "$url" --limit 1
GANTRY_TOKEN="$token" "$gantry" logs latest --server "$url" | grep -q "tests pass" ||
    { echo "gantry logs --server did not show the run's output" >&2; exit 1; }

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" = 0 ] || { cat "$work/serve.log"; echo "the server exited $status after SIGTERM" >&2; exit 1; }
echo "server stopped cleanly"
