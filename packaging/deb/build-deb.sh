#!/usr/bin/env bash
# build-deb.sh DIR OUTDIR: turn DIR, a tree `make install DESTDIR=DIR
# PREFIX=/usr` laid out (staged as DIR = WORK/debian/stratd), into
# OUTDIR/stratd_VERSION_ARCH.deb with dpkg-deb, and print its path.
# `make deb` runs it; the version and maintainer come from
# packaging/deb/changelog, whose version must be stratd's (STRATD_VERSION).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=$1 out=$2

for tool in dpkg-shlibdeps:dpkg-dev dpkg-parsechangelog:dpkg-dev strip:binutils; do
  command -v "${tool%%:*}" >/dev/null ||
    { echo "build-deb: ${tool%%:*} missing: run 'make setup' as root (Debian package ${tool#*:})" >&2; exit 1; }
done

version=$(dpkg-parsechangelog -l "$here/changelog" -S Version)
maintainer=$(dpkg-parsechangelog -l "$here/changelog" -S Maintainer)
code_version=$(sed -n 's/^#define STRATD_VERSION "\(.*\)"$/\1/p' "$root/daemon/stratd.h")
if [ "$version" != "$code_version" ]; then
  echo "build-deb: packaging/deb/changelog is at $version but STRATD_VERSION is $code_version: add a changelog entry" >&2
  exit 1
fi
arch=$(dpkg --print-architecture)
# file dates in the package: the changelog entry's (reproducible builds)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(dpkg-parsechangelog -l "$here/changelog" -S Timestamp)}

# Debian's layout: stripped binaries, compressed man pages, the copyright
# and the (native package's) changelog in /usr/share/doc/stratd.
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$stage"/usr/bin/stratd "$stage"/usr/bin/stratctl "$stage"/usr/bin/exsim
find "$stage/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +
install -m 0644 "$here/copyright" "$stage/usr/share/doc/stratd/copyright"
gzip -9nc "$here/changelog" >"$stage/usr/share/doc/stratd/changelog.gz"
chmod 0644 "$stage/usr/share/doc/stratd/changelog.gz"

chmod -R u+rwX,go=rX "$stage"   # whatever the umask was

# DEBIAN/: control (library dependencies from dpkg-shlibdeps), conffiles,
# maintainer scripts, md5sums.
work=$(dirname "$(dirname "$stage")")
mkdir -p "$work/debian" "$stage/DEBIAN"
: >"$work/debian/control"   # dpkg-shlibdeps wants one; the binaries name their libraries
depends=$(cd "$work" && dpkg-shlibdeps -O "${stage#"$work"/}"/usr/bin/* 2>/dev/null |
          sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" "$here/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find etc -type f -printf '/%p\n' | sort) >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$here/$s" "$stage/DEBIAN/$s"; done
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
   xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/stratd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
