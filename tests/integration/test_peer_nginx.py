# SPDX-License-Identifier: Apache-2.0
"""nginx as a real HTTPS resource that demands client certificates
(fixtures/nginx.py), checked with curl against what deviceid-ca issues:
configured as docs/resources.md says (ssl_client_certificate
account-root.pem), an account certificate from its Account CA is let in
(200) over TLS 1.2 and 1.3, while a device certificate and an ACME http-01
certificate from the same deviceid-ca, no certificate and a certificate
from an unrelated CA get nginx's 400 answers; trusting root.pem instead
would let the ACME certificate in. ssl_crl (with a reload) and ssl_ocsp, which the revocation
work turns on, are proven with a CA made in the test and OpenSSL's OCSP
responder."""
import os

import pytest

from fixtures.pki import MiniCA, deviceid_issue


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_account_root_lets_in_account_certificates_only(nginx, deviceid_issued, tls):
    got = deviceid_issued
    web = nginx(client_ca=got.account_root)
    r = web.get(got.wifi.chain_path, got.wifi.key_path, tls=tls)
    assert r.status == 200 and r.verify == "SUCCESS" and r.dn == "CN=wifi", r
    for other in (got.device, got.acme):
        r = web.get(other.chain_path, other.key_path, tls=tls)
        assert r.status == 400 and "The SSL certificate error" in r.body, r
        assert "client SSL certificate verify error" in r.error_log, r.error_log
    # Why not root.pem: the ACME certificate (a name proven by http-01)
    # would get in, and the device certificate too.
    web = nginx(client_ca=got.root)
    r = web.get(got.acme.chain_path, got.acme.key_path, tls=tls)
    assert r.status == 200 and r.verify == "SUCCESS" and r.dn == "CN=localhost", r
    r = web.get(got.wifi.chain_path, got.wifi.key_path, tls=tls)
    assert r.status == 400, r


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_client_certificate_from_deviceid_gets_in_others_do_not(nginx, ca_dir, tmp_path, tls):
    web = nginx(client_ca=f"{ca_dir}/account-root.pem")
    wifi = deviceid_issue(ca_dir, "account", "wifi")
    r = web.get(wifi.chain_path, wifi.key_path, tls=tls)
    assert r.status == 200, r
    assert r.verify == "SUCCESS" and r.dn == "CN=wifi" and r.protocol == f"TLSv{tls}", r

    r = web.get(tls=tls)
    assert r.status == 400 and "No required SSL certificate was sent" in r.body, r

    foreign = MiniCA(tmp_path / "foreign", "Unrelated Root").issue_ca("Unrelated CA").issue("mallory")
    r = web.get(foreign.chain_path, foreign.key_path, tls=tls)
    assert r.status == 400 and "The SSL certificate error" in r.body, r
    assert "client SSL certificate verify error" in r.error_log, r.error_log
    assert "unable to get local issuer certificate" in r.error_log, r.error_log

    log = web.wait_access_log('verify=SUCCESS dn="CN=wifi"', "verify=NONE", "verify=FAILED:")
    assert 'verify=SUCCESS dn="CN=wifi"' in log
    assert "verify=NONE" in log and "verify=FAILED:" in log


def test_verify_depth_counts_the_chain(nginx, tmp_path):
    """ssl_verify_depth 1 refuses a leaf under an intermediate that depth 3
    accepts: the fixture's depth setting is the one nginx applies."""
    root = MiniCA(tmp_path / "pki", "Test Root")
    alice = root.issue_ca("Mid One").issue_ca("Mid Two").issue("alice")
    deep = nginx(client_ca=root.cert_path, verify_depth=3)
    assert deep.get(alice.chain_path, alice.key_path).status == 200
    shallow = nginx(client_ca=root.cert_path, verify_depth=1)
    r = shallow.get(alice.chain_path, alice.key_path)
    # OpenSSL stops building the chain at the depth limit, short of the root.
    assert r.status == 400 and "client SSL certificate verify error" in r.error_log, r


def test_ssl_crl_with_reload(nginx, tmp_path):
    root = MiniCA(tmp_path / "pki", "Test Root")
    issuing = root.issue_ca("Test Account CA")
    alice, bob = issuing.issue("alice"), issuing.issue("bob")
    # nginx wants a CRL for every CA it checks: the root's and the issuing CA's.
    crl = tmp_path / "crls.pem"

    def write_crls(revoked):
        crl.write_bytes(open(root.crl(), "rb").read() + open(issuing.crl(revoked=revoked), "rb").read())
        return str(crl)

    web = nginx(client_ca=root.cert_path, crl=write_crls([bob.serial]))
    assert web.get(alice.chain_path, alice.key_path).status == 200
    r = web.get(bob.chain_path, bob.key_path)
    assert r.status == 400 and "certificate revoked" in r.error_log, (r, r.error_log)

    master = web.pid
    web.set_crl(write_crls([alice.serial, bob.serial]))
    assert web.pid == master and web.proc.alive()
    r = web.get(alice.chain_path, alice.key_path)
    assert r.status == 400 and "certificate revoked" in r.error_log, (r, r.error_log)


def test_ssl_ocsp(nginx, ocsp_responder, tmp_path):
    root = MiniCA(tmp_path / "pki", "Test Root")
    issuing = root.issue_ca("Test Account CA")
    alice, bob = issuing.issue("alice"), issuing.issue("bob")
    responder = ocsp_responder(issuing, [alice, bob])
    responder.revoke(bob)
    web = nginx(client_ca=root.cert_path, ocsp="leaf", ocsp_responder=responder.url)
    r = web.get(alice.chain_path, alice.key_path)
    assert r.status == 200 and r.verify == "SUCCESS", (r, r.error_log)
    assert responder.requests >= 1
    r = web.get(bob.chain_path, bob.key_path)
    assert r.status == 400, (r, r.error_log)
    assert "certificate revoked" in r.error_log, r.error_log
    # Without ssl_ocsp_cache every handshake asks: revocation is immediate.
    responder.revoke(alice)
    r = web.get(alice.chain_path, alice.key_path)
    assert r.status == 400 and "certificate revoked" in r.error_log, (r, r.error_log)


def test_private_files_only(nginx, ca_dir):
    web = nginx(client_ca=f"{ca_dir}/account-root.pem")
    conf = open(web.conf).read()
    assert "/etc/nginx" not in conf and "include" not in conf
    assert os.path.exists(os.path.join(web.prefix, "nginx.pid"))
    assert int(open(os.path.join(web.prefix, "nginx.pid")).read()) == web.pid
    assert web.workers(), "no worker process"
