#!/usr/bin/env bash
# make install lays out every file under DESTDIR (the same files as the
# Debian package, t_deb.sh), and the installed unit passes systemd-analyze
# verify.
. "$(dirname "$0")/lib.sh"
make -s -C "$ROOT" BUILD="$(dirname "$BIN")" install DESTDIR="$T/root" PREFIX=/usr/local >"$T/install.log" 2>&1
check "make install DESTDIR succeeds" [ $? = 0 ]
for f in usr/local/bin/stratd usr/local/bin/stratctl usr/local/bin/exsim \
         lib/systemd/system/stratd.service usr/lib/sysusers.d/stratd.conf \
         usr/lib/tmpfiles.d/stratd.conf etc/stratd/stratd.yaml usr/share/doc/stratd/README.md \
         usr/local/share/man/man8/stratd.8 usr/local/share/man/man1/stratctl.1 \
         usr/local/share/man/man1/exsim.1; do
  check "installed $f" [ -s "$T/root/$f" ]
done
check "installed binaries are executable" [ -x "$T/root/usr/local/bin/stratd" ]
check "example config passes --check" "$T/root/usr/local/bin/stratd" -c "$T/root/etc/stratd/stratd.yaml" --check
check "no test binary installed" [ ! -e "$T/root/usr/local/bin/stratd-test" ]
check "man finds the installed stratd(8)" \
  env MANPATH="$T/root/usr/local/share/man" MANPAGER=cat man 8 stratd >/dev/null
if command -v systemd-analyze >/dev/null; then
  # verify the unit as installed, its binary paths pointed into DESTDIR
  sed "s|/usr/local/bin/|$T/root/usr/local/bin/|g" "$T/root/lib/systemd/system/stratd.service" >"$T/stratd.service"
  # Documentation=man:stratd(8) resolves to the installed page
  check "systemd-analyze verify" env MANPATH="$T/root/usr/local/share/man" systemd-analyze verify "$T/stratd.service"
else
  fail "systemd-analyze not installed (apt-get install systemd)"
fi
finish
