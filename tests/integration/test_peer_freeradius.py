# SPDX-License-Identifier: Apache-2.0
"""FreeRADIUS as a real EAP-TLS resource (fixtures/freeradius.py), checked
against what deviceid-ca issues: configured as docs/resources.md says
(ca_file = account-root.pem), an account certificate from the CA's
Account CA gets Access-Accept over TLS 1.2 and TLS 1.3, with its key in a
file or in the TPM (the tpm2 provider through tpm2-abrmd); a device
certificate and an ACME http-01 certificate from the same deviceid-ca,
and a certificate from an unrelated CA, get Access-Reject. The CRL and OCSP settings that the
revocation work turns on are proven here with a CA made in the test and
OpenSSL's OCSP responder."""
import pytest
from cryptography.hazmat.primitives import serialization

from fixtures.pki import MiniCA, deviceid_issue
from fixtures.procs import run


@pytest.fixture
def foreign(tmp_path):
    """A client certificate that chains to nothing deviceid knows."""
    return MiniCA(tmp_path / "foreign", "Unrelated Root").issue_ca("Unrelated CA").issue("mallory")


def assert_accepted(r, tls):
    assert r.accepted, f"{r}\n{r.output[-3000:]}\n--- server:\n{r.server_log[-3000:]}"
    assert r.server_accepted, r.server_log[-3000:]
    assert r.tls_version == f"TLSv{tls}", r
    assert r.server_tls_version == tls, r.server_log[-2000:]


def assert_rejected(r, reason):
    assert not r.accepted and r.rejected, f"{r}\n{r.output[-3000:]}"
    assert "Sent Access-Reject" in r.server_log
    assert "Sent Access-Accept" not in r.server_log
    assert reason in r.server_log, r.server_log[-3000:]


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_eap_tls_with_account_root_accepts_account_certificates_only(freeradius, deviceid_issued, tls):
    got = deviceid_issued
    radius = freeradius(ca_file=got.account_root)
    assert_accepted(radius.eapol(got.wifi.chain_path, got.wifi.key_path, tls=tls), tls)
    for other in (got.device, got.acme):
        assert_rejected(radius.eapol(other.chain_path, other.key_path, tls=tls),
                        "unable to get local issuer certificate")
    # Trusting root.pem instead lets the ACME certificate on the network.
    radius = freeradius(ca_file=got.root)
    assert_accepted(radius.eapol(got.acme.chain_path, got.acme.key_path, tls=tls), tls)


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_eap_tls_accepts_a_deviceid_account_certificate_and_rejects_a_foreign_one(
        freeradius, ca_dir, foreign, tls):
    radius = freeradius(ca_file=f"{ca_dir}/account-root.pem")
    wifi = deviceid_issue(ca_dir, "account", "wifi")
    assert_accepted(radius.eapol(wifi.chain_path, wifi.key_path, tls=tls), tls)
    assert_rejected(radius.eapol(foreign.chain_path, foreign.key_path, tls=tls),
                    "unable to get local issuer certificate")
    # Its configuration is the private one, never the system's.
    log = radius.log_text()
    assert f"including configuration file {radius.dir}/radiusd.conf" in log
    assert "/etc/freeradius" not in log
    assert radius.alive()


def test_eap_tls_anchor_is_what_decides(freeradius, ca_dir, tmp_path):
    """A server trusting only an unrelated root refuses the deviceid
    certificate that a server trusting account-root.pem accepts."""
    other = MiniCA(tmp_path / "other", "Other Root")
    radius = freeradius(ca_file=other.cert_path)
    wifi = deviceid_issue(ca_dir, "account", "wifi")
    assert_rejected(radius.eapol(wifi.chain_path, wifi.key_path, tls="1.3"),
                    "unable to get local issuer certificate")


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_eap_tls_with_a_tpm_key_through_the_tpm2_provider(freeradius, ca_dir, tabrmd, tpm_cli,
                                                         tmp_path, tls):
    keydir = tmp_path / "tpmkey"
    keydir.mkdir()
    run([tpm_cli, "key-create", "ecc256", keydir], env=tabrmd.env)
    key = str(keydir / "key.pem")
    assert open(key).read().startswith("-----BEGIN TSS2 PRIVATE KEY-----")
    pub = serialization.load_pem_public_key((keydir / "key-pub.pem").read_bytes())
    wifi = deviceid_issue(ca_dir, "account", "wifi-tpm", pubkey=pub)
    radius = freeradius(ca_file=f"{ca_dir}/account-root.pem")
    assert_accepted(radius.eapol(wifi.chain_path, key, tls=tls, env=tabrmd.env, tpm=True), tls)
    # The same files without the OSSL_STORE fallback: wpa_supplicant wants
    # an ENGINE "tpm2" that Debian does not ship, and never starts EAP-TLS.
    r = radius.eapol(wifi.chain_path, key, tls=tls, env=tabrmd.env, timeout=3)
    assert not r.accepted and "Sent Access-Accept" not in r.server_log, r
    assert "engine tpm2 not available" in r.output, r.output[-3000:]


def test_crl_checking_refuses_a_revoked_certificate(freeradius, tmp_path):
    root = MiniCA(tmp_path / "pki", "Test Root")
    issuing = root.issue_ca("Test Account CA")
    alice, bob = issuing.issue("alice"), issuing.issue("bob")
    radius = freeradius(ca_file=root.cert_path, crls=[issuing.crl(revoked=[bob.serial])])
    assert_accepted(radius.eapol(alice.chain_path, alice.key_path, tls="1.3"), "1.3")
    assert_rejected(radius.eapol(bob.chain_path, bob.key_path, tls="1.3"),
                    "certificate revoked")
    # A new CRL takes effect when the server reads ca_path again.
    radius.update_crls([issuing.crl(revoked=[alice.serial, bob.serial])])
    radius.restart()
    assert_rejected(radius.eapol(alice.chain_path, alice.key_path, tls="1.2"),
                    "certificate revoked")


def test_crl_checking_without_a_crl_refuses_everything(freeradius, tmp_path):
    root = MiniCA(tmp_path / "pki", "Test Root")
    alice = root.issue_ca("Test Account CA").issue("alice")
    radius = freeradius(ca_file=root.cert_path, crls=[])
    assert_rejected(radius.eapol(alice.chain_path, alice.key_path, tls="1.3"),
                    "unable to get certificate CRL")


def test_ocsp_checking_refuses_a_revoked_certificate(freeradius, ocsp_responder, tmp_path):
    root = MiniCA(tmp_path / "pki", "Test Root")
    issuing = root.issue_ca("Test Account CA")
    alice, bob = issuing.issue("alice"), issuing.issue("bob")
    responder = ocsp_responder(issuing, [alice, bob])
    responder.revoke(bob)
    radius = freeradius(ca_file=root.cert_path, ocsp_url=responder.url)
    assert_accepted(radius.eapol(alice.chain_path, alice.key_path, tls="1.3"), "1.3")
    assert "Cert status: good" in radius.log_text()
    asked = responder.requests
    assert asked >= 1
    assert_rejected(radius.eapol(bob.chain_path, bob.key_path, tls="1.2"), "Cert status: revoked")
    assert responder.requests > asked
    # Revocation takes effect at the next handshake, without a restart.
    responder.revoke(alice)
    assert_rejected(radius.eapol(alice.chain_path, alice.key_path, tls="1.3"),
                    "Cert status: revoked")
