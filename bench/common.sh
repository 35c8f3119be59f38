# Shared set-up for bench/*.sh (sourced): the release binary in $gantry, a scratch folder in $work
# that is removed on exit, and hyperfine's JSON results read back by mean.
cd "$(dirname "$0")/.."
# The binary measured: $GANTRY, else the one scripts/release ships (Swift runtime linked in, built
# by scripts/bench into .build/static), else the plain release build.
if [ -z "${GANTRY:-}" ]; then
    GANTRY=.build/release/gantry
    [ -x .build/static/release/gantry ] && GANTRY=.build/static/release/gantry
fi
gantry="$(realpath "$GANTRY")"
[ -x "$gantry" ] || { echo "build first: scripts/bench (or swift build -c release)" >&2; exit 2; }
echo "measuring $GANTRY" >&2
work="$(mktemp -d)"
cleanup_paths=("$work")
trap 'rm -rf "${cleanup_paths[@]}"' EXIT
