#!/usr/bin/env bash
# install-deps.sh - installs whatever oauth2-fcgi needs that is missing:
# the Debian packages listed in scripts/packages.txt (apt-get), npm when
# the nodejs package did not bring it, and the Node tools of every
# package-lock.json in the tree (npm ci). Does nothing that is already done.
#
# Debian's apache2, lighttpd and nginx start a service on port 80 when
# installed; a policy-rc.d keeps them from starting (the tests start their
# own servers on free ports of 127.0.0.1).
#
# Needs root (or sudo) only when something is missing. OA_NO_INSTALL=1
# skips everything.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
[ -z "${OA_NO_INSTALL:-}" ] || exit 0

packages() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top/scripts/packages.txt" | grep -v '^$'
}

missing_packages() {
    local p
    for p in $(packages); do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            echo "$p"
    done
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "install-deps: need root to run: $*" >&2
        return 1
    fi
}

# apt_install PKG...: apt-get install with services kept from starting.
apt_install() {
    local made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        made_policy=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null ||
        rc=$?
    [ -z "$made_policy" ] || as_root rm -f /usr/sbin/policy-rc.d
    return $rc
}

# Services the packages may have started anyway (no policy-rc.d honoured):
# stop them so that nothing of ours is left listening on port 80.
stop_services() {
    local s
    for s in apache2 lighttpd nginx; do
        if command -v service >/dev/null 2>&1; then
            as_root service "$s" stop >/dev/null 2>&1 || true
        fi
    done
}

if command -v dpkg-query >/dev/null 2>&1; then
    miss=$(missing_packages | tr '\n' ' ')
    if [ -n "${miss// /}" ]; then
        echo "install-deps: installing Debian packages: $miss"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
        # shellcheck disable=SC2086
        apt_install $miss
        stop_services
    fi
    # Debian's npm conflicts with the nodejs that bundles it: only when missing.
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-deps: installing npm"
        [ -n "${miss// /}" ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
        apt_install npm
    fi
else
    echo "install-deps: not a Debian system; install the packages of scripts/packages.txt by hand" >&2
fi

# Node tools: npm ci where a lock file is, unless node_modules is current.
if command -v npm >/dev/null 2>&1; then
    while IFS= read -r lock; do
        dir=$(dirname "$lock")
        if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
            [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
            echo "install-deps: npm ci in ${dir#"$top"/}"
            (cd "$dir" && npm ci --no-audit --no-fund </dev/null)
        fi
    done < <(find "$top" \( -name node_modules -o -name .git -o -path "$top/build*" \) -prune \
        -o -name package-lock.json -print 2>/dev/null)
fi
