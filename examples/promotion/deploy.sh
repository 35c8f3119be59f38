#!/usr/bin/env bash
# A deploy driver: install the unpacked artifact as the environment's current release, atomically.
# Gantry sets GANTRY_APP, GANTRY_DIGEST, GANTRY_ENV, GANTRY_ARTIFACT_DIR and GANTRY_PREVIOUS_DIGEST.
set -euo pipefail
root="${DEPLOY_ROOT:-deployments}"
mkdir -p "$root"
target="$root/$GANTRY_ENV"
rm -rf "$target.next"
cp -R "$GANTRY_ARTIFACT_DIR" "$target.next"
rm -rf "$target"
mv "$target.next" "$target"
echo "deployed $GANTRY_APP ${GANTRY_DIGEST:7:12} ($(cat "$target/VERSION")) to $GANTRY_ENV; was ${GANTRY_PREVIOUS_DIGEST:7:12}"
