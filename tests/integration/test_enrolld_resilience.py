# SPDX-License-Identifier: Apache-2.0
"""deviceid-enrolld heals itself, against swtpm (raw: no resource manager)
and a real deviceid-ca with short lifetimes: swtpm killed during a round
and restarted waiting for TPM2_Startup, the renewal resumes in the same
daemon; the daemon killed
at random points of rounds, then a clean round and no transient object or
session left in the TPM; a forced renewal whose device step keeps failing
renews the accounts once, not at every retry; TPM failures logged once, at
warning, with the TPM's own words."""
import os
import random
import re
import signal
import subprocess
import time

from fixtures.fsd import wait_for
from fixtures.procs import Proc, free_port, port_open, run
from test_enrolld import daemon, issued, short_ca, wait_enrolled  # noqa: F401 (fixtures)

NAMES = ("device", "wifi", "web")


def tpm_handles(sw, kind):
    """The handles tpm2_getcap lists for kind (handles-transient, ...)."""
    out = run(["tpm2_getcap", "-T", sw.tcti, kind], timeout=20).stdout
    return re.findall(r"0x[0-9a-fA-F]{8}", out.decode() if isinstance(out, bytes) else out)


def leftovers(sw):
    return tpm_handles(sw, "handles-transient") + tpm_handles(sw, "handles-loaded-session")


def kill_swtpm(sw):
    """An unorderly stop: the TPM vanishes mid-command."""
    os.kill(sw.proc.pid, signal.SIGKILL)
    sw.proc.popen.wait(10)
    sw.proc.log.close()


def restart_swtpm(sw):
    """swtpm again on the same state and ports (the daemon's TCTI), as a
    TPM after a reset: waiting for TPM2_Startup, which nobody sends but
    the daemon (no startup-clear flag)."""
    argv = [a.replace("not-need-init,startup-clear", "not-need-init") for a in sw.proc.argv]
    assert argv != sw.proc.argv
    sw.proc = Proc(argv, sw.proc.logpath)
    sw.proc.wait_ready(lambda: port_open("127.0.0.1", sw.port) and port_open("127.0.0.1", sw.ctrl_port),
                       what="swtpm", timeout=30)
    cp = subprocess.run(["tpm2_getcap", "-T", sw.tcti, "properties-fixed"], capture_output=True, timeout=10)
    assert cp.returncode != 0, "the TPM runs before anyone sent TPM2_Startup"


def gens(d):
    return {n: d.gen(n) for n in NAMES}


def test_enrolld_swtpm_killed_mid_round_and_restarted_renewal_resumes(daemon):  # noqa: F811
    proc = daemon.start()
    wait_enrolled(daemon)
    sw = daemon.device.swtpm
    before = gens(daemon)

    # A forced round; swtpm dies as it starts (the AK is made first).
    daemon.kill(signal.SIGUSR1)
    time.sleep(0.05)
    kill_swtpm(sw)
    # Should that round have ended already (a fast machine), this one
    # meets the dead TPM for sure.
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: "Keeping the current certificates" in proc.log_text(), timeout=60, what="the failure logged")
    time.sleep(2.5)  # retries against no TPM (retry 1-3 s)
    assert proc.alive()

    restart_swtpm(sw)
    wait_for(lambda: all(daemon.gen(n) > before[n] for n in NAMES), timeout=90, what="renewal after the restart")
    wait_for(lambda: "Renewal works again" in proc.log_text(), timeout=30, what="the recovery logged")
    log = proc.log_text()
    assert proc.alive() and daemon.n == 1, log  # the same daemon, never restarted
    assert "Re-opened the TPM" in log, log[-4000:]
    assert "Function called in the wrong order" not in log.split("Re-opened the TPM")[-1], log[-4000:]
    # Failures at warning or above, each once, with the TPM's or the TCTI's words.
    warnings = [l for l in log.splitlines() if "Keeping the current certificates" in l]
    assert warnings and len(warnings) == len(set(warnings)), warnings
    assert not any("bad CA URL" in l for l in log.splitlines()), log[-4000:]

    # And a later round works as usual, on the same context.
    g = gens(daemon)
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: all(daemon.gen(n) > g[n] for n in NAMES), timeout=60, what="one more renewal")
    daemon.kill(signal.SIGTERM)
    assert proc.popen.wait(10) == 0, proc.log_text()[-4000:]
    assert leftovers(sw) == []


def test_enrolld_sigkill_mid_round_leaves_nothing_in_the_tpm(daemon):  # noqa: F811
    rng = random.Random(1207)
    daemon.start()
    wait_enrolled(daemon)
    sw = daemon.device.swtpm
    # How long a forced round takes here: the kills land inside it.
    g = gens(daemon)
    t0 = time.monotonic()
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: all(daemon.gen(n) > g[n] for n in NAMES), timeout=60, what="a forced round")
    span = time.monotonic() - t0
    daemon.kill(signal.SIGTERM)
    assert daemon.proc.popen.wait(10) == 0

    left_behind = 0
    left = []
    for i in range(21):
        p = daemon.start()
        daemon.wait_notify("READY=1", timeout=60)
        daemon.messages.clear()
        # What the previous daemon left is flushed before the first round.
        assert ("Flushed" in p.log_text()) == bool(left), (left, p.log_text()[-4000:])
        assert "out of memory" not in p.log_text(), p.log_text()[-4000:]
        if i == 20:
            break
        daemon.kill(signal.SIGUSR1)
        time.sleep(rng.uniform(0, span))
        daemon.kill(signal.SIGKILL)
        p.popen.wait(10)
        left = leftovers(sw)
        left_behind += bool(left)
    # The 21st daemon runs a clean forced round.
    g = gens(daemon)
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: all(daemon.gen(n) > g[n] for n in NAMES), timeout=60, what="a clean round")
    daemon.kill(signal.SIGTERM)
    assert p.popen.wait(10) == 0, p.log_text()[-4000:]
    assert leftovers(sw) == []
    print(f"kills that left handles behind: {left_behind} of 20 (a forced round takes {span:.1f} s)")


def test_enrolld_forced_renewal_retried_does_not_reissue_accounts(daemon):  # noqa: F811
    proc = daemon.start()
    wait_enrolled(daemon)
    dev = daemon.device
    # The Attestation CA moves to an address where nothing answers: the
    # device renewal fails at every try; the Account CA still answers.
    dead = free_port()
    daemon.write_config(extra=f"\n[attestation-ca]\nurl = https://127.0.0.1:{dead}\nroot = {dev.ca.root}\n")
    daemon.kill(signal.SIGHUP)
    wait_for(lambda: "reloaded" in proc.log_text(), timeout=20, what="the reload")
    before = gens(daemon)
    counts = issued(dev.ca.dir)

    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: "Failed to reach the Attestation CA" in proc.log_text(), timeout=30, what="the failure")

    def exchanges():
        log = proc.log_text()
        return log[log.index("SIGUSR1"):].count("Attestation CA exchange ")

    # Retries with retry_min 1 s, retry_max 3 s: two of them, which take
    # about 6 s (longer on a loaded machine).
    wait_for(lambda: exchanges() >= 3, timeout=60, what="two retries of the forced round")
    log = proc.log_text()
    after = gens(daemon)
    assert after["device"] == before["device"], (before, after)
    # Each account renewed once by the forced round, never by its retries.
    assert after["wifi"] > before["wifi"] and after["web"] > before["web"], (before, after)
    since = log[log.index("SIGUSR1"):]
    assert since.count('Renewed account "wifi"') == 1 and since.count('Renewed account "web"') == 1, log[-4000:]
    assert issued(dev.ca.dir).get("account", 0) == counts.get("account", 0) + 2, (counts, issued(dev.ca.dir))
    assert log.count("Failed to reach the Attestation CA") == 1, log[-4000:]
    assert proc.alive()

    # The Attestation CA back: the device is renewed, the accounts stay.
    daemon.write_config()
    daemon.kill(signal.SIGHUP)
    wait_for(lambda: daemon.gen("device") > before["device"], timeout=30, what="the device renewal")
    wait_for(lambda: "Renewal works again" in proc.log_text(), timeout=30, what="the recovery logged")
    assert {n: daemon.gen(n) for n in ("wifi", "web")} == {"wifi": after["wifi"], "web": after["web"]}
