#!/usr/bin/env bash
# Builds alcove_<version>_<arch>.deb from an alcove binary, with dpkg-deb alone.
#
#   packaging/build-deb.sh [BINARY [OUT_DIR]]
#
# BINARY defaults to the static build (packaging/build-static.sh), OUT_DIR to target/deb.
# Prints the path of the package. DEB_COMPRESSION=gzip (default xz) packs faster, for tests.
# The binary is copied and stripped, never changed in place.
# A dynamically linked binary (a debug build, as the tests use) gets its library
# dependencies from dpkg-shlibdeps; the static one depends on adduser only.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
bin="${1:-$static_bin}"
out="${2:-$target_dir/deb}"
[ -x "$bin" ] || die "no alcove binary at $bin (build it with packaging/build-static.sh, or name one)"
for tool in dpkg-deb strip gzip md5sum; do
  command -v "$tool" > /dev/null || die "$tool is needed (Debian packages dpkg, binutils, gzip, coreutils)"
done

# The version: the binary says it ("alcove 0.1.0 (data schema 8)"); the changelog's newest
# entry must be for it, so a version bump without a changelog entry fails here.
upstream="$("$bin" --version | sed -n 's/^alcove \([^ ]*\) .*/\1/p')"
[ -n "$upstream" ] || die "$bin --version did not print a version"
version="$(sed -n '1s/^alcove (\(.*\)) .*/\1/p' "$here/deb/changelog")"
[ "${version%-*}" = "$upstream" ] ||
  die "packaging/deb/changelog's newest entry is $version, the binary is $upstream: add an entry"
arch="$(dpkg --print-architecture)"
# Reproducible: every timestamp is the changelog entry's date.
SOURCE_DATE_EPOCH="$(date -d "$(sed -n 's/^ -- .*>  //p' "$here/deb/changelog" | head -n 1)" +%s)"
export SOURCE_DATE_EPOCH

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/pkg"
umask 022

install -D -m 0755 "$bin" "$pkg/usr/bin/alcove"
strip --strip-unneeded --remove-section=.comment "$pkg/usr/bin/alcove"
install -D -m 0644 "$here/alcove.service" "$pkg/lib/systemd/system/alcove.service"
install -D -m 0644 "$here/alcove.toml" "$pkg/etc/alcove/alcove.toml"
doc="$pkg/usr/share/doc/alcove"
install -D -m 0644 "$here/deb/copyright" "$doc/copyright"
gzip -9n < "$here/deb/changelog" > "$doc/changelog.Debian.gz"
gzip -9n < "$root/README.md" > "$doc/README.md.gz"
mkdir -p "$pkg/usr/share/man/man1"
gzip -9n < "$here/alcove.1" > "$pkg/usr/share/man/man1/alcove.1.gz"
install -D -m 0644 "$here/deb/lintian-overrides" "$pkg/usr/share/lintian/overrides/alcove"
chmod 0644 "$doc"/*.gz "$pkg/usr/share/man/man1/alcove.1.gz"

# Library dependencies, for a dynamically linked binary only.
depends=""
if readelf -d "$pkg/usr/bin/alcove" 2> /dev/null | grep -q '(NEEDED)'; then
  command -v dpkg-shlibdeps > /dev/null || die "dpkg-shlibdeps (Debian package dpkg-dev) is needed for a dynamic binary"
  mkdir -p "$stage/src/debian"
  printf 'Source: alcove\n\nPackage: alcove\nArchitecture: any\n' > "$stage/src/debian/control"
  shlibs="$(cd "$stage/src" && dpkg-shlibdeps -O "$pkg/usr/bin/alcove" 2> /dev/null)"
  depends=", ${shlibs#shlibs:Depends=}"
fi

mkdir -p "$pkg/DEBIAN"
install -m 0644 "$here/deb/conffiles" "$pkg/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$here/deb/$script" "$pkg/DEBIAN/$script"
done
size="$(du -k -s --exclude=DEBIAN "$pkg" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  -e "s/@DEPENDS@/$depends/" "$here/deb/control.in" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
  xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums"
find "$pkg" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb="$out/alcove_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z${DEB_COMPRESSION:-xz}" --build "$pkg" "$deb" > /dev/null
echo "$deb"
