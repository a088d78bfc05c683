#!/usr/bin/env bash
# make deb builds a lintian-clean package holding the binaries (without test
# hooks), the unit, its sysusers/tmpfiles snippets, the conffile and the man
# pages; unpacked into a throwaway root it runs and its man pages render.
. "$(dirname "$0")/lib.sh"
BUILD_DIR=$(dirname "$BIN")
for tool in dpkg-deb dpkg-shlibdeps lintian man; do
  command -v $tool >/dev/null || { fail "$tool not installed (make setup)"; finish; }
done

make -s -C "$ROOT" BUILD="$BUILD_DIR" deb >"$T/deb.log" 2>&1
check "make deb succeeds" [ $? = 0 ]
deb=$(tail -n 1 "$T/deb.log")
case $deb in /*) ;; *) deb=$ROOT/$deb ;; esac
in_build() { [ -s "$deb" ] && [ "$(dirname "$deb")" -ef "$BUILD_DIR" ]; }
check "the package is in the build directory" in_build
[ -s "$deb" ] || finish

dpkg-deb -c "$deb" | awk '{print $NF}' >"$T/contents"
for f in usr/bin/stratd usr/bin/stratctl usr/bin/exsim lib/systemd/system/stratd.service \
         usr/lib/sysusers.d/stratd.conf usr/lib/tmpfiles.d/stratd.conf etc/stratd/stratd.yaml \
         usr/share/man/man8/stratd.8.gz usr/share/man/man1/stratctl.1.gz usr/share/man/man1/exsim.1.gz \
         usr/share/doc/stratd/copyright usr/share/doc/stratd/changelog.gz; do
  check "dpkg-deb -c lists $f" grep -qx "\./$f" "$T/contents"
done
check "no test binary in the package" bash -c "! grep -q stratd-test '$T/contents'"
dpkg-deb -e "$deb" "$T/DEBIAN"
check "stratd.yaml is a conffile" grep -qx /etc/stratd/stratd.yaml "$T/DEBIAN/conffiles"
check "depends on the libraries it links" grep -q '^Depends:.*librocksdb.*libuv1' "$T/DEBIAN/control"

# unpacked into a throwaway root (no maintainer scripts, any user)
dpkg-deb -x "$deb" "$T/root"
version=$(dpkg-deb -f "$deb" Version)
check "installed stratd --version says $version" \
  [ "$("$T/root/usr/bin/stratd" --version)" = "stratd $version" ]
check "installed stratctl --help" "$T/root/usr/bin/stratctl" --help >/dev/null
check "installed exsim --help" "$T/root/usr/bin/exsim" --help >/dev/null
check "installed example config passes --check" \
  "$T/root/usr/bin/stratd" -c "$T/root/etc/stratd/stratd.yaml" --check >"$T/check.log" 2>&1
check "packaged stratd has no fault injection" \
  bash -c "! grep -aq 'injected fault' '$T/root/usr/bin/stratd'"
check "stratd-test keeps it" grep -aq 'injected fault' "$BIN/stratd-test"
check "unit runs /usr/bin/stratd" \
  grep -qx 'ExecStart=/usr/bin/stratd -c /etc/stratd/stratd.yaml' "$T/root/lib/systemd/system/stratd.service"
if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/bin/|$T/root/usr/bin/|g" "$T/root/lib/systemd/system/stratd.service" >"$T/stratd.service"
  # Documentation=man:stratd(8) resolves to the packaged page
  check "systemd-analyze verify" env MANPATH="$T/root/usr/share/man" systemd-analyze verify "$T/stratd.service"
fi
for page in man8/stratd.8 man1/stratctl.1 man1/exsim.1; do
  f=$T/root/usr/share/man/$page.gz
  MANWIDTH=80 MANPAGER=cat man -l "$f" >"$T/page.txt" 2>"$T/page.err"
  check "man -l $page renders" grep -q "^SYNOPSIS" "$T/page.txt"
  man --warnings -E UTF-8 -l -Tutf8 -Z "$f" >/dev/null 2>"$T/page.err"
  check "man $page: no groff warnings" [ ! -s "$T/page.err" ]
  [ -s "$T/page.err" ] && sed 's/^/    /' "$T/page.err"
done

# installed with dpkg into a throwaway root, maintainer scripts included
# (dpkg needs root for this: file owners)
if [ "$(id -u)" = 0 ]; then
  d=$T/dpkgroot
  mkdir -p "$d/var/lib/dpkg/info" "$d/var/lib/dpkg/updates" && : >"$d/var/lib/dpkg/status"
  dpkg --root="$d" --force-script-chrootless --force-depends -i "$deb" >"$T/dpkg.log" 2>&1
  check "dpkg --root -i installs" [ $? = 0 ]
  check "postinst creates the stratd user" grep -q '^stratd:.*:/var/lib/stratd:' "$d/etc/passwd"
  dpkg --root="$d" --force-script-chrootless --purge stratd >>"$T/dpkg.log" 2>&1
  rc=$?
  purged() { [ $rc = 0 ] && [ ! -e "$d/usr/bin/stratd" ] && [ ! -e "$d/etc/stratd/stratd.yaml" ]; }
  check "dpkg --purge removes it, conffile too" purged
else
  note "not root: dpkg --root install skipped"
fi

lintian --fail-on error "$deb" >"$T/lintian.log" 2>&1
rc=$?
grep -v 'root privileges' "$T/lintian.log" | sed 's/^/    /'
no_errors() { [ $rc = 0 ] && ! grep -q '^E:' "$T/lintian.log"; }
check "lintian: no errors" no_errors
finish
