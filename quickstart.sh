#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# deviceid quick start for a fresh Debian 12 machine (run as root).
#
#   ./quickstart.sh          install, build, and run the main job on embedded
#                            defaults (see README.md for what it does today)
#   ./quickstart.sh check    install, build, and run every test (make check)
#   ./quickstart.sh stop     stop what the main job left running
#   ./quickstart.sh deps     only install the Debian packages
#
# Environment: BUILDDIR (default ./build), CONFIGURE_FLAGS (extra configure
# flags), QUICKSTART_DIR (state of the main job, default /run/deviceid-quickstart).
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
QS=${QUICKSTART_DIR:-/run/deviceid-quickstart}

# Everything deviceid builds against and tests with, from Debian 12.
PACKAGES=(
    # build
    build-essential autoconf automake autoconf-archive pkg-config
    libfuse3-dev libkeyutils-dev libtss2-dev libssl-dev libcurl4-openssl-dev
    libjson-c-dev libcbor-dev libinih-dev libmicrohttpd-dev libgnutls28-dev
    libsqlite3-dev libpq-dev libsystemd-dev
    # run
    fuse3 keyutils openssl sqlite3
    # real peers in tests
    swtpm swtpm-tools tpm2-tools tpm2-openssl tpm2-abrmd libtss2-tcti-tabrmd0 dbus
    pebble lego certbot inotify-tools strace util-linux procps curl
    python3 python3-pytest python3-cryptography python3-tpm2-pytss
    systemd
    # sanitizer and fuzzing builds
    clang libclang-rt-14-dev
)

log() { printf '==> %s\n' "$*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "quickstart.sh: run as root (it installs packages, mounts FUSE and uses the TPM)" >&2
        exit 1
    fi
}

deps() {
    need_root
    log "Installing Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

build() {
    log "Building in $BUILDDIR"
    (cd "$SRCDIR" && autoreconf -fi >/dev/null 2>&1) || (cd "$SRCDIR" && autoreconf -fi)
    mkdir -p "$BUILDDIR"
    cd "$BUILDDIR"
    # Configure once, or again when flags change.
    local flags="${CONFIGURE_FLAGS:-}"
    if [ ! -f Makefile ] || [ "$(cat .quickstart-flags 2>/dev/null)" != "$flags" ]; then
        # shellcheck disable=SC2086
        "$SRCDIR/configure" -q $flags
        echo "$flags" > .quickstart-flags
    fi
    make -j"$(nproc)" >/dev/null
}

check() {
    need_root
    deps
    build
    log "Running every test (make check)"
    cd "$BUILDDIR"
    make -j"$(nproc)" check
}

run_main_job() {
    echo "quickstart.sh: the main job is not assembled yet" >&2
    exit 1
}

stop_main_job() {
    :
}

case "${1:-run}" in
    deps) deps ;;
    build) build ;;
    check) check ;;
    run) need_root; deps; build; run_main_job ;;
    stop) need_root; stop_main_job ;;
    *) echo "usage: $0 [run|check|stop|deps|build]" >&2; exit 2 ;;
esac
