#!/usr/bin/env bash
# The promotion story end to end: build and pack once → dev → staging (approval) → prod (approval with
# TOTP) → a bad release whose health check fails and is rolled back automatically → a manual
# 'gantry rollback' → reject → 'gantry audit verify'. Every step checks what it expects.
set -euo pipefail
cd "$(dirname "$0")"
# The binary: $GANTRY, else gantry on the PATH, else this checkout's release build.
gantry="${GANTRY:-$(command -v gantry || echo "$PWD/../../.build/release/gantry")}"
export GANTRY_HOME="${GANTRY_HOME:-$PWD/.gantry}"
export DEPLOY_ROOT
DEPLOY_ROOT="$(mktemp -d)"
trap 'rm -rf "$DEPLOY_ROOT" dist' EXIT
rm -rf "$GANTRY_HOME"
export CI=true GANTRY_ACTOR=dana

step() { printf '\n== %s\n' "$*"; }
fails() { # fails "what" command...: the command must exit non-zero
    local what="$1"; shift
    if "$@"; then echo "expected failure: $what" >&2; exit 1; fi
    echo "(refused as expected: $what)"
}
digest_of_latest() { "$gantry" artifact inspect web:latest --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
totp() { # the current RFC 6238 code for an otpauth:// URI, as an authenticator app computes it
    python3 - "$1" <<'PY'
import base64, hmac, struct, sys, time, urllib.parse
secret = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)["secret"][0]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
mac = hmac.digest(key, struct.pack(">Q", int(time.time()) // 30), "sha1")
offset = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}

step "set up: a signing key, two approvers (bob uses TOTP), offline vulnerability data"
"$gantry" keys generate
"$gantry" vulndb import osv
"$gantry" users add ops --role admin                 # the first user is the admin
"$gantry" users add alice --role releaser --as ops
"$gantry" users add bob --role releaser --as ops
fails "a releaser adding users" "$gantry" users add mallory --role admin --as alice
uri="$("$gantry" users totp-enroll bob --as bob)"
fails "dana re-enrolling bob's TOTP to approve as him" "$gantry" users totp-enroll bob --as dana

step "build and pack release 1.0.0 once"
RELEASE=1.0.0 "$gantry" run --file gantry.yml >/dev/null
good="$(digest_of_latest)"
echo "built web@$good"

step "promote to dev (no approval needed)"
"$gantry" promote web --to dev --digest "$good"
[ "$(cat "$DEPLOY_ROOT/dev/VERSION")" = 1.0.0 ]

step "staging requires dev, and an approval"
id="$("$gantry" promote web --to staging --from dev --json | json_field '["id"]')"
fails "dana approving her own promotion" "$gantry" approve "$id" --as dana
"$gantry" approve "$id" --as alice
[ "$(cat "$DEPLOY_ROOT/staging/VERSION")" = 1.0.0 ]

step "prod needs a releaser's approval with a TOTP code"
id="$("$gantry" promote web --to prod --from staging --json | json_field '["id"]')"
fails "a wrong TOTP code" "$gantry" approve "$id" --as bob --totp 000000
"$gantry" approve "$id" --as bob --totp "$(totp "$uri")"
[ "$(cat "$DEPLOY_ROOT/prod/VERSION")" = 1.0.0 ]

step "release 1.1.0 is broken: its health check fails in dev and dev is rolled back automatically"
RELEASE=1.1.0 HEALTH=broken "$gantry" run --file gantry.yml >/dev/null
bad="$(digest_of_latest)"
fails "promoting a broken release" "$gantry" promote web --to dev --digest "$bad"
[ "$(cat "$DEPLOY_ROOT/dev/VERSION")" = 1.0.0 ]
[ "$("$gantry" status web --json | json_field '[0]["current"]["digest"]')" = "$good" ]
fails "skipping dev: staging requires it" "$gantry" promote web --to staging --digest "$bad"

step "release 1.2.0 deploys fine, then we roll dev back by hand and reject it"
RELEASE=1.2.0 "$gantry" run --file gantry.yml >/dev/null
newer="$(digest_of_latest)"
"$gantry" promote web --to dev --digest "$newer"
[ "$(cat "$DEPLOY_ROOT/dev/VERSION")" = 1.2.0 ]
"$gantry" rollback web --env dev --reason "customer reports on 1.2.0"
[ "$(cat "$DEPLOY_ROOT/dev/VERSION")" = 1.0.0 ]
"$gantry" reject "web@$newer" --reason "breaks checkout"
fails "promoting a rejected digest" "$gantry" promote web --to dev --digest "$newer"

step "release 1.3.0 pins a vulnerable flask: prod's policy gate refuses it"
FLASK=2.2.0 RELEASE=1.3.0 "$gantry" run --file gantry.yml >/dev/null
vulnerable="$(digest_of_latest)"
fails "a digest with CVSS >= 7.0 against prod's policy" "$gantry" policy check "web@$vulnerable" --env prod
"$gantry" policy check "web@$good" --env prod

step "what runs where, and what happened"
"$gantry" status web
"$gantry" history web --env dev
"$gantry" audit verify
echo "promotion: build once, promoted dev → staging → prod, rolled back twice, audit chain intact"
