#!/usr/bin/env bash
# make install lays out every file under DESTDIR, and the installed unit
# passes systemd-analyze verify.
. "$(dirname "$0")/lib.sh"
make -s -C "$ROOT" install DESTDIR="$T/root" PREFIX=/usr/local >"$T/install.log" 2>&1
check "make install DESTDIR succeeds" [ $? = 0 ]
for f in usr/local/bin/stratd usr/local/bin/stratctl usr/local/bin/exsim \
         lib/systemd/system/stratd.service usr/lib/sysusers.d/stratd.conf \
         usr/lib/tmpfiles.d/stratd.conf etc/stratd/stratd.yaml usr/share/doc/stratd/README.md; do
  check "installed $f" [ -s "$T/root/$f" ]
done
check "installed binaries are executable" [ -x "$T/root/usr/local/bin/stratd" ]
check "example config passes --check" "$T/root/usr/local/bin/stratd" -c "$T/root/etc/stratd/stratd.yaml" --check
if command -v systemd-analyze >/dev/null; then
  # verify the unit as installed, its binary paths pointed into DESTDIR
  sed "s|/usr/local/bin/|$T/root/usr/local/bin/|g" "$T/root/lib/systemd/system/stratd.service" >"$T/stratd.service"
  check "systemd-analyze verify" systemd-analyze verify "$T/stratd.service"
else
  fail "systemd-analyze not installed (apt-get install systemd)"
fi
finish
