#!/usr/bin/env bash
# Gantry's reverse proxy (gantry proxy) against nginx proxying the same upstream, on loopback, with
# the same wrk runs (issue: progressive delivery). The upstream is nginx serving a small static file.
# Three paths: direct to the upstream, through gantry proxy, through nginx as a reverse proxy
# (keep-alive upstream connections, as many workers as gantry has event loops).
#   1. Throughput: wrk at saturation (CONNECTIONS connections), the three paths in turn, ROUNDS times;
#      the ratio gantry/nginx is the median of each round's ratio (target >= 0.7): the two runs of a
#      round are seconds apart, so a slow minute on this shared machine weighs on both.
#   2. Latency: wrk paced (each of LATENCY_CONNECTIONS connections waits 1 ms between requests,
#      well under every path's capacity), ROUNDS times; what gantry adds to the p99 over going direct
#      is the median of each round's difference (target <= 1 ms). At saturation a p99 measures the
#      queue, not the proxy (on these 2-core machines wrk, the upstream and the proxy share the
#      cores): it is printed, as a consequence of the throughput, not judged.
#   DURATION=5s CONNECTIONS=32 LATENCY_CONNECTIONS=2 ROUNDS=5 bench/proxy.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench/proxy.sh needs wrk and nginx: ./scripts/bootstrap --deps" >&2
    exit 2
}
duration="${DURATION:-5s}"
connections="${CONNECTIONS:-32}"
latency_connections="${LATENCY_CONNECTIONS:-2}"
rounds="${ROUNDS:-5}"
pids=()
stop_all() { # also on success: nothing outlives the benchmark
    # nginx masters stop their workers on QUIT (SIGKILL would orphan them); gantry stops on TERM.
    for pid in "${pids[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
    [ -n "${gantry_pid:-}" ] && kill -TERM "$gantry_pid" 2>/dev/null
    sleep 0.5
    for pid in "${pids[@]}" ${gantry_pid:+"$gantry_pid"}; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
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
gantry_pid=$!
wait_port "$upstream_port" && wait_port "$proxy_port" && wait_port "$gantry_port" || { cat "$work"/*.out "$work"/*/error.log; exit 1; }

cat >"$work/pace.lua" <<'LUA'
-- Each connection waits 1 ms after a response before its next request.
function delay() return 1 end
LUA

# wrk's requests/s and p99 (in ms) for one target; extra arguments go to wrk.
measure() {
    local port="$1"
    shift
    wrk -t2 --latency "$@" "http://127.0.0.1:$port/index.html" >"$work/wrk.txt"
    local rps p99
    rps="$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")"
    p99="$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; print v}' "$work/wrk.txt")"
    if grep -q "Non-2xx\|Socket errors" "$work/wrk.txt"; then grep "Non-2xx\|Socket errors" "$work/wrk.txt" >&2; fi
    echo "$rps $p99"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Warm up each path once (connection pools, caches).
for port in "$upstream_port" "$gantry_port" "$proxy_port"; do wrk -t1 -c4 -d1s "http://127.0.0.1:$port/index.html" >/dev/null; done
paths=(direct gantry nginx)
declare -A port_of=([direct]="$upstream_port" [gantry]="$gantry_port" [nginx]="$proxy_port")
declare -A rps_runs p99_runs paced_runs
ratios=""
gantry_added=""
nginx_added=""
for round in $(seq 1 "$rounds"); do
    for path in "${paths[@]}"; do
        read -r rps p99 < <(measure "${port_of[$path]}" -c"$connections" -d"$duration")
        rps_runs[$path]+="$rps "
        p99_runs[$path]+="$p99 "
        [ "$path" = gantry ] && gantry_rps="$rps"
        [ "$path" = nginx ] && ratios+="$(awk -v g="$gantry_rps" -v n="$rps" 'BEGIN {printf "%.2f", g / n}') "
    done
    for path in "${paths[@]}"; do
        read -r _ p99 < <(measure "${port_of[$path]}" -c"$latency_connections" -d"$duration" -s "$work/pace.lua")
        paced_runs[$path]+="$p99 "
        case "$path" in
        direct) direct_p99="$p99" ;;
        gantry) gantry_added+="$(awk -v a="$p99" -v b="$direct_p99" 'BEGIN {printf "%.3f", a - b}') " ;;
        nginx) nginx_added+="$(awk -v a="$p99" -v b="$direct_p99" 'BEGIN {printf "%.3f", a - b}') " ;;
        esac
    done
done
declare -A rps_median p99_median paced_median
for path in "${paths[@]}"; do
    rps_median[$path]="$(tr ' ' '\n' <<<"${rps_runs[$path]}" | grep . | median)"
    p99_median[$path]="$(tr ' ' '\n' <<<"${p99_runs[$path]}" | grep . | median)"
    paced_median[$path]="$(tr ' ' '\n' <<<"${paced_runs[$path]}" | grep . | median)"
done

echo "medians of $rounds rounds of $duration each; each round below its median"
printf '%-24s %12s %16s %16s\n' "path" "requests/s" "p99 ms" "paced p99 ms"
printf '%-24s %12s %16s %16s\n' "" "($connections conns)" "($connections conns)" "($latency_connections conns)"
for path in "${paths[@]}"; do
    case "$path" in direct) label="direct to the upstream" ;; gantry) label="through gantry proxy" ;; nginx) label="through nginx" ;; esac
    printf '%-24s %12.0f %16.3f %16.3f\n' "$label" "${rps_median[$path]}" "${p99_median[$path]}" "${paced_median[$path]}"
    printf '%-24s %s| %s| %s\n' "" "${rps_runs[$path]}" "${p99_runs[$path]}" "${paced_runs[$path]}"
done
ratio="$(tr ' ' '\n' <<<"$ratios" | grep . | median)"
added="$(tr ' ' '\n' <<<"$gantry_added" | grep . | median)"
nginx_median="$(tr ' ' '\n' <<<"$nginx_added" | grep . | median)"
awk -v ratio="$ratio" -v rounds="$ratios" -v added="$added" -v gantry_rounds="$gantry_added" \
    -v nginx="$nginx_median" 'BEGIN {
    printf "throughput: gantry/nginx = %.2fx, the median of the rounds %s(target >= 0.70)\n", ratio, rounds
    printf "p99 added over direct at a paced load: gantry %.3f ms, the median of the rounds %s(target <= 1 ms); nginx %.3f ms\n", added, gantry_rounds, nginx
}'
