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
#   ./quickstart.sh build    only build
#   ./quickstart.sh main-job only the main job, on an existing build (tests)
#
# Environment: BUILDDIR (default ./build), CONFIGURE_FLAGS (extra configure
# flags), QUICKSTART_DIR (state of the main job, default /run/deviceid-quickstart),
# QUICKSTART_MOUNT (default /run/deviceid), QUICKSTART_TPM_PORT (and the next
# port; default 2321), QUICKSTART_CA_PORT (8443), QUICKSTART_HTTP_PORT (the
# CA's plain-HTTP CRL/OCSP listener, 8080).
# DEVICEID_KEYRING names the keyring (default "deviceid").
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
    # benchmarks (bench/): an HTTP load generator, perf (counts the
    # server's fsyncs from kernel tracepoints, profiles)
    wrk linux-perf
    python3 python3-pytest python3-cryptography python3-tpm2-pytss python3-cbor2
    systemd systemd-container debootstrap
    # resources that consume certificates, a stock step-ca (built from
    # Debian's library by the tests), PostgreSQL; their services stay off
    freeradius eapoltest nginx libnginx-mod-stream golang-go golang-github-smallstep-certificates-dev
    postgresql
    # the web console in a real browser (headless)
    chromium chromium-driver python3-selenium
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

# Packages whose system service the tests never use (they run their own
# instances on free loopback ports): installing them must not start it.
SERVICE_PACKAGES="freeradius nginx postgresql"

deps() {
    need_root
    log "Installing Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    local p rc=0 policy=/usr/sbin/policy-rc.d own_policy= new_services=()
    for p in $SERVICE_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || new_services+=("$p")
    done
    # policy-rc.d exit 101: maintainer scripts start no service
    # (invoke-rc.d and deb-systemd-invoke both ask it). Only ours is removed.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# deviceid quickstart.sh: no service starts during its install\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        own_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null || rc=$?
    if [ -n "$own_policy" ]; then
        rm -f "$policy"
        trap - EXIT
    fi
    [ "$rc" = 0 ] || return "$rc"
    # Under a running systemd, services that this install brought in stay
    # disabled; services that were already there are left as they were.
    if [ -d /run/systemd/system ] && [ ${#new_services[@]} -gt 0 ]; then
        systemctl disable --now --quiet "${new_services[@]}" 2>/dev/null || true
    fi
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
    # Every test, the heavy suites included, unless the caller says
    # DEVICEID_HEAVY_TESTS=0 (CI's sanitizer pass does).
    DEVICEID_HEAVY_TESTS=${DEVICEID_HEAVY_TESTS:-1} make -j"$(nproc)" check
}

# ---------------------------------------------------------------------------
# The main job on embedded defaults. Everything lives under $QS (on /run, a
# tmpfs) and listens on loopback only; every process is recorded by PID in
# $QS/pids and stopped by that PID.
TPM_PORT=${QUICKSTART_TPM_PORT:-2321}
CA_PORT=${QUICKSTART_CA_PORT:-8443}
HTTP_PORT=${QUICKSTART_HTTP_PORT:-8080}
MOUNT=${QUICKSTART_MOUNT:-/run/deviceid}
ACCOUNTS="wifi vpn"
TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT"

wait_for() {  # wait_for WHAT SECONDS COMMAND...
    local what=$1 tries=$(( $2 * 10 ))
    shift 2
    while ! "$@" >/dev/null 2>&1; do
        tries=$(( tries - 1 ))
        if [ "$tries" -le 0 ]; then
            echo "quickstart.sh: $what did not come up; logs in $QS/*.log" \
                 "(what was started keeps running until: $0 stop)" >&2
            if [ -n "${WAIT_LOG:-}" ]; then
                echo "The end of $WAIT_LOG:" >&2
                tail -n 20 "$WAIT_LOG" >&2
            fi
            exit 1
        fi
        sleep 0.1
    done
}

logged() {  # logged NAME COMMAND...: output to $QS/NAME.log, shown on failure
    local name=$1
    shift
    if ! "$@" > "$QS/$name.log" 2>&1; then
        echo "quickstart.sh: $name failed; the end of $QS/$name.log:" >&2
        tail -n 20 "$QS/$name.log" >&2
        echo "(what was started keeps running until: $0 stop)" >&2
        exit 1
    fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

record_pid() { echo "$1 $2" >> "$QS/pids"; }

# A software TPM provisioned like a manufactured one: RSA-2048 and ECC
# endorsement keys with EK certificates in NV from a local manufacturer CA.
start_swtpm() {
    local ca=$QS/tpm-manufacturer state=$QS/tpm
    mkdir -p "$ca" "$state"
    cat > "$QS/localca.conf" <<EOF
statedir = $ca
signingkey = $ca/signkey.pem
issuercert = $ca/issuercert.pem
certserial = $ca/certserial
EOF
    printf '%s\n' "--platform-manufacturer deviceid-quickstart" "--platform-version 2.1" \
        "--platform-model swtpm" > "$QS/localca.options"
    cat > "$QS/swtpm_setup.conf" <<EOF
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $QS/localca.conf
create_certs_tool_options = $QS/localca.options
active_pcr_banks = sha256
EOF
    logged swtpm_setup swtpm_setup --tpm2 --tpmstate "$state" --config "$QS/swtpm_setup.conf" \
        --create-ek-cert --create-platform-cert --lock-nvram --overwrite --pcr-banks sha256
    swtpm socket --tpm2 --tpmstate "dir=$state" --daemon --pid "file=$QS/swtpm.pid" \
        --server "type=tcp,port=$TPM_PORT,bindaddr=127.0.0.1" \
        --ctrl "type=tcp,port=$(( TPM_PORT + 1 )),bindaddr=127.0.0.1" \
        --flags not-need-init,startup-clear --log "file=$QS/swtpm.log"
    wait_for swtpm 10 test -s "$QS/swtpm.pid"
    record_pid swtpm "$(cat "$QS/swtpm.pid")"
    wait_for swtpm 10 tpm2_getcap -T "$TCTI" properties-fixed
}

start_ca() {
    logged ca-init "$BUILDDIR/ca/deviceid-ca" init --dir "$QS/ca" --dns-name localhost \
        --listen "127.0.0.1:$CA_PORT" --http-port "$HTTP_PORT"
    # Each account asks for the device's posture at every issuance: a TPM
    # quote of PCRs 0-7 equal to what the device showed first
    # (docs/posture.md).
    for p in $ACCOUNTS; do
        printf '\n[posture "%s"]\npcrs = enrolled\n' "$p" >> "$QS/ca/ca.conf"
    done
    setsid "$BUILDDIR/ca/deviceid-ca" serve --dir "$QS/ca" < /dev/null > "$QS/ca.log" 2>&1 &
    record_pid deviceid-ca $!
    wait_for deviceid-ca 20 curl -fsS --cacert "$QS/ca/root.pem" \
        "https://localhost:$CA_PORT/health"
}

start_fsd() {
    if mountpoint -q "$MOUNT"; then
        echo "quickstart.sh: $MOUNT is already a mount point (a deviceid-fsd of your own?);" \
             "set QUICKSTART_MOUNT to use another directory" >&2
        return 1
    fi
    setsid "$BUILDDIR/fsd/deviceid-fsd" --foreground --mount "$MOUNT" \
        --control-socket "$QS/fsd.sock" < /dev/null > "$QS/fsd.log" 2>&1 &
    record_pid deviceid-fsd $!
    wait_for deviceid-fsd 10 test -e "$MOUNT/status.json"
}

start_enrolld() {
    # Only where the CA is: the accounts come from the CA's account list.
    printf '[ca]\nurl = https://localhost:%s\nroot = %s\n' "$CA_PORT" "$QS/ca/root.pem" > "$QS/enrolld.conf"
    setsid "$BUILDDIR/enroll/deviceid-enrolld" --config "$QS/enrolld.conf" --foreground \
        < /dev/null > "$QS/enrolld.log" 2>&1 &
    record_pid deviceid-enrolld $!
}

run_main_job() {
    local p
    stop_main_job
    for p in "$TPM_PORT" $(( TPM_PORT + 1 )) "$CA_PORT" "$HTTP_PORT"; do
        if ! port_free "$p"; then
            echo "quickstart.sh: 127.0.0.1:$p is in use; set QUICKSTART_*_PORT" >&2
            exit 1
        fi
    done
    if [ -e "$QS" ] && [ ! -e "$QS/.deviceid-quickstart" ]; then
        echo "quickstart.sh: $QS exists and is not the main job's; set QUICKSTART_DIR" >&2
        exit 1
    fi
    mkdir -p "$QS"
    chmod 0700 "$QS"
    touch "$QS/.deviceid-quickstart"
    echo "$TCTI" > "$QS/tcti"
    echo "$MOUNT" > "$QS/mount"
    export DEVICEID_TCTI=$TCTI DEVICEID_FSD_SOCKET=$QS/fsd.sock

    log "Software TPM with EK certificates on 127.0.0.1:$TPM_PORT"
    start_swtpm

    log "The device's identity, read from the TPM (deviceidctl identity)"
    "$BUILDDIR/enroll/deviceidctl" identity
    "$BUILDDIR/enroll/deviceidctl" identity --json > "$QS/identity.json"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ekPublicKey"], end="")' \
        "$QS/identity.json" > "$QS/ek.pem"

    log "deviceid-ca on https://localhost:$CA_PORT (SQLite inventory in $QS/ca)"
    start_ca

    log "Registering the device by its EK public key (deviceid-ca device add)"
    "$BUILDDIR/ca/deviceid-ca" device add --dir "$QS/ca" --ek-pub "$QS/ek.pem" \
        --name "$(uname -n)" --owner quickstart
    "$BUILDDIR/ca/deviceid-ca" device list --dir "$QS/ca"

    log "The accounts every device obtains, defined once at the CA (deviceid-ca account add)"
    for p in $ACCOUNTS; do
        "$BUILDDIR/ca/deviceid-ca" account add "$p" --dir "$QS/ca" --sub "$p-{name}" \
            --san "{name}.$p.example.org" --devices all
    done
    "$BUILDDIR/ca/deviceid-ca" account list --dir "$QS/ca"

    log "deviceid-fsd mounted on $MOUNT"
    start_fsd

    # The enrollment daemon, keys in the TPM or the kernel keyring only: an
    # AK certificate by credential activation (the CA encrypts a secret to
    # the registered EK that only this TPM can recover), the device
    # certificate by ACME device-attest-01 for a key the AK certifies, the
    # list of its accounts from the CA, and their 24-hour certificates from
    # /1.0/sign with tokens the device key signs; all published into the
    # keyring, where deviceid-fsd reads, and renewed before they expire.
    log "Enrolling the device (deviceid-enrolld): AK, device and account certificates"
    start_enrolld
    for p in device $ACCOUNTS; do
        WAIT_LOG=$QS/enrolld.log wait_for "$p.pem in $MOUNT" 30 test -e "$MOUNT/$p.pem"
    done
    sed -n 's/^<[0-9]>//p' "$QS/enrolld.log"

    log "The device at the CA, with its last posture report (deviceid-ca device show)"
    "$BUILDDIR/ca/deviceid-ca" device show --dir "$QS/ca" "$(python3 -c \
        'import json,sys; print(json.load(open(sys.argv[1]))["ekUri"])' "$QS/identity.json")"

    log "What the keyring holds (deviceidctl keyring)"
    "$BUILDDIR/enroll/deviceidctl" keyring

    log "The certificates, as applications see them"
    ls -l "$MOUNT"
    cat "$MOUNT/status.json"
    openssl verify -CAfile "$MOUNT/roots.pem" -untrusted "$MOUNT/device.pem" "$MOUNT/device.pem"
    # What a Wi-Fi or VPN server trusts: the Account CA's own root, which
    # account certificates chain to and nothing else (docs/resources.md).
    for p in $ACCOUNTS; do
        openssl verify -CAfile "$QS/ca/account-root.pem" -untrusted "$MOUNT/$p.pem" "$MOUNT/$p.pem"
    done

    cat <<EOF

deviceid-fsd is serving $MOUNT; deviceid-ca and the software TPM keep
running (state and logs in $QS); deviceid-enrolld renews the certificates
before they expire (kill -USR1 its pid to renew now, then watch the
generations in "deviceidctl keyring").

Stop everything:  $0 stop
EOF
}

stop_main_job() {
    local name pid tcti=$TCTI mount=$MOUNT
    # Only ever what a main job made, with the ports and mount it used.
    [ -e "$QS/.deviceid-quickstart" ] || return 0
    [ -f "$QS/tcti" ] && tcti=$(cat "$QS/tcti")
    [ -f "$QS/mount" ] && mount=$(cat "$QS/mount")
    if [ -x "$BUILDDIR/enroll/deviceidctl" ]; then
        for name in $ACCOUNTS device roots; do
            DEVICEID_FSD_SOCKET=$QS/fsd.sock "$BUILDDIR/enroll/deviceidctl" remove "$name" \
                >/dev/null 2>&1 || true
        done
    fi
    # Newest first: the enrollment daemon, the filesystem, the CA, the TPM.
    touch "$QS/pids"
    tac "$QS/pids" | while read -r name pid; do
        if kill -0 "$pid" 2>/dev/null; then
            if [ "$name" = swtpm ]; then
                # TPM2_Shutdown first: unorderly stops count towards DA lockout.
                tpm2_shutdown -T "$tcti" >/dev/null 2>&1 || true
            fi
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
            echo "stopped $name (pid $pid)"
        fi
    done
    # A filesystem server killed hard leaves its mount behind: detach it.
    while [ "$(findmnt -n -M "$mount" -o SOURCE 2>/dev/null | tail -n1)" = deviceid ]; do
        umount -l "$mount" || break
    done
    rm -rf "$QS"
}

case "${1:-run}" in
    deps) deps ;;
    build) build ;;
    check) check ;;
    run) need_root; deps; build; run_main_job ;;
    main-job) need_root; run_main_job ;;
    stop) need_root; stop_main_job ;;
    *) echo "usage: $0 [run|check|stop|deps|build|main-job]" >&2; exit 2 ;;
esac
