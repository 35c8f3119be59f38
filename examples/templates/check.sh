#!/usr/bin/env bash
# Runs the templates example, then the same template as a shared git repository: a service pinned to
# a tag runs with CI=true, one following a branch is refused, and `gantry plan --template` shows the
# service losing its test job when the template's next commit drops it.
set -euo pipefail
cd "$(dirname "$0")"
gantry="${GANTRY:-gantry}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CI=true "$gantry" run --file gantry.yml >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
grep -q "\[test\] test: ok" "$work/run.log" || { cat "$work/run.log"; echo "the template's test job did not run" >&2; exit 1; }

# The template as a repository of its own, released as v1.
git() { command git -c user.email=example@example.com -c user.name=example "$@"; }
mkdir -p "$work/templates" "$work/services/greeter"
cp ci/python.yml "$work/templates/python.yml"
git -C "$work/templates" init -q -b main
git -C "$work/templates" add python.yml
git -C "$work/templates" commit -q -m "python template"
git -C "$work/templates" tag v1
cp app.py "$work/services/greeter/"
cat >"$work/services/greeter/gantry.yml" <<'YAML'
include:
  - template: ../../templates
    file: python.yml
    version: v1
jobs:
  package:
    needs: [lint]
    steps:
      - run: echo package
YAML
(cd "$work/services/greeter" && CI=true GANTRY_HOME="$work/state" "$gantry" run >"$work/pinned.log" 2>&1) ||
    { cat "$work/pinned.log"; exit 1; }
grep -q "test: ok" "$work/pinned.log" || { cat "$work/pinned.log"; exit 1; }

# A branch is not a pin: refused when CI=true.
sed 's/version: v1/version: main/' "$work/services/greeter/gantry.yml" >"$work/floating.yml"
cp "$work/floating.yml" "$work/services/greeter/floating.yml"
if (cd "$work/services/greeter" && CI=true "$gantry" validate floating.yml >"$work/floating.log" 2>&1); then
    echo "a template following a branch was accepted with CI=true" >&2; exit 1
fi
grep -q "is not pinned: 'main' is a branch" "$work/floating.log" || { cat "$work/floating.log"; exit 1; }
rm "$work/services/greeter/floating.yml"

# The template's next commit drops the test job: the blast radius shows it before anyone pins it.
python3 - "$work/templates/python.yml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
open(path, "w").write(text[: text.index("  test:")])
PY
git -C "$work/templates" commit -q -am "simplify"
"$gantry" plan --template "$work/templates" --repos "$work/services" >"$work/impact.log"
cat "$work/impact.log"
grep -q -- "- test  removed" "$work/impact.log" || { echo "plan --template did not show the removed test job" >&2; exit 1; }
