# SPDX-License-Identifier: Apache-2.0
"""The harness itself: the software TPM fixture gives a TPM with EK
certificates that chain to the manufacturer CA, and processes are stopped
by PID."""
import os
import subprocess

from fixtures.procs import run


def test_swtpm_has_ek_certificates_that_verify(swtpm, tmp_path):
    env = swtpm.env()
    for index, name in ((0x01c00002, "rsa"), (0x01c00016, "ecc384")):
        out = tmp_path / f"ek-{name}.der"
        run(["tpm2_nvread", "-T", swtpm.tcti, "-o", out, hex(index)], env=env)
        pem = tmp_path / f"ek-{name}.pem"
        run(["openssl", "x509", "-inform", "DER", "-in", out, "-out", pem])
        cp = run(["openssl", "verify", "-CAfile", swtpm.ek_ca["root"], "-untrusted",
                  swtpm.ek_ca["issuer"], pem])
        assert b": OK" in cp.stdout


def test_swtpm_state_is_private_per_test(swtpm, swtpm_template):
    template_state, _ = swtpm_template
    assert os.path.realpath(swtpm.statedir) != os.path.realpath(template_state)


def test_process_is_stopped_by_pid(procs):
    p = procs(["sleep", "60"], "sleeper")
    assert p.alive()
    rc = p.stop()
    assert rc == -15
    # The PID is gone (or reused by something that is not our child).
    r = subprocess.run(["ps", "-o", "comm=", "-p", str(p.pid)], capture_output=True)
    assert b"sleep" not in r.stdout
