#!/usr/bin/env bash
# Builds a statically linked `alcove` (glibc with crt-static; mimalloc is the allocator).
#
#   packaging/build-static.sh            -> target/x86_64-unknown-linux-gnu/release/alcove
#
# The explicit --target keeps build scripts and proc-macros dynamic (they run on this
# machine at build time); only the shipped binary is static. CARGO_TARGET_DIR is honoured.
# Runs at low priority (nice 10): a release build takes several minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static"
nice -n 10 cargo build --release --locked --target "$target" --bin alcove

bin="${CARGO_TARGET_DIR:-target}/$target/release/alcove"
# A static binary has no interpreter and no NEEDED entries; refuse anything else.
if ldd "$bin" > /dev/null 2>&1 && ! ldd "$bin" 2>&1 | grep -q 'statically linked'; then
  echo "error: $bin is not statically linked:" >&2
  ldd "$bin" >&2
  exit 1
fi
echo "$bin"
