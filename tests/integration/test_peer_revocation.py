# SPDX-License-Identifier: Apache-2.0
"""Revocation that resources enforce (docs/revocation.md), end to end with
real resources and a real deviceid-ca: a device's account certificate
(from POST /1.0/sign) gets into nginx (client certificates, ssl_crl with a
reload; separately ssl_ocsp) and into FreeRADIUS EAP-TLS (eapol_test; CRL
checking, separately OCSP); after `deviceid-ca device disable` the same,
still unexpired certificate is refused. Each test prints how many seconds
that took (output of pytest -s; not asserted: a measure, not a limit)."""
import os
import time

from cryptography.hazmat.primitives import serialization

from fixtures.ca import ca_cli
from fixtures.revocation import crl_pem, crl_text, wait_for
from test_ca_sign import Device, make_csr, sign
from test_peer_freeradius import assert_accepted, assert_rejected


def account_root(srv):
    """What a resource trusts for account certificates (docs/resources.md)."""
    return os.path.join(srv.dir, "account-root.pem")


class Account:
    """A registered device and its account certificate (chain and key files)."""

    def __init__(self, srv, tmp_path):
        self.srv = srv
        self.device = Device(srv, tmp_path)
        key, csr = make_csr()
        status, body = sign(srv, csr, self.device.token())
        assert status == 201, body
        self.serial = body["crt"] and None
        from cryptography import x509
        self.cert = x509.load_pem_x509_certificate(body["crt"].encode())
        self.chain = str(tmp_path / "account-chain.pem")
        with open(self.chain, "w") as f:
            f.write(body["crt"] + body["ca"])
        self.key = str(tmp_path / "account.key")
        with open(self.key, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        os.chmod(self.key, 0o600)

    def disable(self):
        ca_cli(self.srv.dir, "device", "disable", self.device.ek_uri)
        return time.monotonic()

    def crls(self, path):
        """The Account CA's root's and the Account CA's CRLs in one PEM file
        (what nginx and FreeRADIUS want: one per CA of the chain)."""
        d = os.path.dirname(path)
        root = crl_pem(self.srv, "account-root", os.path.join(d, "root-crl.pem"))
        acct = crl_pem(self.srv, "account", os.path.join(d, "account-crl.pem"))
        with open(path, "wb") as f:
            f.write(open(root, "rb").read() + open(acct, "rb").read())
        return path, root, acct

    def listed(self):
        return format(self.cert.serial_number, "X") in crl_text(self.srv, "account")


def report(what, started):
    print(f"\n{what}: refused {time.monotonic() - started:.2f} s after `deviceid-ca device disable`")


def test_nginx_ssl_crl_refuses_a_disabled_devices_certificate(ca_server, nginx, tmp_path):
    acct = Account(ca_server, tmp_path)
    crls, _, _ = acct.crls(str(tmp_path / "crls.pem"))
    web = nginx(client_ca=account_root(ca_server), crl=crls)
    r = web.get(acct.chain, acct.key)
    assert r.status == 200 and r.verify == "SUCCESS", r

    started = acct.disable()
    # What an operator's cron job does: fetch the CRL, reload when it changed.
    wait_for(acct.listed)
    acct.crls(crls)
    web.set_crl(crls)
    r = web.get(acct.chain, acct.key)
    report("nginx ssl_crl", started)
    assert r.status == 400 and "certificate revoked" in r.error_log, r


def test_nginx_ssl_ocsp_refuses_a_disabled_devices_certificate(ca_server, nginx, tmp_path):
    acct = Account(ca_server, tmp_path)
    # nginx resolves responder names only through a `resolver`: the IP literal.
    web = nginx(client_ca=account_root(ca_server), ocsp="leaf", ocsp_responder=f"{ca_server.http_url}/ocsp")
    r = web.get(acct.chain, acct.key)
    assert r.status == 200 and r.verify == "SUCCESS", r

    started = acct.disable()
    results = []

    def refused():
        results.append(web.get(acct.chain, acct.key))
        return results[-1].status == 400
    wait_for(refused, timeout=30, step=0.2)
    report("nginx ssl_ocsp", started)
    assert "certificate revoked" in results[-1].error_log, results[-1]


def test_freeradius_crl_refuses_a_disabled_devices_certificate(ca_server, freeradius, tmp_path):
    acct = Account(ca_server, tmp_path)
    _, root, account = acct.crls(str(tmp_path / "crls.pem"))
    radius = freeradius(ca_file=account_root(ca_server), crls=[root, account], check_all_crl=True)
    assert_accepted(radius.eapol(acct.chain, acct.key, tls="1.3"), "1.3")

    started = acct.disable()
    wait_for(acct.listed)
    _, root, account = acct.crls(str(tmp_path / "crls.pem"))
    radius.update_crls([root, account])
    radius.restart()
    r = radius.eapol(acct.chain, acct.key, tls="1.3")
    report("FreeRADIUS check_crl", started)
    assert_rejected(r, "certificate revoked")


def test_freeradius_ocsp_refuses_a_disabled_devices_certificate(ca_server, freeradius, tmp_path):
    acct = Account(ca_server, tmp_path)
    # The URL the certificate names (its AIA), not an override.
    radius = freeradius(ca_file=account_root(ca_server), ocsp_url="http://unused.invalid/", ocsp_override=False)
    assert_accepted(radius.eapol(acct.chain, acct.key, tls="1.3"), "1.3")
    assert "Cert status: good" in radius.log_text()

    started = acct.disable()
    results = []

    def refused():
        results.append(radius.eapol(acct.chain, acct.key, tls="1.2"))
        return not results[-1].accepted
    wait_for(refused, timeout=30, step=0.2)
    report("FreeRADIUS OCSP", started)
    assert_rejected(results[-1], "Cert status: revoked")
