# SPDX-License-Identifier: Apache-2.0
"""The kernel-keyring agent against the real kernel keyring: deviceidctl
import/remove/keyring, the documented layout and permissions, another uid
locked out, atomic generations under a reading loop and under a publisher
SIGKILLed at every step, nothing secret written to disk (strace), expiry
by the kernel's timeout, removal, restart recovery, and bad input (quota,
a key revoked under us, a key of the wrong type, bad files).

Each test works in a keyring of its own (fixtures/keyring.py)."""
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time

import pytest

from fixtures.procs import require_tool, run

DEFAULT_PERM_RING = "3f010000"
DEFAULT_PERM_ENTRY = "3b010000"


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def pem_body_chunks(pem):
    """Distinctive pieces of a PEM's base64 body, to look for in traces."""
    lines = [l for l in pem.decode().splitlines() if l and not l.startswith("-----")]
    return [l[:40] for l in lines if len(l) >= 40] or [l for l in lines if len(l) >= 16]


def proc_keys_line(serial):
    with open("/proc/keys") as f:
        for line in f:
            if line.split()[0] == f"{serial:08x}":
                return line
    return None


def test_import_stores_documented_layout(keyring_env, keyring_pki):
    require_tool("keyctl")
    leaf = keyring_pki.issue("vpn.example", seconds=3600, key_format="traditional")
    keyring_env.deviceidctl("import", "vpn", "--cert", leaf.chain_path, "--key", leaf.key_path)

    ring, entry = keyring_env.ids("vpn")
    assert ring > 0 and entry > 0
    uid, gid = os.getuid(), os.getgid()
    desc = run(["keyctl", "rdescribe", ring]).stdout.decode().strip()
    assert desc == f"keyring;{uid};{gid};{DEFAULT_PERM_RING};{keyring_env.name}"
    desc = run(["keyctl", "rdescribe", entry]).stdout.decode().strip()
    assert desc == f"user;{uid};{gid};{DEFAULT_PERM_ENTRY};deviceid:entry:vpn"

    line = proc_keys_line(ring)
    assert line is not None and keyring_env.name in line

    # Timeout at the leaf's notAfter: /proc/keys shows the time left.
    line = proc_keys_line(entry)
    assert line is not None
    expiry = line.split()[3]
    assert expiry != "perm", line
    assert re.fullmatch(r"(\d+)([smhdw])", expiry), line
    value, unit = int(expiry[:-1]), expiry[-1]
    left = value * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    assert 0 < left <= 3600

    got = keyring_env.read("vpn")
    assert got["generation"] != "0"
    assert got["kind"] == "pkcs8"
    assert got["consistent"] == "1"
    assert int(got["not_after"]) == int(leaf.not_after.timestamp())
    assert got["chain_sha256"] == sha256(leaf.chain_path.read_bytes())
    # A traditional EC key file is stored as PKCS#8.
    assert leaf.key_pem != leaf.pkcs8_pem
    assert got["key_sha256"] == sha256(leaf.pkcs8_pem)

    # Only the entry and the generation counter live in the keyring.
    contents = keyring_env.tool_run("contents").stdout.decode().split("\n")
    descs = sorted(l.rsplit(";", 1)[-1] for l in contents if l)
    assert descs == ["deviceid:entry:vpn", "deviceid:generation"]


def test_other_uid_cannot_read(keyring_env, keyring_pki):
    setpriv = require_tool("setpriv")
    require_tool("keyctl")
    leaf = keyring_pki.issue("secret.example")
    keyring_env.deviceidctl("import", "secret", "--cert", leaf.chain_path, "--key", leaf.key_path)
    ring, entry = keyring_env.ids("secret")
    assert keyring_env.read("secret")["consistent"] == "1"  # root (possessor) can

    nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    for argv in (["keyctl", "print", entry], ["keyctl", "pipe", entry], ["keyctl", "rdescribe", entry],
                 ["keyctl", "rlist", ring], ["keyctl", "unlink", entry, ring],
                 ["keyctl", "setperm", entry, "0x3f3f3f3f"], ["keyctl", "revoke", entry],
                 ["keyctl", "link", entry, "@u"]):
        cp = run(nobody + argv, check=False)
        assert cp.returncode != 0, argv
        assert b"Permission denied" in cp.stderr, (argv, cp.stderr)
    # And the entry is intact afterwards.
    assert keyring_env.read("secret")["key_sha256"] == sha256(leaf.pkcs8_pem)


def test_keyring_verb_shows_metadata_never_keys(keyring_env, keyring_pki):
    leaf = keyring_pki.issue("wifi.example")
    roots = keyring_pki.roots_path()
    keyring_env.deviceidctl("import", "wifi", "--cert", leaf.chain_path, "--key", leaf.key_path)
    keyring_env.deviceidctl("import", "roots", "--cert", roots)

    text = keyring_env.deviceidctl("keyring")
    js = keyring_env.deviceidctl("keyring", "--json")
    for out in (text.stdout + text.stderr, js.stdout + js.stderr):
        for chunk in pem_body_chunks(leaf.pkcs8_pem) + pem_body_chunks(leaf.key_pem):
            assert chunk.encode() not in out
        assert b"PRIVATE KEY" not in out
    assert b"wifi" in text.stdout and b"CN=wifi.example" in text.stdout

    doc = json.loads(js.stdout)
    assert doc["keyring"] == keyring_env.name and doc["exists"] is True
    by_name = {e["name"]: e for e in doc["entries"]}
    assert sorted(by_name) == ["roots", "wifi"]
    w = by_name["wifi"]
    assert w["state"] == "current" and w["kind"] == "pkcs8" and w["certificates"] == 2
    assert w["subject"] == "CN=wifi.example"
    assert w["not_after"] == int(leaf.not_after.timestamp())
    assert by_name["roots"]["kind"] == "none" and by_name["roots"]["not_after"] == 0
    assert by_name["roots"]["generation"] != w["generation"]


def test_keyring_verb_without_keyring(keyring_env):
    cp = keyring_env.deviceidctl("keyring", "--json")
    doc = json.loads(cp.stdout)
    assert doc["exists"] is False and doc["entries"] == []


def test_restart_recovery(keyring_env, keyring_pki):
    a = keyring_pki.issue("a.example")
    b = keyring_pki.issue("b.example")
    keyring_env.deviceidctl("import", "acct", "--cert", a.chain_path, "--key", a.key_path)
    first = keyring_env.read("acct")  # a new process
    assert first["chain_sha256"] == sha256(a.chain_path.read_bytes())
    # A restarted publisher continues the numbering from the keyring.
    keyring_env.deviceidctl("import", "acct", "--cert", b.chain_path, "--key", b.key_path)
    second = keyring_env.read("acct")
    assert int(second["generation"]) > int(first["generation"])
    assert second["chain_sha256"] == sha256(b.chain_path.read_bytes())
    assert second["key_sha256"] == sha256(b.pkcs8_pem)


def test_reader_never_sees_mixed_generation(keyring_env, keyring_pki, procs, tmp_path):
    a = keyring_pki.issue("gen-a.example")
    b = keyring_pki.issue("gen-b.example")
    keyring_env.deviceidctl("import", "acct", "--cert", a.chain_path, "--key", a.key_path)
    stop = tmp_path / "stop"
    reader = procs([keyring_env.tool, "loop", "acct", stop], "reader", env=keyring_env.env)
    reader.wait_ready(lambda: "seen " in reader.log_text(), what="reader loop")

    # Publish until the reader has seen at least 20 generations change
    # under it (bounded, so a stuck reader fails instead of hanging).
    for i in range(2000):
        leaf = b if i % 2 == 0 else a
        keyring_env.deviceidctl("import", "acct", "--cert", leaf.chain_path, "--key", leaf.key_path)
        if reader.log_text().count("seen ") >= 20:
            break
    stop.write_text("")
    rc = reader.popen.wait(timeout=60)
    out = reader.log_text()
    stats = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split())
    assert rc == 0, out[-2000:]
    assert stats["mixed"] == "0" and stats["backwards"] == "0" and stats["errors"] == "0"
    assert stats["absent"] == "0"
    assert int(stats["generations"]) >= 20
    assert int(stats["reads"]) >= 20


def test_killed_publisher_leaves_a_whole_generation(keyring_env, keyring_pki):
    a = keyring_pki.issue("old.example")
    b = keyring_pki.issue("new.example")
    pairs = {
        (sha256(a.chain_path.read_bytes()), sha256(a.pkcs8_pem)): "a",
        (sha256(b.chain_path.read_bytes()), sha256(b.pkcs8_pem)): "b",
    }
    kill = keyring_env.kill_tool
    # A full publish, counting its keyutils calls.
    cp = run([kill, "publish", "acct", a.chain_path, a.key_path], env=keyring_env.env)
    calls = int(re.search(rb"keyutils-calls (\d+)", cp.stderr).group(1))
    assert calls >= 8
    cp = run([kill, "publish", "acct", b.chain_path, b.key_path], env=keyring_env.env)
    steady = int(re.search(rb"keyutils-calls (\d+)", cp.stderr).group(1))
    assert steady >= calls  # replacing costs at least as many calls as creating

    seen = {"a": 0, "b": 0}
    current = keyring_env.read("acct")
    for step in range(1, steady + 1):
        target = b if pairs[(current["chain_sha256"], current["key_sha256"])] == "a" else a
        env = dict(keyring_env.env, DEVICEID_TEST_KILL_AT=str(step))
        cp = run([kill, "publish", "acct", target.chain_path, target.key_path], env=env, check=False)
        assert cp.returncode == -9, (step, cp.returncode, cp.stderr)

        after = keyring_env.read("acct")
        assert "error" not in after, (step, after)
        assert after["consistent"] == "1", step
        which = pairs.get((after["chain_sha256"], after["key_sha256"]))
        assert which is not None, f"step {step}: chain and key from different generations"
        assert int(after["generation"]) >= int(current["generation"])
        if int(after["generation"]) == int(current["generation"]):
            assert (after["chain_sha256"], after["key_sha256"]) == \
                (current["chain_sha256"], current["key_sha256"]), step
        seen[which] += 1
        current = after
        # No half-made keys left behind in the keyring.
        contents = keyring_env.tool_run("contents").stdout.decode().split("\n")
        descs = sorted(l.rsplit(";", 1)[-1] for l in contents if l)
        assert descs == ["deviceid:entry:acct", "deviceid:generation"], (step, contents)

    # Early kills leave the old generation, late ones the new: both happen.
    assert seen["a"] > 0 and seen["b"] > 0
    # The lock died with the killed publishers: a normal publish works.
    cp = run([keyring_env.tool, "publish", "acct", a.chain_path, a.key_path], env=keyring_env.env)
    assert keyring_env.read("acct")["chain_sha256"] == sha256(a.chain_path.read_bytes())


def test_reader_during_publish_and_remove(keyring_env, keyring_pki, procs, tmp_path):
    """While entries are published and removed in a tight loop, a reader
    gets a whole generation or "absent", never an error or a mixed set."""
    a = keyring_pki.issue("churn-a.example")
    b = keyring_pki.issue("churn-b.example")
    stop = tmp_path / "stop"
    churn = procs([keyring_env.tool, "churn", "acct", a.chain_path, a.key_path, b.chain_path, b.key_path,
                   "remove"], "churn", env=keyring_env.env)
    churn.wait_ready(lambda: "generation=" in churn.log_text(), what="churn")
    reader = procs([keyring_env.tool, "loop", "acct", stop], "reader", env=keyring_env.env)
    reader.wait_ready(lambda: reader.log_text().count("seen ") >= 20, timeout=60, what="reader loop")
    stop.write_text("")
    rc = reader.popen.wait(timeout=60)
    churn.stop()
    out = reader.log_text()
    stats = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split())
    assert rc == 0, out[-2000:]
    assert stats["mixed"] == "0" and stats["errors"] == "0" and stats["backwards"] == "0"


def test_publisher_killed_at_random_points(keyring_env, keyring_pki, procs):
    """SIGKILL a publishing loop at arbitrary moments: what is left is
    always one whole generation, and the next publisher is not blocked."""
    import random
    import signal
    a = keyring_pki.issue("rand-a.example")
    b = keyring_pki.issue("rand-b.example")
    pairs = {(sha256(x.chain_path.read_bytes()), sha256(x.pkcs8_pem)) for x in (a, b)}
    rng = random.Random(1234)
    last = 0
    for i in range(25):
        p = procs([keyring_env.tool, "churn", "acct", a.chain_path, a.key_path, b.chain_path, b.key_path],
                  f"churn{i}", env=keyring_env.env)
        p.wait_ready(lambda: "generation=" in p.log_text(), what="churn")
        time.sleep(rng.uniform(0, 0.02))
        p.stop(sig=signal.SIGKILL)
        got = keyring_env.read("acct")
        assert "error" not in got, (i, got)
        assert got["consistent"] == "1"
        assert (got["chain_sha256"], got["key_sha256"]) in pairs
        assert int(got["generation"]) > last
        last = int(got["generation"])
        contents = keyring_env.tool_run("contents").stdout.decode().split("\n")
        assert sorted(l.rsplit(";", 1)[-1] for l in contents if l) == \
            ["deviceid:entry:acct", "deviceid:generation"], contents


def _strace_writes(log):
    """(opened-for-write paths, write payloads) from an strace -f log."""
    opened, written = [], []
    for line in log.splitlines():
        m = re.search(r'\b(open|openat|creat)\((?:[A-Z_]+|\d+), "([^"]*)"(?:, ([A-Z_|0-9]+))?', line) or \
            re.search(r'\b(creat)\("([^"]*)"', line)
        if m:
            flags = m.group(3) or ""
            if m.group(1) == "creat" or re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND", flags):
                opened.append((m.group(2), line))
        if re.search(r"\b(rename|renameat|renameat2)\(", line):
            opened.append(("rename", line))
        m = re.search(r'\b(write|pwrite64|writev)\(\d+, (.*)', line)
        if m:
            written.append(m.group(2))
    return opened, written


@pytest.mark.parametrize("verb", ["import", "read"])
def test_nothing_secret_written_to_disk(keyring_env, keyring_pki, tmp_path, verb):
    strace = require_tool("strace")
    leaf = keyring_pki.issue("disk.example", key_format="traditional")
    if verb == "read":
        keyring_env.deviceidctl("import", "acct", "--cert", leaf.chain_path, "--key", leaf.key_path)
    log = tmp_path / "strace.log"
    # LeakSanitizer cannot run under ptrace; the other sanitizers can.
    env = dict(keyring_env.env, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1")
    base = [strace, "-f", "-qq", "-s", "100000",
            "-e", "trace=open,openat,creat,write,pwrite64,writev,rename,renameat,renameat2",
            "-o", log]
    if verb == "import":
        run(base + [keyring_env.ctl, "--verbose", "import", "acct", "--cert", leaf.chain_path,
                    "--key", leaf.key_path], env=env)
    else:
        run(base + [keyring_env.ctl, "--verbose", "keyring", "--json"], env=env)
        run(base + [keyring_env.tool, "read", "acct"], env=env)
    text = log.read_text(errors="replace")
    opened, written = _strace_writes(text)
    allowed = {"/dev/null", "/dev/tty"}
    bad = [(p, l) for p, l in opened if p not in allowed]
    assert not bad, bad
    secrets = pem_body_chunks(leaf.key_pem) + pem_body_chunks(leaf.pkcs8_pem)
    assert secrets
    for w in written:
        for s in secrets:
            assert s not in w, w[:200]
    # The published entry really holds the key the trace never saw written.
    assert keyring_env.read("acct")["key_sha256"] == sha256(leaf.pkcs8_pem)


def test_expired_entry_is_gone(keyring_env, keyring_pki):
    leaf = keyring_pki.issue("short.example", seconds=4)
    keyring_env.deviceidctl("import", "short", "--cert", leaf.chain_path, "--key", leaf.key_path)
    _, entry = keyring_env.ids("short")
    assert keyring_env.read("short")["consistent"] == "1"
    line = proc_keys_line(entry)
    assert line is not None and line.split()[3] in {"1s", "2s", "3s", "4s", "5s"}, line

    # Wait for the kernel's timeout (not a timing assertion: we wait for the
    # event, bounded so a key that never expires fails the test).
    deadline = leaf.not_after.timestamp() + 30
    while time.time() < deadline:
        if keyring_env.tool_run("rawread", str(entry), check=False).stdout.strip() == b"error=EKEYEXPIRED":
            break
        time.sleep(0.2)
    assert keyring_env.tool_run("rawread", str(entry), check=False).stdout.strip() == b"error=EKEYEXPIRED"
    assert time.time() >= leaf.not_after.timestamp()
    assert keyring_env.read("short") == {"error": "ENOENT"}
    doc = json.loads(keyring_env.deviceidctl("keyring", "--json").stdout)
    assert [e["name"] for e in doc["entries"]] == []
    # A fresh certificate can be published over the expired one.
    fresh = keyring_pki.issue("short.example")
    keyring_env.deviceidctl("import", "short", "--cert", fresh.chain_path, "--key", fresh.key_path)
    assert keyring_env.read("short")["key_sha256"] == sha256(fresh.pkcs8_pem)


def test_remove_revokes_at_once(keyring_env, keyring_pki):
    leaf = keyring_pki.issue("gone.example")
    keyring_env.deviceidctl("import", "gone", "--cert", leaf.chain_path, "--key", leaf.key_path)
    _, entry = keyring_env.ids("gone")
    keyring_env.deviceidctl("remove", "gone")
    assert keyring_env.read("gone") == {"error": "ENOENT"}
    # The key is revoked (flag R) or already destroyed by the collector.
    line = proc_keys_line(entry)
    assert line is None or "R" in line.split()[1], line
    assert keyring_env.tool_run("rawread", str(entry), check=False).returncode != 0
    cp = keyring_env.deviceidctl("remove", "gone", check=False)
    assert cp.returncode == 1 and b"No entry" in cp.stderr


def test_quota_exceeded(keyring_env, keyring_pki, tmp_path):
    """As an unused uid (its own user keyring and the non-root quota),
    with /proc/sys/kernel/keys/maxbytes set to 20000 and restored."""
    setpriv = require_tool("setpriv")
    uid = 3900000 + os.getpid() % 10000
    small = keyring_pki.issue("small.example")
    big = keyring_pki.issue("big.example", dns_names=[f"host{i:05d}.a-rather-long-domain.example"
                                               for i in range(420)])
    assert 15000 < len(big.chain_path.read_bytes()) < 24 * 1024
    # Programs and inputs where that uid can read them (test material only).
    d = tempfile.mkdtemp(prefix="keyring-quota-", dir="/tmp")
    try:
        os.chmod(d, 0o755)
        files = {}
        for name, src in (("deviceidctl", keyring_env.ctl), ("tool", keyring_env.tool),
                          ("small-chain.pem", small.chain_path), ("small-key.pem", small.key_path),
                          ("big-chain.pem", big.chain_path), ("big-key.pem", big.key_path)):
            files[name] = os.path.join(d, name)
            shutil.copy(src, files[name])
            os.chmod(files[name], 0o755)
        as_user = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        env = dict(keyring_env.env, DEVICEID_FSD_SOCKET=os.path.join(d, "no-fsd.sock"))
        maxbytes = "/proc/sys/kernel/keys/maxbytes"
        with open(maxbytes) as f:
            saved = f.read().strip()
        try:
            with open(maxbytes, "w") as f:
                f.write("20000")
            run(as_user + [files["deviceidctl"], "import", "acct", "--cert", files["small-chain.pem"],
                           "--key", files["small-key.pem"]], env=env)
            before = run(as_user + [files["tool"], "read", "acct"], env=env).stdout.decode()
            cp = run(as_user + [files["deviceidctl"], "import", "acct", "--cert", files["big-chain.pem"],
                                "--key", files["big-key.pem"]], env=env, check=False)
            assert cp.returncode == 1
            assert b"quota exceeded" in cp.stderr, cp.stderr
            # The previous generation is intact and readable.
            after = run(as_user + [files["tool"], "read", "acct"], env=env).stdout.decode()
            assert after == before and "consistent=1" in after
            # And the next publish that fits works.
            run(as_user + [files["deviceidctl"], "import", "acct", "--cert", files["small-chain.pem"],
                           "--key", files["small-key.pem"]], env=env)
            again = dict(kv.split("=", 1) for kv in run(as_user + [files["tool"], "read", "acct"],
                                                        env=env).stdout.decode().split())
            assert int(again["generation"]) > int(dict(kv.split("=", 1) for kv in before.split())["generation"])
        finally:
            with open(maxbytes, "w") as f:
                f.write(saved)
            run(as_user + [files["tool"], "destroy"], env=env, check=False)
    finally:
        shutil.rmtree(d)


def test_key_revoked_under_us(keyring_env, keyring_pki):
    leaf = keyring_pki.issue("rev.example")
    keyring_env.deviceidctl("import", "rev", "--cert", leaf.chain_path, "--key", leaf.key_path)
    first = keyring_env.read("rev")
    keyring_env.tool_run("revoke", "rev")
    assert keyring_env.read("rev") == {"error": "EKEYREVOKED"}
    # Listing copes (a revoked key is no longer described).
    doc = json.loads(keyring_env.deviceidctl("keyring", "--json").stdout)
    assert "rev" not in [e["name"] for e in doc["entries"]]
    # The publisher recovers: a new generation replaces the revoked key.
    keyring_env.deviceidctl("import", "rev", "--cert", leaf.chain_path, "--key", leaf.key_path)
    again = keyring_env.read("rev")
    assert again["consistent"] == "1" and int(again["generation"]) > int(first["generation"])
    # Remove also copes with a revoked entry.
    keyring_env.tool_run("revoke", "rev")
    keyring_env.deviceidctl("remove", "rev")
    assert keyring_env.read("rev") == {"error": "ENOENT"}


def test_key_of_wrong_type(keyring_env, keyring_pki):
    require_tool("keyctl")
    leaf = keyring_pki.issue("typed.example")
    keyring_env.deviceidctl("import", "other", "--cert", leaf.chain_path, "--key", leaf.key_path)
    keyring_env.tool_run("plant", "logon", "deviceid:entry:typed", "squatter")
    assert keyring_env.read("typed") == {"error": "EMEDIUMTYPE"}
    keyring_env.deviceidctl("keyring")  # lists without failing
    keyring_env.deviceidctl("import", "typed", "--cert", leaf.chain_path, "--key", leaf.key_path)
    assert keyring_env.read("typed")["consistent"] == "1"
    contents = keyring_env.tool_run("contents").stdout.decode()
    assert "logon;" not in contents

    keyring_env.tool_run("plant", "user", "deviceid:entry:junk", "not a frame")
    assert keyring_env.read("junk") == {"error": "EBADMSG"}

    # A user key squatting on the keyring's own name in the user keyring.
    env = dict(keyring_env.env, DEVICEID_KEYRING=keyring_env.name + "-sq")
    squat = int(run(["keyctl", "add", "user", keyring_env.name + "-sq", "x", "@u"]).stdout)
    try:
        cp = run([keyring_env.ctl, "keyring"], env=env, check=False)
        assert cp.returncode == 1 and b"Wrong medium type" in cp.stderr, cp.stderr
        run([keyring_env.ctl, "import", "typed", "--cert", leaf.chain_path, "--key", leaf.key_path], env=env)
        assert b"typed" in run([keyring_env.ctl, "keyring"], env=env).stdout
    finally:
        run(["keyctl", "unlink", squat, "@u"], check=False)
        run([keyring_env.tool, "destroy"], env=env, check=False)


def test_bad_files_and_arguments(keyring_env, keyring_pki, tmp_path):
    leaf = keyring_pki.issue("ok.example")
    other = keyring_pki.issue("other.example")
    expired = keyring_pki.issue("old.example", seconds=-60)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    cases = [
        (["import", "acct", "--cert", leaf.chain_path, "--key", other.key_path], b"does not match"),
        (["import", "acct", "--cert", expired.chain_path, "--key", expired.key_path], b"expired"),
        (["import", "acct", "--cert", garbage, "--key", leaf.key_path], b"is not a chain"),
        (["import", "acct", "--cert", leaf.chain_path, "--key", garbage], b"Failed to parse key"),
        (["import", "acct", "--cert", leaf.chain_path], b"needs --key"),
        (["import", "Bad/Name", "--cert", leaf.chain_path, "--key", leaf.key_path], b"not a valid"),
        (["import", "roots", "--cert", leaf.chain_path, "--key", leaf.key_path], b"takes no key"),
        (["import", "acct", "--cert", leaf.chain_path, "--key", leaf.key_path, "--tpm-key"], b"TSS2"),
        (["import", "acct", "--cert", tmp_path / "missing.pem", "--key", leaf.key_path], b"Failed to read"),
        (["remove", "acct"], b"No entry"),
    ]
    for argv, message in cases:
        cp = keyring_env.deviceidctl(*argv, check=False)
        assert cp.returncode == 1, argv
        assert message in cp.stderr, (argv, cp.stderr)
    assert keyring_env.read("acct") == {"error": "ENOENT"}


class FakeFsd:
    """The server side of the control socket, as deviceid-fsd runs it."""

    def __init__(self, path, answer):
        self.path = path
        self.answer = answer
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        self.sock.listen(4)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                self.requests.append(c.recv(64))
                c.send(self.answer)

    def close(self):
        self.sock.close()
        self.thread.join(5)


def test_notifies_fsd(keyring_env, keyring_pki, tmp_path):
    leaf = keyring_pki.issue("notify.example")
    sock = keyring_env.env["DEVICEID_FSD_SOCKET"]
    fsd = FakeFsd(sock, b"ok")
    try:
        keyring_env.deviceidctl("import", "acct", "--cert", leaf.chain_path, "--key", leaf.key_path)
        keyring_env.deviceidctl("remove", "acct")
        assert fsd.requests == [b"reload", b"reload"]
    finally:
        fsd.close()
        os.unlink(sock)

    fsd = FakeFsd(sock, b"error keyring unreadable")
    try:
        cp = keyring_env.deviceidctl("import", "acct", "--cert", leaf.chain_path, "--key", leaf.key_path,
                                     check=False)
        assert cp.returncode == 1 and b"did not confirm" in cp.stderr, cp.stderr
        # The publication itself happened.
        assert keyring_env.read("acct")["consistent"] == "1"
    finally:
        fsd.close()
        os.unlink(sock)
    # No fsd at all is fine.
    assert not os.path.exists(sock)
    keyring_env.deviceidctl("remove", "acct")


def test_import_tpm_key(keyring_env, keyring_pki, swtpm, tmp_path):
    """A TPM-wrapped key (tpm2-openssl's TSS2 PRIVATE KEY PEM) is stored as
    is, after deviceidctl checked through the TPM layer that it matches."""
    openssl = require_tool("openssl")
    env = swtpm.env()
    key = tmp_path / "tpm-key.pem"
    pub = tmp_path / "tpm-pub.pem"
    run([openssl, "genpkey", "-provider", "tpm2", "-provider", "default", "-algorithm", "EC",
         "-pkeyopt", "group:P-256", "-out", key], env=env)
    run([openssl, "pkey", "-provider", "tpm2", "-provider", "default", "-in", key, "-pubout",
         "-out", pub], env=env)
    assert key.read_bytes().startswith(b"-----BEGIN TSS2 PRIVATE KEY-----")
    leaf = keyring_pki.issue("tpm.example", public_key_pem=pub.read_bytes())
    keyring_env.deviceidctl("import", "tpmacct", "--cert", leaf.chain_path, "--key", key, "--tpm-key")
    got = keyring_env.read("tpmacct")
    assert got["kind"] == "tss2"
    assert got["key_sha256"] == sha256(key.read_bytes())
    assert got["chain_sha256"] == sha256(leaf.chain_path.read_bytes())

    other = keyring_pki.issue("not-the-tpm-key.example")
    cp = keyring_env.deviceidctl("import", "tpmacct", "--cert", other.chain_path, "--key", key,
                                 "--tpm-key", check=False)
    assert cp.returncode == 1 and b"does not match" in cp.stderr, cp.stderr
    assert keyring_env.read("tpmacct")["chain_sha256"] == sha256(leaf.chain_path.read_bytes())
