#!/usr/bin/env bash
# Stages the build context for packaging/Containerfile and builds the image alcove:<version>
# with docker (or podman) when one is there and its daemon answers.
#
#   packaging/build-container.sh [STATIC_BINARY [CONTEXT_DIR]]
#
# STATIC_BINARY defaults to packaging/build-static.sh's output. Without a container engine
# the staged context is left in CONTEXT_DIR (default target/container) for another machine.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
bin="${1:-$static_bin}"
ctx="${2:-$target_dir/container}"
[ -x "$bin" ] || die "no alcove binary at $bin (build it with packaging/build-static.sh)"
# FROM scratch has no C library: only a static binary runs there.
if readelf -d "$bin" 2> /dev/null | grep -q '(NEEDED)'; then
  die "$bin is dynamically linked; the scratch image needs packaging/build-static.sh's binary"
fi
certs=/etc/ssl/certs/ca-certificates.crt
[ -s "$certs" ] || die "no $certs (Debian package ca-certificates)"
version="$("$bin" --version | sed -n 's/^alcove \([^ ]*\) .*/\1/p')"

rm -rf "$ctx"
mkdir -p "$ctx/etc/ssl/certs" "$ctx/data" "$ctx/tmp"
install -m 0755 "$bin" "$ctx/alcove"
strip --strip-unneeded --remove-section=.comment "$ctx/alcove"
install -m 0644 "$certs" "$ctx/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/:/nonexistent\nalcove:x:10001:10001:Alcove:/data:/nonexistent\n' > "$ctx/etc/passwd"
printf 'root:x:0:\nalcove:x:10001:\n' > "$ctx/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$ctx/etc/nsswitch.conf"
chmod 0644 "$ctx/etc/passwd" "$ctx/etc/group" "$ctx/etc/nsswitch.conf"
cp "$here/Containerfile" "$ctx/Containerfile"

for engine in docker podman; do
  if command -v "$engine" > /dev/null && "$engine" info > /dev/null 2>&1; then
    "$engine" build -f "$ctx/Containerfile" -t "alcove:$version" "$ctx" >&2
    echo "alcove:$version"
    exit 0
  fi
done
echo "no container engine answers here; the build context is staged in $ctx" >&2
echo "$ctx"
