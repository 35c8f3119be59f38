#!/usr/bin/env bash
# gantry serve under load, side by side with nginx on loopback (issue: the team's delivery server):
#   1. GET /api/v1/runs?limit=50 with 10,000 runs stored, against nginx serving the same JSON as a
#      static file: wrk, 2 threads, 64 connections. Prints the req/s ratio and both p99s
#      (targets: >= 0.5x nginx, p99 <= 10 ms).
#   2. Webhook to queued: unique signed GitHub deliveries, one after another on a kept-alive
#      connection; p50 and p99 of the 202 answer (target: p99 <= 20 ms).
#   3. Resident memory: idle after start, and after >= 100,000 API requests (target: idle <= 60 MB,
#      no growth beyond 10%).
#   DURATION=10s RUNS=10000 DELIVERIES=500 bench/server.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench/server.sh needs wrk and nginx: ./scripts/bootstrap --deps" >&2
    exit 2
}
duration="${DURATION:-10s}"
runs="${RUNS:-10000}"
deliveries="${DELIVERIES:-500}"
server_pid=""
nginx_pid=""
stop_all() { # also on success: the server and nginx never outlive the benchmark
    [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
    rm -rf "${cleanup_paths[@]}"
}
trap stop_all EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# A project, a token, and $runs runs in the state.
git init -q -b main "$work/repo"
printf 'name: bench\njobs:\n  build:\n    steps:\n      - run: "true"\n' >"$work/repo/gantry.yml"
git -C "$work/repo" add gantry.yml
git -C "$work/repo" -c user.email=b@example.com -c user.name=b commit -q -m pipeline
commit="$(git -C "$work/repo" rev-parse HEAD)"
token="$("$gantry" tokens create --user bench --role viewer --data "$work/data" 2>/dev/null | tail -n 1)"
sqlite3 "$work/data/state.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $runs)
INSERT INTO runs (id, correlation, pipelineName, pipelineFile, pipelineDigest, status, startedAt, finishedAt,
    durationMs, commitSHA, branch, toolVersions, project)
SELECT printf('20261101-%06d-%06x', i, i), printf('c-%d', i), 'bench', 'gantry.yml',
    'sha256:' || hex(randomblob(32)), CASE WHEN i % 7 = 0 THEN 'failure' ELSE 'success' END,
    strftime('%Y-%m-%d %H:%M:%f', '2026-11-01', printf('+%d seconds', i)),
    strftime('%Y-%m-%d %H:%M:%f', '2026-11-01', printf('+%d seconds', i + 30)), 30000,
    lower(hex(randomblob(20))), 'main', '{}', 'repo'
FROM n;
SQL

port="$(free_port)"
(cd "$work/repo" && GANTRY_WEBHOOK_SECRET=bench-webhook-secret exec "$gantry" serve --addr "127.0.0.1:$port" \
    --data "$work/data" >"$work/serve.out" 2>"$work/serve.log") &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$work/serve.out" || { cat "$work/serve.log"; exit 1; }
sleep 1
idle_rss="$(rss_mb "$server_pid")"
api="http://127.0.0.1:$port/api/v1/runs?limit=50"

# The same JSON as a static file behind nginx.
mkdir -p "$work/www" "$work/nginx"
curl -sS -H "Authorization: Bearer $token" "$api" >"$work/www/runs.json"
chmod -R a+rX "$work"
nginx_port="$(free_port)"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>/dev/null &
nginx_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$nginx_port/runs.json" >/dev/null && break; sleep 0.1; done

measure() { # name, then wrk arguments; prints "req/s p99ms"
    wrk -t2 -c64 -d"$duration" --latency "$@" >"$work/wrk.txt"
    python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
requests = int(re.search(r"(\d+) requests in", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p99:.2f} {requests} {errors.group(1) if errors else 0}")
PY
}
read -r g_rps g_p99 g_requests g_errors < <(measure -H "Authorization: Bearer $token" "$api")
read -r n_rps n_p99 _ _ < <(measure "http://127.0.0.1:$nginx_port/runs.json")
[ "$g_errors" = 0 ] || { echo "gantry answered $g_errors requests with an error" >&2; exit 1; }
# Another round so that the total passes 100,000 requests, then the memory again.
read -r _ _ g_requests2 _ < <(measure -H "Authorization: Bearer $token" "$api")
loaded_rss="$(rss_mb "$server_pid")"

# Webhook to queued: unique signed deliveries on one kept-alive connection.
python3 - "$port" "$commit" "$deliveries" >"$work/hooks.txt" <<'PY'
import hashlib, hmac, http.client, json, sys, time
port, commit, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)
times = []
for i in range(count):
    body = json.dumps({"ref": "refs/heads/main", "after": commit, "commits": [{"added": [f"f{i}.txt"], "modified": [], "removed": []}]}).encode()
    signature = "sha256=" + hmac.new(b"bench-webhook-secret", body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": f"bench-{i}", "X-Hub-Signature-256": signature,
               "Content-Type": "application/json"}
    start = time.perf_counter()
    connection.request("POST", "/hooks/github", body, headers)
    response = connection.getresponse()
    response.read()
    times.append((time.perf_counter() - start) * 1000)
    assert response.status == 202, response.status
times.sort()
print(f"{times[len(times) // 2]:.2f} {times[int(len(times) * 0.99) - 1]:.2f}")
PY
read -r hook_p50 hook_p99 <"$work/hooks.txt"

total=$((g_requests + g_requests2))
python3 - <<PY
g, n = $g_rps, $n_rps
print(f"GET /api/v1/runs?limit=50 ({$runs} runs stored), wrk -t2 -c64 -d$duration:")
print(f"  gantry serve  {g:9.0f} req/s  p99 {$g_p99:6.2f} ms")
print(f"  nginx static  {n:9.0f} req/s  p99 {$n_p99:6.2f} ms")
print(f"  ratio gantry/nginx: {g / n:.2f}x (target >= 0.5x); gantry p99 {$g_p99:.2f} ms (target <= 10 ms)")
print(f"webhook to queued ({$deliveries} unique signed deliveries): p50 {$hook_p50:.2f} ms, p99 {$hook_p99:.2f} ms (target p99 <= 20 ms)")
print(f"RSS: idle {$idle_rss:.1f} MB (target <= 60 MB); after {$total:,} API requests {$loaded_rss:.1f} MB "
      f"({($loaded_rss / $idle_rss - 1) * 100:+.0f}%)")
PY
kill -TERM "$server_pid" && wait "$server_pid" || true
server_pid=""
