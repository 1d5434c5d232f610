# SPDX-License-Identifier: Apache-2.0
"""deviceid-fsd on a real FUSE mount, fed through the real kernel keyring
by `deviceidctl import`: layout, modes, read-only-ness, permission checks,
renewals (fresh bytes for the next open, old bytes for open descriptors),
no torn reads, inotify, mount namespaces, restarts and many readers."""
import errno
import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fixtures.fsd import mounted_at, wait_for
from fixtures.procs import built_unit, require_tool, run, verify_units

NOBODY = 65534


def spki(pub):
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches_chain(key_pem, chain_pem):
    """True if the private key is the one of the chain's first (leaf) certificate."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    end = b"-----END CERTIFICATE-----\n"
    leaf = x509.load_pem_x509_certificate(chain_pem[:chain_pem.index(end) + len(end)])
    return spki(key.public_key()) == spki(leaf.public_key())


def split_bundle(data):
    marker = b"-----END PRIVATE KEY-----\n"
    i = data.index(marker) + len(marker)
    return data[:i], data[i:]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def as_nobody(argv):
    setpriv = require_tool("setpriv")
    return subprocess.run([setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv],
                          capture_output=True, timeout=30)


@pytest.fixture
def world(fsd, pki):
    """fsd serving device, roots and one account "wifi"."""
    dev = pki.issue("device-1")
    fsd.publish("device", dev["chain"])
    fsd.publish("roots", pki.ca_pem)
    wifi = pki.issue("wifi-1")
    fsd.publish("wifi", wifi["chain"], wifi["key"])
    fsd.start()
    return {"device": dev, "wifi": wifi}


def test_layout_modes_and_content(fsd, world, pki):
    names = sorted(os.listdir(fsd.mnt))
    assert names == ["device.pem", "roots.pem", "status.json", "wifi.bundle.pem", "wifi.key.pem", "wifi.pem"]
    modes = {n: os.stat(fsd.path(n)) for n in names}
    for n in ("device.pem", "roots.pem", "status.json", "wifi.pem"):
        assert stat.S_IMODE(modes[n].st_mode) == 0o444, n
    for n in ("wifi.key.pem", "wifi.bundle.pem"):
        assert stat.S_IMODE(modes[n].st_mode) == 0o400, n
    for n in names:
        assert stat.S_ISREG(modes[n].st_mode) and modes[n].st_uid == 0 and modes[n].st_gid == 0
    root = os.stat(fsd.mnt)
    # 0755: root may change names, which only the daemon's own calls through
    # its private read-write view get to do (every other write is EROFS).
    assert stat.S_ISDIR(root.st_mode) and stat.S_IMODE(root.st_mode) == 0o755

    wifi = world["wifi"]
    assert read(fsd.path("wifi.pem")) == wifi["chain_pem"]
    assert read(fsd.path("device.pem")) == world["device"]["chain_pem"]
    assert read(fsd.path("roots.pem")) == read(pki.ca_pem)
    key = read(fsd.path("wifi.key.pem"))
    assert key.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert key_matches_chain(key, wifi["chain_pem"])
    bundle = read(fsd.path("wifi.bundle.pem"))
    bkey, bchain = split_bundle(bundle)
    assert bkey == key and bchain == wifi["chain_pem"]
    assert modes["wifi.pem"].st_size == len(wifi["chain_pem"])

    status = json.loads(read(fsd.path("status.json")))
    entries = {e["name"]: e for e in status["entries"]}
    assert status["version"] == 1 and sorted(entries) == ["device", "roots", "wifi"]
    assert entries["wifi"]["files"] == ["wifi.pem", "wifi.key.pem", "wifi.bundle.pem"]
    assert entries["wifi"]["keyKind"] == "pkcs8" and entries["wifi"]["generation"] >= 1
    leaf = x509.load_pem_x509_certificate(wifi["leaf"])
    assert entries["wifi"]["notAfterUnix"] == int(leaf.not_valid_after.replace(
        tzinfo=__import__("datetime").timezone.utc).timestamp())
    assert entries["device"]["files"] == ["device.pem"]

    # cat and ls, as users run them.
    assert run(["cat", fsd.path("wifi.pem")]).stdout == wifi["chain_pem"]
    ls = run(["ls", "-l", fsd.mnt]).stdout.decode()
    assert "-r--------" in ls and "wifi.key.pem" in ls and "-r--r--r--" in ls
    assert run(["ls", fsd.mnt]).stdout.decode().split() == names
    # The mount users see is read-only; the FUSE superblock behind it is not.
    lines = mounted_at(fsd.mnt)
    assert len(lines) == 2 and lines[-1].split()[5].startswith("ro,")


def test_config_owner_and_mode(fsd, pki):
    wifi = pki.issue("wifi-1")
    fsd.publish("wifi", wifi["chain"], wifi["key"])
    fsd.start(config=f"[account:wifi]\nUser={NOBODY}\nGroup={NOBODY}\nMode=0440\nCertMode=0440\n")
    st = os.stat(fsd.path("wifi.key.pem"))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (NOBODY, NOBODY, 0o440)
    assert stat.S_IMODE(os.stat(fsd.path("wifi.pem")).st_mode) == 0o440
    cp = as_nobody(["cat", fsd.path("wifi.key.pem")])
    assert cp.returncode == 0 and key_matches_chain(cp.stdout, wifi["chain_pem"]), cp.stderr
    # Another uid is refused by the kernel's permission check.
    other = subprocess.run(["setpriv", "--reuid=65533", "--regid=65533", "--clear-groups", "cat",
                            fsd.path("wifi.key.pem")], capture_output=True)
    assert other.returncode != 0 and b"Permission denied" in other.stderr


def test_unauthorized_reader_gets_eacces(fsd, world):
    code = ("import errno,sys\n"
            "try:\n open(sys.argv[1],'rb').read()\nexcept OSError as e:\n print(errno.errorcode[e.errno])\n"
            "else:\n print('READ')\n")
    for name in ("wifi.key.pem", "wifi.bundle.pem"):
        cp = as_nobody(["/usr/bin/python3", "-c", code, fsd.path(name)])
        assert cp.stdout.decode().strip() == "EACCES", (name, cp)
        cp = as_nobody(["cat", fsd.path(name)])
        assert cp.returncode != 0 and b"Permission denied" in cp.stderr
    # Public files stay readable by anyone, and the directory is listable.
    assert as_nobody(["cat", fsd.path("wifi.pem")]).stdout == world["wifi"]["chain_pem"]
    assert b"wifi.key.pem" in as_nobody(["ls", fsd.mnt]).stdout


WRITE_CALLS = [
    ("open for write", lambda p, d: os.close(os.open(p, os.O_WRONLY))),
    ("open read-write", lambda p, d: os.close(os.open(p, os.O_RDWR))),
    ("open append", lambda p, d: os.close(os.open(p, os.O_WRONLY | os.O_APPEND))),
    ("create", lambda p, d: os.close(os.open(os.path.join(d, "new.pem"), os.O_WRONLY | os.O_CREAT, 0o444))),
    ("touch", lambda p, d: os.utime(p)),
    ("mkdir", lambda p, d: os.mkdir(os.path.join(d, "dir"))),
    ("unlink", lambda p, d: os.unlink(p)),
    ("rename", lambda p, d: os.rename(p, os.path.join(d, "moved.pem"))),
    ("chmod", lambda p, d: os.chmod(p, 0o644)),
    ("chown", lambda p, d: os.chown(p, 1, 1)),
    ("setxattr", lambda p, d: os.setxattr(p, "user.test", b"1")),
    ("removexattr", lambda p, d: os.removexattr(p, "user.test")),
    ("truncate", lambda p, d: os.truncate(p, 0)),
    ("symlink", lambda p, d: os.symlink("wifi.pem", os.path.join(d, "link.pem"))),
    ("hard link", lambda p, d: os.link(p, os.path.join(d, "hard.pem"))),
    ("mknod", lambda p, d: os.mknod(os.path.join(d, "fifo"), 0o600 | stat.S_IFIFO)),
]


@pytest.mark.parametrize("what,call", WRITE_CALLS, ids=[w for w, _ in WRITE_CALLS])
def test_erofs_on_every_write_path(fsd, world, what, call):
    before = read(fsd.path("wifi.pem"))
    with pytest.raises(OSError) as e:
        call(fsd.path("wifi.pem"), fsd.mnt)
    assert e.value.errno == errno.EROFS, (what, e.value)
    # Also as root through the daemon's own read-write view: the FUSE
    # handlers refuse by themselves (a write open passes once the kernel
    # skips opens, and the write itself is refused).
    rw = fsd.rw_view()
    try:
        call(os.path.join(rw, "wifi.pem"), rw)
        assert what.startswith("open"), f"{what} succeeded on the read-write view"
        fd = os.open(os.path.join(rw, "wifi.pem"), os.O_WRONLY)
        try:
            with pytest.raises(OSError) as e2:
                os.write(fd, b"x")
            assert e2.value.errno == errno.EROFS
        finally:
            os.close(fd)
    except OSError as e3:
        assert e3.errno in (errno.EROFS, errno.ENODATA, errno.EOPNOTSUPP) if what == "removexattr" \
            else e3.errno == errno.EROFS, (what, e3)
    assert sorted(os.listdir(fsd.mnt)) == ["device.pem", "roots.pem", "status.json", "wifi.bundle.pem",
                                           "wifi.key.pem", "wifi.pem"]
    assert read(fsd.path("wifi.pem")) == before


def test_shell_write_commands_fail(fsd, world):
    for argv in (["touch", fsd.path("x")], ["touch", fsd.path("wifi.pem")], ["mkdir", fsd.path("d")],
                 ["rm", "-f", fsd.path("wifi.pem")], ["mv", fsd.path("wifi.pem"), fsd.path("y")],
                 ["chmod", "644", fsd.path("wifi.pem")], ["chown", "1", fsd.path("wifi.pem")],
                 ["truncate", "-s", "0", fsd.path("wifi.pem")]):
        cp = run(argv, check=False)
        assert cp.returncode != 0 and b"Read-only file system" in cp.stderr, (argv, cp.stderr)


def test_renewal_next_open_new_bytes_open_fd_old_bytes(fsd, world, pki):
    old = world["wifi"]
    held = {n: os.open(fsd.path(n), os.O_RDONLY) for n in ("wifi.pem", "wifi.bundle.pem", "wifi.key.pem")}
    try:
        assert os.read(held["wifi.pem"], 10) == old["chain_pem"][:10]  # partly read before the renewal
        new = pki.issue("wifi-2-with-a-much-longer-common-name-so-the-size-changes")
        assert len(new["chain_pem"]) != len(old["chain_pem"])
        fsd.publish("wifi", new["chain"], new["key"])  # returns once fsd confirmed the reload
        assert read(fsd.path("wifi.pem")) == new["chain_pem"]
        assert os.stat(fsd.path("wifi.pem")).st_size == len(new["chain_pem"])
        assert key_matches_chain(read(fsd.path("wifi.key.pem")), new["chain_pem"])
        k, c = split_bundle(read(fsd.path("wifi.bundle.pem")))
        assert c == new["chain_pem"] and key_matches_chain(k, c)

        assert os.read(held["wifi.pem"], 1 << 16) == old["chain_pem"][10:]
        assert os.pread(held["wifi.pem"], 1 << 16, 0) == old["chain_pem"]
        assert os.fstat(held["wifi.pem"]).st_size == len(old["chain_pem"])
        assert os.fstat(held["wifi.pem"]).st_nlink == 0  # like a file replaced by rename
        k, c = split_bundle(os.pread(held["wifi.bundle.pem"], 1 << 16, 0))
        assert c == old["chain_pem"] and key_matches_chain(k, c)
        assert key_matches_chain(os.pread(held["wifi.key.pem"], 1 << 16, 0), old["chain_pem"])
        assert os.fstat(held["wifi.pem"]).st_ino != os.stat(fsd.path("wifi.pem")).st_ino
        status = json.loads(read(fsd.path("status.json")))
        assert [e for e in status["entries"] if e["name"] == "wifi"][0]["generation"] >= 2
    finally:
        for fd in held.values():
            os.close(fd)


def test_reader_loop_sees_no_torn_or_mismatched_content(fsd, world, pki):
    gens = [world["wifi"]] + [pki.issue(f"wifi-gen-{i}" + "x" * (i * 7)) for i in range(1, 6)]
    valid = {}
    for g in gens:
        valid[g["key_pem"] + g["chain_pem"]] = g
    stop = threading.Event()
    seen = {"reads": 0, "bad": [], "distinct": set()}

    def reader():
        while not stop.is_set():
            data = read(fsd.path("wifi.bundle.pem"))
            k, c = split_bundle(data)
            seen["reads"] += 1
            seen["distinct"].add(c)
            if c not in {g["chain_pem"] for g in gens} or not key_matches_chain(k, c):
                seen["bad"].append(data)
            chain = read(fsd.path("wifi.pem"))
            if chain not in {g["chain_pem"] for g in gens}:
                seen["bad"].append(chain)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(30):
            g = gens[(i + 1) % len(gens)]
            fsd.publish("wifi", g["chain"], g["key"])
            assert read(fsd.path("wifi.pem")) == g["chain_pem"]
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not any(t.is_alive() for t in threads), "a reader hung"
    assert not seen["bad"], f"{len(seen['bad'])} torn or mismatched reads"
    assert seen["reads"] > 30 and len(seen["distinct"]) > 1


def start_inotifywait(procs, tmp_path, name, argv):
    inw = require_tool("inotifywait")
    p = procs([inw, *argv], name)
    wait_for(lambda: "Watches established" in p.log_text() or not p.alive(), what=f"{name} watches")
    assert p.alive() or p.popen.returncode == 0
    return p


def test_inotify_on_file_and_directory_sees_each_renewal(fsd, world, pki, procs, tmp_path):
    gens = [pki.issue(f"wifi-inotify-{i}") for i in range(4)]
    dirwatch = start_inotifywait(procs, tmp_path, "inotify-dir", ["-m", "-e", "attrib,delete,create,moved_to",
                                                                    fsd.mnt])
    for i, g in enumerate(gens):
        # A watch on the file, as a systemd PathChanged= unit holds it (re-armed after each event).
        fw = start_inotifywait(procs, tmp_path, f"inotify-file{i}", ["-e", "attrib,delete_self,modify",
                                                                       fsd.path("wifi.pem")])
        fsd.publish("wifi", g["chain"], g["key"])
        assert fw.popen.wait(20) == 0, fw.log_text()
        assert f"{fsd.path('wifi.pem')} ATTRIB" in fw.log_text(), fw.log_text()
        # The new generation is moved over the name, as a careful writer replaces a file.
        wait_for(lambda: dirwatch.log_text().count("MOVED_TO wifi.pem") >= i + 1, what="directory event")
        # Whoever reacts to the event reads the new generation.
        assert read(fsd.path("wifi.pem")) == g["chain_pem"]
    assert dirwatch.alive()


class Inotify:
    """inotify(7) through libc, for exact event sequences."""
    IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE = 0x4, 0x40, 0x80, 0x100
    IN_DELETE, IN_DELETE_SELF, IN_IGNORED = 0x200, 0x400, 0x8000
    NAMES = {IN_ATTRIB: "ATTRIB", IN_MOVED_FROM: "MOVED_FROM", IN_MOVED_TO: "MOVED_TO", IN_CREATE: "CREATE",
             IN_DELETE: "DELETE", IN_DELETE_SELF: "DELETE_SELF", IN_IGNORED: "IGNORED"}

    def __init__(self):
        import ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        self.paths = {}

    def watch(self, path, mask=IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF):
        import ctypes
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(path), mask)
        assert wd >= 0, os.strerror(ctypes.get_errno())
        self.paths[wd] = path
        return wd

    def read(self):
        """Pending events as (path, [event names], name, cookie), in order."""
        import struct
        out = []
        while True:
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                return out
            off = 0
            while off < len(buf):
                wd, mask, cookie, n = struct.unpack_from("iIII", buf, off)
                name = buf[off + 16:off + 16 + n].rstrip(b"\0").decode()
                off += 16 + n
                out.append((self.paths.get(wd), [v for k, v in self.NAMES.items() if mask & k], name, cookie))

    def close(self):
        os.close(self.fd)


def test_name_changes_raise_the_events_of_a_real_filesystem(fsd, pki):
    """New names: IN_CREATE; renewals: IN_MOVED_FROM/IN_MOVED_TO on the directory,
    IN_ATTRIB and IN_DELETE_SELF on the old file; removals: IN_DELETE."""
    dev = pki.issue("device-1")
    fsd.publish("device", dev["chain"])
    fsd.start()
    ino = Inotify()
    try:
        ino.watch(fsd.mnt)
        first = pki.issue("wifi-1")
        fsd.publish("wifi", first["chain"], first["key"])
        ev = [(e[1], e[2]) for e in ino.read() if e[2]]
        # Keys and bundles first, the certificate after them, status.json last.
        assert ev == [(["CREATE"], "wifi.bundle.pem"), (["CREATE"], "wifi.key.pem"), (["CREATE"], "wifi.pem"),
                      (["MOVED_FROM"], ".status.json.new"), (["MOVED_TO"], "status.json")], ev
        assert read(fsd.path("wifi.pem")) == first["chain_pem"]

        old_ino = os.stat(fsd.path("wifi.pem")).st_ino
        ino.watch(fsd.path("wifi.pem"))
        second = pki.issue("wifi-2")
        fsd.publish("wifi", second["chain"], second["key"])
        events = ino.read()
        on_dir = [(e[1], e[2], e[3]) for e in events if e[0] == fsd.mnt and e[2] in (".wifi.pem.new", "wifi.pem")]
        assert [x[:2] for x in on_dir] == [(["MOVED_FROM"], ".wifi.pem.new"), (["MOVED_TO"], "wifi.pem")], events
        assert on_dir[0][2] == on_dir[1][2] != 0  # one rename: one cookie
        on_file = [e[1] for e in events if e[0] == fsd.path("wifi.pem")]
        assert on_file[0] == ["ATTRIB"] and ["DELETE_SELF"] in on_file, events
        assert read(fsd.path("wifi.pem")) == second["chain_pem"]
        assert os.stat(fsd.path("wifi.pem")).st_ino != old_ino
        # Nothing of the temporary names is left.
        assert sorted(os.listdir(fsd.mnt)) == ["device.pem", "status.json", "wifi.bundle.pem", "wifi.key.pem",
                                               "wifi.pem"]
        assert not os.path.exists(fsd.path(".wifi.pem.new"))

        fsd.remove("wifi")
        ev = [(e[1], e[2]) for e in ino.read() if e[0] == fsd.mnt and e[2]]
        assert ev == [(["DELETE"], "wifi.bundle.pem"), (["DELETE"], "wifi.key.pem"), (["DELETE"], "wifi.pem"),
                      (["MOVED_FROM"], ".status.json.new"), (["MOVED_TO"], "status.json")], ev
        assert not os.path.exists(fsd.path("wifi.pem"))
    finally:
        ino.close()


def test_a_name_watched_before_it_exists_is_seen_appearing(fsd, pki, procs, tmp_path):
    """What a systemd PathChanged= unit does for a file that does not exist
    yet: it watches the directory for the name to be created or moved in."""
    fsd.start()
    assert not os.path.exists(fsd.path("vpn.pem"))  # a cached negative entry, too
    w = start_inotifywait(procs, tmp_path, "inotify-appear", ["-e", "create,moved_to", fsd.mnt])
    first = pki.issue("vpn-1")
    fsd.publish("vpn", first["chain"], first["key"])
    assert w.popen.wait(20) == 0, w.log_text()
    assert "CREATE" in w.log_text(), w.log_text()
    assert read(fsd.path("vpn.pem")) == first["chain_pem"]


def test_name_operations_are_refused_to_everyone_but_the_daemon(fsd, world):
    """The daemon takes a create, a rename of a temporary name over a file
    and an unlink from its own notifier thread only. Anyone else, even root
    through its read-write view, gets EROFS, and the temporary names do not
    resolve for them (test_erofs_on_every_write_path covers the rest)."""
    rw = fsd.rw_view()
    with pytest.raises(OSError) as e:
        os.mknod(os.path.join(rw, "x.pem"), 0o400 | stat.S_IFREG)
    assert e.value.errno == errno.EROFS
    for view in (rw, fsd.mnt):
        with pytest.raises(OSError) as e:
            os.rename(os.path.join(view, ".wifi.pem.new"), os.path.join(view, "wifi.pem"))
        assert e.value.errno in (errno.ENOENT, errno.EROFS), e.value
        assert not os.path.exists(os.path.join(view, ".wifi.pem.new"))
    with pytest.raises(OSError) as e:
        os.rename(os.path.join(rw, "wifi.key.pem"), os.path.join(rw, ".wifi.pem.new"))
    assert e.value.errno == errno.EROFS
    assert sorted(os.listdir(fsd.mnt)) == ["device.pem", "roots.pem", "status.json", "wifi.bundle.pem",
                                           "wifi.key.pem", "wifi.pem"]
    assert read(fsd.path("wifi.pem")) == world["wifi"]["chain_pem"]


def test_example_path_unit_verifies(tmp_path):
    src = os.environ.get("DEVICEID_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    for unit in ("example-renewal.path", "example-renewal.service"):
        (tmp_path / unit).write_text(open(os.path.join(src, "units", unit)).read())
    text = (tmp_path / "example-renewal.path").read_text()
    assert "PathChanged=/run/deviceid/" in text and "After=sysinit.target deviceid-fsd.service" in text
    verify_units(built_unit(tmp_path, "deviceid-fsd.service"), tmp_path / "example-renewal.path",
                 tmp_path / "example-renewal.service", args=("--man=no",))


def test_fsd_service_unit_verifies(tmp_path):
    unit = built_unit(tmp_path, "deviceid-fsd.service")
    text = unit.read_text()
    assert "Type=notify" in text and "RestartPreventExitStatus=78" in text and "Before=deviceid.service" not in text
    verify_units(unit, args=("--man=no",))


def test_bind_mount_in_private_namespace_sees_renewals(fsd, world, pki, procs, tmp_path):
    unshare = require_tool("unshare")
    inw = require_tool("inotifywait")
    bind = tmp_path / "container-view"
    bind.mkdir()
    out = tmp_path / "seen.pem"
    script = tmp_path / "ns.sh"
    script.write_text(f"""set -e
mount --make-rprivate /
mount --bind {fsd.mnt} {bind}
cat {bind}/wifi.pem > {out}.before
{inw} -e attrib,delete_self {bind}/wifi.pem
cat {bind}/wifi.pem > {out}.tmp
mv {out}.tmp {out}
""")
    p = procs([unshare, "-m", "--propagation", "private", "sh", str(script)], "unshare")
    wait_for(lambda: "Watches established" in p.log_text() or not p.alive(), what="watch in the namespace")
    assert p.alive(), p.log_text()
    new = pki.issue("wifi-ns-renewed")
    fsd.publish("wifi", new["chain"], new["key"])
    assert p.popen.wait(20) == 0, p.log_text()
    assert (tmp_path / "seen.pem.before").read_bytes() == world["wifi"]["chain_pem"]
    assert out.read_bytes() == new["chain_pem"]
    # The bind mount is in the other namespace only.
    assert not mounted_at(str(bind))


def test_killing_the_publisher_leaves_the_mount_serving(fsd, pki, procs, tmp_path):
    first = pki.issue("wifi-first")
    fsd.publish("wifi", first["chain"], first["key"])
    fsd.start(config="[fsd]\nPollIntervalSec=1\n")
    gens = [pki.issue(f"wifi-killed-{i}") for i in range(3)]
    chains = {first["chain_pem"]} | {g["chain_pem"] for g in gens}
    # A notification that never arrives: the publisher dies after publishing.
    env = dict(fsd.env, DEVICEID_FSD_SOCKET=str(tmp_path / "nobody-listens.sock"))
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    lsock.bind(env["DEVICEID_FSD_SOCKET"])
    lsock.listen(8)
    try:
        for g in gens:
            p = procs([fsd.ctl, "import", "wifi", "--cert", g["chain"], "--key", g["key"]], "publisher", env=env)
            conn, _ = lsock.accept()  # it published and now waits for fsd's answer
            p.stop(signal.SIGKILL)
            conn.close()
            assert read(fsd.path("wifi.pem")) in chains
    finally:
        lsock.close()
    # The periodic poll picks up what the dead publisher left in the keyring.
    wait_for(lambda: read(fsd.path("wifi.pem")) == gens[-1]["chain_pem"], what="poll fallback")
    assert key_matches_chain(read(fsd.path("wifi.key.pem")), gens[-1]["chain_pem"])
    assert fsd.proc.alive()
    again = pki.issue("wifi-after")
    fsd.publish("wifi", again["chain"], again["key"])
    assert read(fsd.path("wifi.pem")) == again["chain_pem"]


def test_remove_account_files_disappear(fsd, world):
    fw = os.open(fsd.path("wifi.pem"), os.O_RDONLY)
    try:
        fsd.remove("wifi")
        for n in ("wifi.pem", "wifi.key.pem", "wifi.bundle.pem"):
            assert not os.path.exists(fsd.path(n))
        assert sorted(os.listdir(fsd.mnt)) == ["device.pem", "roots.pem", "status.json"]
        assert os.pread(fw, 1 << 16, 0) == world["wifi"]["chain_pem"]
        names = [e["name"] for e in json.loads(read(fsd.path("status.json")))["entries"]]
        assert names == ["device", "roots"]
    finally:
        os.close(fw)


def test_a_listing_is_current_when_it_starts_not_when_its_directory_was_opened(fsd, world, pki):
    """The kernel caches a listing (cache_readdir) stamped with the
    directory's version when the listing starts: one that starts after a
    change must show it, also through a handle opened before, and then
    every later listing does too (no stale cache until the next change)."""
    fd = os.open(fsd.mnt, os.O_RDONLY | os.O_DIRECTORY)
    try:
        web = pki.issue("web-1")
        fsd.publish("web", web["chain"], web["key"])   # returns once fsd confirmed the reload
        assert "web.pem" in os.listdir(fd)             # listdir(fd) starts at offset 0 (rewinddir)
        assert "web.pem" in os.listdir(fsd.mnt)
        fsd.remove("web")
        assert "web.pem" not in os.listdir(fd)
        assert "web.pem" not in os.listdir(fsd.mnt)
    finally:
        os.close(fd)


def test_stale_mount_after_kill9_is_cleaned_at_start(fsd, world):
    """The holder itself killed: its server goes with it, the mount is stale
    (the documented limit of takeover) and the next start replaces it."""
    first = fsd.proc
    server = fsd.server_pid()
    first.stop(signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{server}"), what="the server to follow its holder")
    with pytest.raises(OSError) as e:
        os.stat(fsd.path("wifi.pem"))
    assert e.value.errno == errno.ENOTCONN
    fsd.start()
    assert read(fsd.path("wifi.pem")) == world["wifi"]["chain_pem"]
    assert len(mounted_at(fsd.mnt)) == 2
    assert "stale FUSE mount" in fsd.proc.log_text()


def test_sigterm_unmounts_cleanly(fsd, world):
    assert fsd.proc.stop(signal.SIGTERM) == 0
    assert mounted_at(fsd.mnt) == []
    assert not os.path.exists(fsd.sock)
    assert "Unmounted" in fsd.proc.log_text()


def test_second_instance_refuses_a_live_mount(fsd, world):
    p = fsd.start(wait=False)
    assert p.popen.wait(20) != 0
    assert "live FUSE filesystem" in p.log_text()
    assert read(fsd.path("wifi.pem")) == world["wifi"]["chain_pem"]


def test_world_readable_key_config_refused(fsd, pki):
    p = fsd.start(config="[account:wifi]\nMode=0444\n", wait=False)
    assert p.popen.wait(20) == 78  # EX_CONFIG: the unit's RestartPreventExitStatus= does not retry it
    assert "accessible to every user" in p.log_text()
    assert mounted_at(fsd.mnt) == []


def test_control_socket_protocol(fsd, world):
    def ask(msg):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(20)
            s.connect(fsd.sock)
            s.send(msg)
            return s.recv(512)
    idle = [socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(40)]
    try:
        for s in idle:  # silent clients, more than there are slots, do not block others
            s.connect(fsd.sock)
        assert ask(b"reload") == b"ok"
    finally:
        for s in idle:
            s.close()
    assert ask(b"reload") == b"ok"
    assert ask(b"hello") == b"error unknown request"
    assert ask(b"reload\0") == b"error unknown request"
    assert stat.S_IMODE(os.stat(fsd.sock).st_mode) == 0o600


def test_200_concurrent_readers(fsd, world, pki):
    new = pki.issue("wifi-during-readers")
    valid = {world["wifi"]["chain_pem"], new["chain_pem"]}
    errors = []
    counts = []
    barrier = threading.Barrier(201)

    def reader():
        n = 0
        try:
            barrier.wait(60)
            for _ in range(40):
                with open(fsd.path("wifi.pem"), "rb") as f:
                    if f.read() not in valid:
                        errors.append("bad bytes")
                os.listdir(fsd.mnt)
                n += 1
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))
        counts.append(n)

    threads = [threading.Thread(target=reader) for _ in range(200)]
    for t in threads:
        t.start()
    barrier.wait(60)
    fsd.publish("wifi", new["chain"], new["key"])
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "readers hung"
    assert not errors, errors[:5]
    assert sorted(counts) == [40] * 200
    assert fsd.proc.alive()
    assert read(fsd.path("wifi.pem")) == new["chain_pem"]


def issue_short_lived(pki, cn, seconds):
    """A leaf valid for `seconds` from now, signed by the test CA (python
    cryptography: openssl's CLI cannot go below a day here)."""
    import datetime
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    ca_key = serialization.load_pem_private_key(read(pki.ca_key), password=None)
    ca = x509.load_pem_x509_certificate(read(pki.ca_pem))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(seconds=seconds))
            .sign(ca_key, hashes.SHA256()))
    base = os.path.join(pki.d, cn)
    chain = cert.public_bytes(serialization.Encoding.PEM) + read(pki.ca_pem)
    with open(base + ".chain", "wb") as f:
        f.write(chain)
    with open(base + ".key", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return {"chain": base + ".chain", "key": base + ".key", "chain_pem": chain}


def test_expired_account_disappears(fsd, pki):
    keep = pki.issue("wifi-long")
    fsd.publish("wifi", keep["chain"], keep["key"])
    short = issue_short_lived(pki, "vpn-short", 4)
    fsd.publish("vpn", short["chain"], short["key"])
    fsd.start(config="[fsd]\nPollIntervalSec=1\n")
    assert read(fsd.path("vpn.pem")) == short["chain_pem"]
    held = os.open(fsd.path("vpn.pem"), os.O_RDONLY)
    try:
        # Past notAfter the keyring reports the entry absent; the poll drops its files.
        wait_for(lambda: not os.path.exists(fsd.path("vpn.pem")), timeout=30, what="expiry")
        assert sorted(os.listdir(fsd.mnt)) == ["status.json", "wifi.bundle.pem", "wifi.key.pem", "wifi.pem"]
        assert [e["name"] for e in json.loads(read(fsd.path("status.json")))["entries"]] == ["wifi"]
        assert os.pread(held, 1 << 16, 0) == short["chain_pem"]
    finally:
        os.close(held)


def test_sighup_reloads(fsd, pki, tmp_path):
    first = pki.issue("wifi-first")
    fsd.publish("wifi", first["chain"], first["key"])
    fsd.start(config="[fsd]\nPollIntervalSec=3600\n")  # no poll can do it instead
    new = pki.issue("wifi-hup")
    # Publish without telling fsd (nobody listens on that socket).
    env = dict(fsd.env, DEVICEID_FSD_SOCKET=str(tmp_path / "nobody.sock"))
    run([fsd.ctl, "import", "wifi", "--cert", new["chain"], "--key", new["key"]], env=env)
    assert read(fsd.path("wifi.pem")) == first["chain_pem"]
    os.kill(fsd.proc.pid, signal.SIGHUP)
    wait_for(lambda: read(fsd.path("wifi.pem")) == new["chain_pem"], what="reload on SIGHUP")
    assert fsd.proc.alive()


def test_background_mode_returns_once_serving(fsd, pki, tmp_path):
    wifi = pki.issue("wifi-bg")
    fsd.publish("wifi", wifi["chain"], wifi["key"])
    argv = [fsd.binary, "--mount", fsd.mnt, "--control-socket", fsd.sock]
    with open(tmp_path / "background.log", "wb") as log:  # a file, not a pipe the daemon could keep open
        cp = subprocess.run(argv, env=fsd.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30)
    cp.stderr = (tmp_path / "background.log").read_bytes()
    # The parent exits 0 only once the child serves: no waiting needed here.
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.connect(fsd.sock)
        pid = __import__("struct").unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    try:
        assert cp.returncode == 0, cp.stderr
        assert read(fsd.path("wifi.pem")) == wifi["chain_pem"]
        holder = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        assert os.getsid(holder) == holder == os.getsid(pid)  # its own session, detached from ours
    finally:
        # SIGTERM to the server is passed to its holder, which stops both.
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), what="background fsd exit")
        wait_for(lambda: not mounted_at(fsd.mnt), what="background fsd unmount")
    assert mounted_at(fsd.mnt) == []
