#!/usr/bin/env bash
# Gantry's reverse proxy (gantry proxy) against nginx proxying the same upstream, on loopback, with
# the same wrk run (issue: progressive delivery). The upstream is nginx serving a small static file.
#   1. direct to the upstream, 2. through gantry proxy, 3. through nginx as a reverse proxy (keep-alive
#   upstream connections, as many workers as gantry has event loops).
# Prints requests/s and p99 of each, the throughput ratio gantry/nginx (target >= 0.7) and the p99
# gantry adds over direct (target <= 1 ms).
#   DURATION=10s CONNECTIONS=32 bench/proxy.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench/proxy.sh needs wrk and nginx: ./scripts/bootstrap --deps" >&2
    exit 2
}
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
pids=()
stop_all() { # also on success: nothing outlives the benchmark
    # nginx masters stop their workers on QUIT (SIGKILL would orphan them); gantry dies on KILL.
    for pid in "${pids[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "${cleanup_paths[@]}"
}
trap stop_all EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }
cores="$(nproc)"

mkdir -p "$work/www" "$work/upstream" "$work/nginx"
head -c 512 /dev/urandom | base64 >"$work/www/index.html"
chmod -R a+rX "$work"
upstream_port="$(free_port)"
proxy_port="$(free_port)"
gantry_port="$(free_port)"
cat >"$work/upstream/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/upstream/nginx.pid;
error_log $work/upstream/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$upstream_port; root $work/www; }
}
CONF
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $cores;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    upstream release { server 127.0.0.1:$upstream_port; keepalive 128; }
    server {
        listen 127.0.0.1:$proxy_port;
        location / {
            proxy_pass http://release;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
CONF
nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" 2>/dev/null &
pids+=($!)
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>/dev/null &
pids+=($!)
"$gantry" proxy --upstream "release=127.0.0.1:$upstream_port" --listen "127.0.0.1:$gantry_port" >"$work/gantry.out" 2>&1 &
pids+=($!)
wait_port "$upstream_port" && wait_port "$proxy_port" && wait_port "$gantry_port" || { cat "$work"/*.out "$work"/*/error.log; exit 1; }

# wrk's requests/s and p99 (in ms) for one target.
measure() {
    wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$1/index.html" >"$work/wrk.txt"
    local rps p99
    rps="$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")"
    p99="$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; print v}' "$work/wrk.txt")"
    if grep -q "Non-2xx\|Socket errors" "$work/wrk.txt"; then grep "Non-2xx\|Socket errors" "$work/wrk.txt" >&2; fi
    echo "$rps $p99"
}
# Warm up each path once (connection pools, caches).
for port in "$upstream_port" "$gantry_port" "$proxy_port"; do wrk -t1 -c4 -d1s "http://127.0.0.1:$port/index.html" >/dev/null; done
read -r direct_rps direct_p99 < <(measure "$upstream_port")
read -r gantry_rps gantry_p99 < <(measure "$gantry_port")
read -r nginx_rps nginx_p99 < <(measure "$proxy_port")

printf '%-26s %12s %10s\n' "path ($connections connections)" "requests/s" "p99 ms"
printf '%-26s %12.0f %10.3f\n' "direct to the upstream" "$direct_rps" "$direct_p99"
printf '%-26s %12.0f %10.3f\n' "through gantry proxy" "$gantry_rps" "$gantry_p99"
printf '%-26s %12.0f %10.3f\n' "through nginx" "$nginx_rps" "$nginx_p99"
awk -v g="$gantry_rps" -v n="$nginx_rps" -v gp="$gantry_p99" -v dp="$direct_p99" 'BEGIN {
    printf "throughput: gantry/nginx = %.2fx (target >= 0.70)\n", g / n
    printf "p99 added by gantry over direct: %.3f ms (target <= 1 ms)\n", gp - dp
}'
