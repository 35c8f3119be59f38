# Shared set-up for bench/*.sh (sourced): the release binary in $gantry, a scratch folder in $work
# that is removed on exit, and hyperfine's JSON results read back by mean.
cd "$(dirname "$0")/.."
gantry="$(realpath "${GANTRY:-.build/release/gantry}")"
[ -x "$gantry" ] || { echo "build first: swift build -c release (or ./scripts/bootstrap)" >&2; exit 2; }
work="$(mktemp -d)"
cleanup_paths=("$work")
trap 'rm -rf "${cleanup_paths[@]}"' EXIT
