#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Makes (once) the minimal Debian root that the systemd integration suite
# (test_systemd.py) boots with systemd-nspawn, and prints its path.
#
#   nspawn-root.sh [CACHEDIR]     (default /var/cache/deviceid-tests)
#
# The root is made by debootstrap from the Debian mirror apt already uses
# (the first "deb" source of the host's release, from /etc/apt/sources.list
# or sources.list.d), with systemd and the run-time libraries deviceid's
# programs link against. It is cached as CACHEDIR/nspawn-root-HASH, HASH
# covering this script (so its package list), the mirror, the release and
# the architecture: a change of any of them makes a new root. The root is
# never booted or written in place: users lay an overlay over it.
# Concurrent callers wait on a lock; a half-made root is never published.
set -euo pipefail

CACHEDIR=${1:-/var/cache/deviceid-tests}

# What the booted container needs: systemd as PID 1, the libraries of
# deviceid-ca, deviceid-fsd, deviceid-enrolld and deviceidctl (TCTI modules
# are loaded at run time: swtpm for the tests, device for real TPMs), and
# the tools the tests run inside (keyctl, inotifywait, openssl, and
# systemd-nspawn for a second container within the first).
PACKAGES=(
    systemd systemd-sysv dbus systemd-container
    fuse3 libfuse3-3 keyutils libkeyutils1
    libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-rc0 libtss2-tctildr0
    libtss2-tcti-swtpm0 libtss2-tcti-device0
    libssl3 libcurl4 libjson-c5 libcbor0.8 libinih1 libmicrohttpd12 libgnutls30
    libsqlite3-0 libpq5 libsystemd0
    openssl inotify-tools procps
)

die() { echo "nspawn-root.sh: $*" >&2; exit 1; }

# The host's release and the mirror apt uses for it.
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}

mirror_from_sources() {
    local f line uris suites
    # One-line format: "deb [options] URI SUITE COMPONENTS..."
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        while read -r line; do
            line=${line%%#*}
            # shellcheck disable=SC2086
            set -- $line
            [ "${1:-}" = deb ] || continue
            shift
            if [ "${1:0:1}" = "[" ]; then
                while [ $# -gt 0 ] && [ "${1: -1}" != "]" ]; do shift; done
                shift
            fi
            [ "${2:-}" = "$SUITE" ] && { echo "$1"; return 0; }
        done < "$f"
    done
    # deb822 format: stanzas with Types:, URIs:, Suites:
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v suite="$SUITE" '
            function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "" && !done) { split(uris, u, " "); print u[1]; done = 1 } types = uris = suites = "" }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
            /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
            /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
            END { flush() }' "$f" | head -n1 | grep . && return 0
    done
    return 1
}

MIRROR=$(mirror_from_sources) || die "no apt source for \"$SUITE\" in /etc/apt/sources.list(.d)"
ARCH=$(dpkg --print-architecture)
HASH=$( { cat "${BASH_SOURCE[0]}"; echo "$MIRROR $SUITE $ARCH"; } | sha256sum | cut -c1-16)
ROOT=$CACHEDIR/nspawn-root-$HASH

if [ -e "$ROOT/.complete" ]; then
    echo "$ROOT"
    exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap is not installed"
mkdir -p "$CACHEDIR"
exec 9> "$CACHEDIR/.lock"
flock 9
if [ -e "$ROOT/.complete" ]; then
    echo "$ROOT"
    exit 0
fi

TMP=$ROOT.tmp.$$
trap 'rm -rf --one-file-system "$TMP"' EXIT
rm -rf --one-file-system "$ROOT" "$ROOT".tmp.*
include=$(IFS=,; echo "${PACKAGES[*]}")
echo "nspawn-root.sh: debootstrap $SUITE from $MIRROR into $ROOT (once)" >&2
debootstrap --variant=minbase --include="$include" "$SUITE" "$TMP" "$MIRROR" >&2 \
    || die "debootstrap failed (log: $TMP/debootstrap/debootstrap.log)"

# A container identity is made at each boot; no package caches kept.
: > "$TMP/etc/machine-id"
rm -f "$TMP/var/lib/dbus/machine-id"
echo deviceid-test > "$TMP/etc/hostname"
rm -rf "$TMP"/var/cache/apt/archives/*.deb "$TMP"/var/lib/apt/lists/*
# Nothing logs in: no getty on the console.
ln -sf /dev/null "$TMP/etc/systemd/system/console-getty.service"
ln -sf /dev/null "$TMP/etc/systemd/system/getty@.service"
touch "$TMP/.complete"
mv "$TMP" "$ROOT"
trap - EXIT
echo "$ROOT"
