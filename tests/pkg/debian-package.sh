#!/usr/bin/env bash
# debian-package.sh - the Debian package, built and installed on this
# machine: `dpkg-buildpackage -us -uc -b` in a copy of the source tree makes
# oauth2-fcgi_*.deb; lintian finds no error in it; `dpkg -i` installs the
# program in /usr/sbin, both man pages, /etc/oauth2-fcgi/oauth.yml as a
# conffile (the commented example), the examples under
# /usr/share/doc/oauth2-fcgi/examples/ and the systemd units; postinst makes
# the system user oauth2-fcgi and its session key (0600); `oauth2-fcgi
# --version` and `--check-config` (as that user) run, `systemd-analyze
# verify` accepts the units; a second `dpkg -i` keeps the key; `dpkg
# --purge` removes the user, the key and /etc/oauth2-fcgi. A trap purges
# the package whatever happens.
#
# Needs root (dpkg -i) and takes a minute or two (the package build), so it
# runs only when OA_PKG_TEST=1: scripts/test.sh (and so CI) runs it so,
# once, after its first `make check` (not beside the load tests). It is skipped, saying why, when the package, the
# program in /usr/sbin or the user oauth2-fcgi is already on the machine
# (the purge would remove someone's installation). Prints TAP.
# shellcheck source=../e2e/lib.sh
. "$(cd "$(dirname "$0")/.." && pwd)/e2e/lib.sh"

[ "${OA_PKG_TEST:-}" = 1 ] ||
    skip_all "slow (builds the package, 1-2 min): OA_PKG_TEST=1 runs it (scripts/test.sh does)"
[ "$(id -u)" = 0 ] || skip_all "dpkg -i needs root"
need_tool dpkg-buildpackage dh lintian dpkg-deb
if dpkg-query -W -f '${Status}' oauth2-fcgi 2>/dev/null | grep -q 'installed\|config-files'; then
    skip_all "the package oauth2-fcgi is installed here already; the test's purge would remove it"
fi
[ ! -e /usr/sbin/oauth2-fcgi ] || skip_all "/usr/sbin/oauth2-fcgi exists (make install?); dpkg -i would replace it"
! getent passwd oauth2-fcgi >/dev/null || skip_all "a user oauth2-fcgi exists; the purge would remove it"
[ ! -e /etc/oauth2-fcgi ] || skip_all "/etc/oauth2-fcgi exists; the purge would remove it"
e2e_init
T=$E2E_TMP

INSTALLED=
# shellcheck disable=SC2317 # run by the EXIT trap
pkg_cleanup() {
    if [ -n "$INSTALLED" ]; then
        dpkg --purge oauth2-fcgi >>"$T/purge.log" 2>&1 || true
    fi
    e2e_cleanup
}
trap pkg_cleanup EXIT

# A copy of the sources: what git tracks (and new files it does not ignore),
# so no build directory or in-tree build leaks into the package.
SRC=$T/src/oauth2-fcgi
mkdir -p "$SRC"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$SRC"
else
    (cd "$top_srcdir" && tar cf - --exclude='./build*' --exclude=./node_modules \
        --exclude=./autom4te.cache .) | tar xf - -C "$SRC"
fi
[ -f "$SRC/debian/control" ] || bail "no debian/control in the copy of $top_srcdir"

rc=0
(cd "$SRC" && DEB_BUILD_OPTIONS="parallel=${OA_PKG_JOBS:-2}" dpkg-buildpackage -us -uc -b) \
    >"$T/build.log" 2>&1 || rc=$?
e2e_log "$T/build.log"
t_is "$rc" 0 "dpkg-buildpackage -us -uc -b succeeds"
# shellcheck disable=SC2012 # oauth2-fcgi_<version>_<arch>.deb: plain names
DEB=$(ls "$T"/src/oauth2-fcgi_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || bail "no oauth2-fcgi_*.deb was built"
t_pass "it built $(basename "$DEB")"

lintian --tag-display-limit 0 "$DEB" >"$T/lintian.log" 2>&1
e2e_log "$T/lintian.log"
t_unlike "$(cat "$T/lintian.log")" '^E: ' "lintian finds no error in the package"
t_unlike "$(cat "$T/lintian.log")" '^W: ' "lintian finds no warning in the package"

contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/oauth2-fcgi /usr/share/man/man8/oauth2-fcgi.8.gz \
    /usr/share/man/man5/oauth2-fcgi.yml.5.gz /etc/oauth2-fcgi/oauth.yml \
    /lib/systemd/system/oauth2-fcgi.service /lib/systemd/system/oauth2-fcgi.socket \
    /usr/share/doc/oauth2-fcgi/examples/apache/oauth2-fcgi-authnz.conf \
    /usr/share/doc/oauth2-fcgi/examples/apache/oauth2-fcgi-fcgid.conf \
    /usr/share/doc/oauth2-fcgi/examples/lighttpd/oauth2-fcgi.conf \
    /usr/share/doc/oauth2-fcgi/examples/nginx/oauth2-fcgi.conf \
    /usr/share/doc/oauth2-fcgi/examples/spawn-fcgi/oauth2-fcgi.sh \
    /usr/share/doc/oauth2-fcgi/examples/systemd/oauth2-fcgi.service \
    /usr/share/doc/oauth2-fcgi/examples/systemd/oauth2-fcgi.socket; do
    t_ok "the package holds $f" grep -qx -- "$f" <<<"$contents"
done
# shellcheck disable=SC2016 # $1 of the inner bash
t_ok "the package holds no key (postinst makes it)" \
    bash -c '! grep -q session.key <<<"$1"' _ "$contents"

# ---- dpkg -i --------------------------------------------------------------
INSTALLED=1
rc=0
dpkg -i "$DEB" >"$T/install.log" 2>&1 || rc=$?
e2e_log "$T/install.log"
t_is "$rc" 0 "dpkg -i installs it"
t_like "$(dpkg-query -W -f '${Status}' oauth2-fcgi 2>&1)" 'install ok installed' "dpkg lists it as installed"
t_like "$(dpkg-query -W -f '${Conffiles}' oauth2-fcgi)" '/etc/oauth2-fcgi/oauth.yml ' \
    "/etc/oauth2-fcgi/oauth.yml is a conffile"
t_like "$(/usr/sbin/oauth2-fcgi --version 2>&1)" '^oauth2-fcgi [0-9]' "oauth2-fcgi --version"
t_like "$(command -v oauth2-fcgi 2>&1)" '^/usr/sbin/oauth2-fcgi$' "the program is /usr/sbin/oauth2-fcgi"
t_like "$(diff /etc/oauth2-fcgi/oauth.yml "$top_srcdir/doc/oauth.yml.example" 2>&1 && echo same)" \
    '^same$' "the conffile is the commented example (doc/oauth.yml.example)"

t_like "$(getent passwd oauth2-fcgi)" "^oauth2-fcgi:" "postinst made the system user oauth2-fcgi"
uid=$(id -u oauth2-fcgi 2>/dev/null || echo none)
t_ok "... a system account (uid < 1000)" test "$uid" != none -a "${uid/none/99999}" -lt 1000
t_like "$(getent passwd oauth2-fcgi | cut -d: -f7)" 'nologin|false' "... with no login shell"
t_is "$(stat -c '%U:%G %a' /etc/oauth2-fcgi/session.key 2>&1)" "oauth2-fcgi:oauth2-fcgi 600" \
    "postinst made the session key, 0600, owned by oauth2-fcgi"
t_is "$(stat -c '%U:%G %a' /etc/oauth2-fcgi/oauth.yml 2>&1)" "root:oauth2-fcgi 640" \
    "the config is root:oauth2-fcgi 0640 (the user reads it, others do not)"
t_like "$(dpkg-statoverride --list /etc/oauth2-fcgi/oauth.yml)" 'root oauth2-fcgi 0?640' \
    "... kept by a dpkg-statoverride (upgrades keep the mode)"

rc=0
runuser -u oauth2-fcgi -- /usr/sbin/oauth2-fcgi --check-config -c /etc/oauth2-fcgi/oauth.yml \
    >"$T/check.out" 2>"$T/check.err" || rc=$?
t_is "$rc" 0 "oauth2-fcgi --check-config on the installed example, as the user oauth2-fcgi"
t_diag "$(cat "$T/check.err")"
t_like "$(cat "$T/check.out")" 'callback URL: https://app.example.com/oauth/github/callback' \
    "... prints the callback URL to register"
t_unlike "$(cat "$T/check.err")" 'readable by others|no session.key_file|cannot open' \
    "... no warning about the modes or a missing key"
rc=0
runuser -u nobody -- /usr/sbin/oauth2-fcgi --check-config -c /etc/oauth2-fcgi/oauth.yml \
    >/dev/null 2>"$T/nobody.err" || rc=$?
t_isnt "$rc" 0 "another account cannot read the installed config"
t_like "$(cat "$T/nobody.err")" 'oauth.yml' "... and the program says which file"

if command -v man >/dev/null 2>&1; then
    t_like "$(man -w 8 oauth2-fcgi 2>&1)" 'man8/oauth2-fcgi\.8' "man 8 oauth2-fcgi is found"
    t_like "$(man -w 5 oauth2-fcgi.yml 2>&1)" 'man5/oauth2-fcgi\.yml\.5' "man 5 oauth2-fcgi.yml is found"
else
    t_skip "man is not installed: the man pages' paths were checked in the package"
fi

# systemd-analyze verify: the units as installed (ExecStart, User, the
# socket, Documentation= man pages). It needs no running systemd.
if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze verify --man=no /lib/systemd/system/oauth2-fcgi.socket >/dev/null 2>"$T/probe.err"; then
    rc=0
    systemd-analyze verify /lib/systemd/system/oauth2-fcgi.socket \
        /lib/systemd/system/oauth2-fcgi.service >"$T/verify.log" 2>&1 || rc=$?
    t_is "$rc" 0 "systemd-analyze verify accepts the installed units"
    t_is "$(cat "$T/verify.log")" "" "... without a word"
else
    t_skip "systemd-analyze cannot run here: $(head -n 1 "$T/probe.err" 2>/dev/null)"
fi

# ---- a second install keeps what postinst made --------------------------------
sum=$(sha256sum /etc/oauth2-fcgi/session.key | cut -d' ' -f1)
rc=0
dpkg -i "$DEB" >"$T/reinstall.log" 2>&1 || rc=$?
t_is "$rc" 0 "dpkg -i again (an upgrade to the same version)"
t_is "$(sha256sum /etc/oauth2-fcgi/session.key | cut -d' ' -f1)" "$sum" "... keeps the session key"
t_is "$(stat -c '%U:%G %a' /etc/oauth2-fcgi/oauth.yml 2>&1)" "root:oauth2-fcgi 640" "... and the config's mode"

# ---- remove, then purge -----------------------------------------------------------
rc=0
dpkg --remove oauth2-fcgi >"$T/remove.log" 2>&1 || rc=$?
t_is "$rc" 0 "dpkg --remove"
t_ok "remove leaves the key and the config (purge removes them)" \
    test -e /etc/oauth2-fcgi/session.key -a -e /etc/oauth2-fcgi/oauth.yml
t_ok "... and takes the program away" test ! -e /usr/sbin/oauth2-fcgi
rc=0
dpkg --purge oauth2-fcgi >"$T/purge.log" 2>&1 || rc=$?
e2e_log "$T/purge.log"
t_is "$rc" 0 "dpkg --purge"
INSTALLED=
t_ok "purge removed the session key and /etc/oauth2-fcgi" test ! -e /etc/oauth2-fcgi
t_ok "purge removed the user oauth2-fcgi" bash -c '! getent passwd oauth2-fcgi'
t_ok "purge removed the group oauth2-fcgi" bash -c '! getent group oauth2-fcgi'
t_ok "purge removed the statoverride" bash -c '! dpkg-statoverride --list /etc/oauth2-fcgi/oauth.yml'
t_done
