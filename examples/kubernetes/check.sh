#!/usr/bin/env bash
# The Kubernetes driver end to end, against the stand-in kubectl: a promotion that needs its secret,
# renders the manifests with the image pinned by digest, applies them server-side and waits for the
# rollout; the rendering validates against the Kubernetes schemas; a release whose rollout fails is
# rolled back by re-applying the good release's kept rendering.
set -euo pipefail
cd "$(dirname "$0")"
# The binary: $GANTRY, else gantry on the PATH, else this checkout's release build.
gantry="${GANTRY:-$(command -v gantry || echo "$PWD/../../.build/release/gantry")}"
export GANTRY_HOME="${GANTRY_HOME:-$PWD/.gantry}"
work="$(mktemp -d)"
trap 'rm -rf "$work" dist' EXIT
rm -rf "$GANTRY_HOME"
export CI=true GANTRY_ACTOR=dana KUBECTL_LOG="$work/kubectl.log"
unset KUBE_TOKEN

step() { printf '\n== %s\n' "$*"; }
expect() { # expect "what" condition...
    local what="$1"; shift
    "$@" || { echo "expected: $what" >&2; exit 1; }
}
digest_of_latest() { "$gantry" artifact inspect web:latest --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }

step "build and pack release 1.0.0 once"
"$gantry" keys generate >/dev/null
RELEASE=1.0.0 "$gantry" run --file gantry.yml >/dev/null
good="$(digest_of_latest)"
echo "built web@$good"

step "without the environment's secret nothing is deployed (exit 2)"
set +e
"$gantry" promote web --to prod --digest "$good" 2>"$work/missing.txt"
status=$?
set -e
cat "$work/missing.txt"
expect "exit 2" [ "$status" = 2 ]
expect "the missing secret named" grep -q "KUBE_TOKEN was not given" "$work/missing.txt"
expect "no kubectl call" [ ! -e "$KUBECTL_LOG" ]

step "promote 1.0.0 to prod with the secret"
export KUBE_TOKEN="kube-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$gantry" promote web --to prod --digest "$good" --secret KUBE_TOKEN | tee "$work/promote.txt"
cat "$KUBECTL_LOG"
expect "apply --server-side" grep -q "^kubectl --namespace shop apply --server-side --field-manager=gantry -f " "$KUBECTL_LOG"
expect "a wait for the rollout" grep -q "^kubectl --namespace shop rollout status deployment/web --timeout=120s$" "$KUBECTL_LOG"
expect "the image pinned by digest" grep -q "image: \"registry.example.com/team/web@$good\"" "$work/applied-1.yaml"
expect "no tag left" sh -c "! grep -q ':main' '$work/applied-1.yaml'"
expect "kubectl's output masked" grep -q "authenticated with token \*\*\*" "$work/promote.txt"
expect "the token nowhere in the output" sh -c "! grep -q '$KUBE_TOKEN' '$work/promote.txt'"

validator="../../.build/python-tools/bin/kubernetes-validate"
if [ -x "$validator" ]; then
    step "the rendering is valid Kubernetes (kubernetes-validate --strict)"
    "$validator" --strict "$work/applied-1.yaml"
fi

step "release 2.0.0's rollout fails: last-known-good's kept rendering is applied again"
RELEASE=2.0.0 "$gantry" run --file gantry.yml >/dev/null
bad="$(digest_of_latest)"
touch "$KUBECTL_LOG.fail"
set +e
"$gantry" promote web --to prod --digest "$bad" --secret KUBE_TOKEN > "$work/bad.txt" 2>&1
status=$?
set -e
cat "$work/bad.txt"
expect "exit 1" [ "$status" = 1 ]
expect "rolled back" grep -q "rolled back automatically" "$work/bad.txt"
last="$(ls -v "$work"/applied-*.yaml | tail -n 1)"
expect "the good digest re-applied" grep -q "@$good" "$last"
"$gantry" status web

echo
echo "kubernetes example: all checks passed"
