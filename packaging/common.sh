# Sourced by the packaging scripts: where the repository and the static binary are, and
# how a script stops with a message.
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
# The binary packaging/build-static.sh makes.
static_bin="$target_dir/x86_64-unknown-linux-gnu/release/alcove"

die() { echo "error: $*" >&2; exit 1; }
