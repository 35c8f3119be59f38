#!/usr/bin/env bash
# The health check: the deployed release must report "ok".
set -euo pipefail
health="$(cat "${DEPLOY_ROOT:-deployments}/$GANTRY_ENV/health")"
[ "$health" = ok ] || { echo "unhealthy: $health" >&2; exit 1; }
