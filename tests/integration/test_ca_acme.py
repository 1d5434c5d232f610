# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca's ACME server (RFC 8555) driven by the small Python client
in fixtures/acme.py: directory, nonces, accounts, orders, the three
network challenges, finalize, download, revocation, key rollover. The
issued chains are checked with `openssl verify` against DIR/root.pem."""
import ipaddress
import json
import os
import subprocess
import threading

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fixtures.acme import *  # noqa: F401,F403 (fixtures)
from fixtures.acme import (ERR, AcmeClient, Http01Responder, b64u, jwk_of, jws, make_csr, new_key, alg_of,
                           start_acme_ca)
from fixtures.procs import require_tool


def openssl_verify(ca, chain_pem, tmp_path, purpose="sslserver"):
    """Splits a PEM chain (leaf first) and runs openssl verify on the leaf."""
    certs = [c + "-----END CERTIFICATE-----\n"
             for c in chain_pem.split("-----END CERTIFICATE-----") if "BEGIN" in c]
    assert len(certs) >= 2, chain_pem
    leaf, inter = tmp_path / "leaf.pem", tmp_path / "inter.pem"
    leaf.write_text(certs[0])
    inter.write_text("".join(certs[1:]))
    cp = subprocess.run([require_tool("openssl"), "verify", "-purpose", purpose, "-CAfile", ca.root,
                         "-untrusted", str(inter), str(leaf)], capture_output=True, text=True)
    assert cp.returncode == 0 and cp.stdout.strip().endswith("OK"), cp.stdout + cp.stderr
    return [x509.load_pem_x509_certificate(c.encode()) for c in certs]


def test_directory_and_nonces(acme_ca):
    c = AcmeClient(acme_ca)
    r = c.request("GET", acme_ca.directory_url)
    assert r.status == 200
    d = r.json()
    base = acme_ca.server.base_url + "/acme/acme/"
    assert d["newNonce"] == base + "new-nonce"
    for k in ("newAccount", "newOrder", "revokeCert", "keyChange"):
        assert d[k].startswith(base)
    assert d["meta"]["externalAccountRequired"] is False
    assert r.headers["Replay-Nonce"]
    assert f'<{acme_ca.directory_url}>;rel="index"' in r.headers.get_all("Link")

    head = c.request("HEAD", d["newNonce"])
    get = c.request("GET", d["newNonce"])
    assert head.status == 200 and get.status == 204
    for resp in (head, get):
        assert "no-store" in resp.headers["Cache-Control"]
    assert head.headers["Replay-Nonce"] != get.headers["Replay-Nonce"]
    # POST-only resources refuse GET with 405 and a problem document.
    r = c.request("GET", d["newOrder"])
    assert r.status == 405 and r.problem_type == ERR + "malformed"
    # Unknown provisioners are 404.
    r = c.request("GET", acme_ca.server.base_url + "/acme/nope/directory")
    assert r.status == 404 and r.problem_type == ERR + "malformed"


def test_http01_order_end_to_end(acme_ca, http01, tmp_path):
    c = AcmeClient(acme_ca)
    r = c.new_account(contact=["mailto:ops@example.org"])
    assert r.status == 201, r
    acct_url = r.headers["Location"]
    assert r.json()["status"] == "valid"
    assert r.json()["contact"] == ["mailto:ops@example.org"]
    assert r.headers["Replay-Nonce"]

    # The same key again: the existing account, 200, same Location.
    again = AcmeClient(acme_ca, key=c.key)
    r = again.new_account()
    assert r.status == 200 and r.headers["Location"] == acct_url
    r = again.new_account(only_existing=True)
    assert r.status == 200 and r.headers["Location"] == acct_url

    r = c.new_order([("dns", "localhost")])
    assert r.status == 201, r
    order_url = r.headers["Location"]
    order = r.json()
    assert order["status"] == "pending"
    assert order["identifiers"] == [{"type": "dns", "value": "localhost"}]
    assert r.headers["Retry-After"]
    assert len(order["authorizations"]) == 1

    # Not ready yet: 403 orderNotReady.
    csr, _ = make_csr(["localhost"])
    r = c.finalize(order, csr)
    assert r.status == 403 and r.problem_type == ERR + "orderNotReady", r

    az = c.get(order["authorizations"][0])
    assert az.status == 200
    assert az.json()["status"] == "pending"
    assert az.json()["identifier"] == {"type": "dns", "value": "localhost"}
    types = sorted(ch["type"] for ch in az.json()["challenges"])
    assert types == ["dns-01", "http-01", "tls-alpn-01"]

    ch = c.challenge(order["authorizations"][0], "http-01")
    assert len(ch["token"]) >= 22
    http01.tokens[ch["token"]] = c.key_authorization(ch["token"])
    r = c.post(ch["url"], {})
    assert r.status == 200, r
    assert r.json()["status"] in ("processing", "valid")
    assert f'<{order["authorizations"][0]}>;rel="up"' in r.headers.get_all("Link")
    assert c.poll(order["authorizations"][0]).json()["status"] == "valid"
    assert f"/.well-known/acme-challenge/{ch['token']}" in http01.requests

    order = c.poll(order_url, until=("ready", "invalid")).json()
    assert order["status"] == "ready"
    r = c.finalize(order, csr)
    assert r.status == 200, r
    order = r.json()
    assert order["status"] == "valid"
    cert = c.request("POST", order["certificate"], body=json.dumps(jws(c.key, {
        "alg": alg_of(c.key), "nonce": c.nonce or c.new_nonce(), "url": order["certificate"],
        "kid": c.kid}, None)).encode(), headers={"Content-Type": "application/jose+json",
                                                  "Accept": "application/pem-certificate-chain"})
    assert cert.status == 200
    assert cert.headers["Content-Type"] == "application/pem-certificate-chain"
    chain = openssl_verify(acme_ca, cert.body.decode(), tmp_path)
    leaf = chain[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    # http-01 proves a name, which makes a server: serverAuth only.
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
    # Leaf first: the second certificate issued the first.
    assert leaf.issuer == chain[1].subject

    # Finalizing twice is refused.
    r = c.finalize(order, csr)
    assert r.status == 403 and r.problem_type == ERR + "orderNotReady"

    # The account's order list.
    r = c.get(acct_url + "/orders")
    assert r.status == 200 and order_url in r.json()["orders"]


def test_ip_identifier_http01(acme_ca, http01, tmp_path):
    c = AcmeClient(acme_ca)
    assert c.new_account().status == 201
    order, chain, _ = c.obtain_http01(http01, [("ip", "127.0.0.1")])
    assert order["identifiers"] == [{"type": "ip", "value": "127.0.0.1"}]
    leaf = openssl_verify(acme_ca, chain, tmp_path)[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_ip_identifier_gets_no_dns01(acme_ca):
    c = AcmeClient(acme_ca)
    c.new_account()
    r = c.new_order([("ip", "127.0.0.1")])
    assert r.status == 201
    az = c.get(r.json()["authorizations"][0]).json()
    assert sorted(ch["type"] for ch in az["challenges"]) == ["http-01", "tls-alpn-01"]


def test_http01_wrong_answer_invalidates(acme_ca, http01):
    c = AcmeClient(acme_ca)
    c.new_account()
    r = c.new_order([("dns", "localhost")])
    order_url, order = r.headers["Location"], r.json()
    ch = c.challenge(order["authorizations"][0], "http-01")
    http01.tokens[ch["token"]] = "not-the-key-authorization"
    assert c.post(ch["url"], {}).status == 200
    az = c.poll(order["authorizations"][0], deadline=60)
    assert az.json()["status"] == "invalid"
    chs = [x for x in az.json()["challenges"] if x["type"] == "http-01"]
    assert chs[0]["status"] == "invalid"
    assert chs[0]["error"]["type"] == ERR + "incorrectResponse"
    # RFC 8555 section 8.2: the server retried (challenge_attempts = 2).
    assert http01.requests.count(f"/.well-known/acme-challenge/{ch['token']}") == 2
    o = c.get(order_url).json()
    assert o["status"] == "invalid"


def test_http01_connection_refused_is_reported(acme_ca):
    c = AcmeClient(acme_ca)
    c.new_account()
    order = c.new_order([("dns", "localhost")]).json()
    ch = c.challenge(order["authorizations"][0], "http-01")
    r = c.post(ch["url"], {})
    assert r.status == 200
    first = r.json()
    assert first["status"] == "processing"
    assert r.headers["Retry-After"]
    az = c.poll(order["authorizations"][0], deadline=60).json()
    chs = [x for x in az["challenges"] if x["type"] == "http-01"]
    assert az["status"] == "invalid"
    assert chs[0]["error"]["type"] == ERR + "connection"


def test_http01_answered_valid_on_the_post(tmp_path, procs):
    # A validation that ends within challenge_wait_ms is answered on the
    # POST itself, authorization and order already updated: a client
    # needs no poll. The bound is set high so that a loaded machine still
    # makes it; the target answers at once.
    ca = start_acme_ca(tmp_path, procs, wait_ms=10000)
    responder = Http01Responder(ca.http01_port)
    try:
        c = AcmeClient(ca)
        c.new_account()
        r = c.new_order([("dns", "localhost")])
        order_url, order = r.headers["Location"], r.json()
        az_url = order["authorizations"][0]
        ch = c.challenge(az_url, "http-01")
        responder.tokens[ch["token"]] = c.key_authorization(ch["token"])
        r = c.post(ch["url"], {})
        assert r.status == 200, r
        assert r.json()["status"] == "valid" and r.json()["validated"], r.json()
        assert "Retry-After" not in r.headers
        assert c.get(az_url).json()["status"] == "valid"
        assert c.get(order_url).json()["status"] == "ready"
        # RFC 8555 section 7.5.1: responding again changes nothing.
        again = c.post(ch["url"], {})
        assert again.status == 200 and again.json()["status"] == "valid"
        assert responder.requests.count(f"/.well-known/acme-challenge/{ch['token']}") == 1
        csr, _ = make_csr(["localhost"])
        r = c.finalize(c.get(order_url).json(), csr)
        assert r.status == 200 and r.json()["status"] == "valid", r
    finally:
        responder.close()


def test_http01_slow_target_answers_processing(tmp_path, procs):
    # The target holds its answer until the test releases it, past the
    # POST's bound: the POST answers "processing" with a Retry-After, the
    # attempt goes on in the background and ends "valid". Concurrent
    # responses to the challenge make one validation.
    ca = start_acme_ca(tmp_path, procs, wait_ms=100)
    hold = threading.Event()
    responder = Http01Responder(ca.http01_port, hold=hold)
    try:
        c = AcmeClient(ca)
        c.new_account()
        r = c.new_order([("dns", "localhost")])
        order_url, order = r.headers["Location"], r.json()
        az_url = order["authorizations"][0]
        ch = c.challenge(az_url, "http-01")
        responder.tokens[ch["token"]] = c.key_authorization(ch["token"])
        nonces = [c.new_nonce() for _ in range(4)]
        answers = [None] * len(nonces)

        def respond(i):
            answers[i] = c.post(ch["url"], {}, nonce=nonces[i])

        threads = [threading.Thread(target=respond, args=(i,)) for i in range(len(nonces))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for r in answers:
            assert r is not None and r.status == 200, r
            assert r.json()["status"] == "processing", r.json()
            assert int(r.headers["Retry-After"]) >= 1
        assert c.get(az_url).json()["status"] == "pending"
        hold.set()
        assert c.poll(az_url).json()["status"] == "valid"
        assert c.get(order_url).json()["status"] == "ready"
        assert responder.requests.count(f"/.well-known/acme-challenge/{ch['token']}") == 1
    finally:
        hold.set()
        responder.close()


def test_dns01_through_challtestsrv(acme_ca, challtestsrv, tmp_path):
    c = AcmeClient(acme_ca)
    c.new_account()
    r = c.new_order([("dns", "example.test"), ("dns", "*.example.test")])
    assert r.status == 201, r
    order_url, order = r.headers["Location"], r.json()
    import hashlib
    for az_url in order["authorizations"]:
        az = c.get(az_url).json()
        if az.get("wildcard"):
            assert [x["type"] for x in az["challenges"]] == ["dns-01"]
        ch = c.challenge(az_url, "dns-01")
        digest = b64u(hashlib.sha256(c.key_authorization(ch["token"]).encode()).digest())
        challtestsrv.set_txt("_acme-challenge.example.test.", digest)
        assert c.post(ch["url"], {}).status == 200
        assert c.poll(az_url).json()["status"] == "valid"
        challtestsrv.clear_txt("_acme-challenge.example.test.")
    order = c.poll(order_url, until=("ready", "invalid")).json()
    assert order["status"] == "ready"
    csr, _ = make_csr(["example.test", "*.example.test"])
    r = c.finalize(order, csr)
    assert r.status == 200, r
    chain = c.get(r.json()["certificate"]).body.decode()
    leaf = openssl_verify(acme_ca, chain, tmp_path)[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == ["*.example.test", "example.test"]


def test_dns01_missing_record(acme_ca, challtestsrv):
    c = AcmeClient(acme_ca)
    c.new_account()
    order = c.new_order([("dns", "missing.test")]).json()
    ch = c.challenge(order["authorizations"][0], "dns-01")
    challtestsrv.set_txt("_acme-challenge.missing.test.", "wrong-digest")
    assert c.post(ch["url"], {}).status == 200
    az = c.poll(order["authorizations"][0], deadline=60).json()
    assert az["status"] == "invalid"
    err = [x for x in az["challenges"] if x["type"] == "dns-01"][0]["error"]
    assert err["type"] == ERR + "incorrectResponse"


def test_account_update_and_deactivate(acme_ca):
    c = AcmeClient(acme_ca)
    acct = c.new_account().headers["Location"]
    r = c.post(acct, {"contact": ["mailto:a@example.org", "mailto:b@example.org"]})
    assert r.status == 200 and r.json()["contact"] == ["mailto:a@example.org", "mailto:b@example.org"]
    r = c.get(acct)
    assert r.status == 200 and r.json()["contact"] == ["mailto:a@example.org", "mailto:b@example.org"]
    r = c.post(acct, {"contact": ["tel:+1555"]})
    assert r.problem_type == ERR + "unsupportedContact"
    r = c.post(acct, {"contact": ["mailto:not-an-address"]})
    assert r.problem_type == ERR + "invalidContact"
    # Another account may not touch this one.
    other = AcmeClient(acme_ca)
    other.new_account()
    r = other.post(acct, {"status": "deactivated"})
    assert r.status == 403 and r.problem_type == ERR + "unauthorized"

    r = c.post(acct, {"status": "deactivated"})
    assert r.status == 200 and r.json()["status"] == "deactivated"
    r = c.new_order([("dns", "localhost")])
    assert r.status == 403 and r.problem_type == ERR + "unauthorized"


def test_key_change(acme_ca):
    c = AcmeClient(acme_ca)
    acct = c.new_account().headers["Location"]
    new = new_key("ec384")
    url = c.directory["keyChange"]
    inner = jws(new, {"alg": alg_of(new), "jwk": jwk_of(new), "url": url},
                {"account": acct, "oldKey": jwk_of(c.key)})
    r = c.post(url, inner)
    assert r.status == 200, r
    old = c.key
    c.key = new
    assert c.get(acct).status == 200
    # The old key no longer names an account.
    r = AcmeClient(acme_ca, key=old).new_account(only_existing=True)
    assert r.problem_type == ERR + "accountDoesNotExist"
    r = AcmeClient(acme_ca, key=new).new_account(only_existing=True)
    assert r.status == 200 and r.headers["Location"] == acct

    # Rolling onto a key another account has: 409 with that account.
    other = AcmeClient(acme_ca)
    other_url = other.new_account().headers["Location"]
    inner = jws(other.key, {"alg": alg_of(other.key), "jwk": jwk_of(other.key), "url": url},
                {"account": acct, "oldKey": jwk_of(c.key)})
    r = c.post(url, inner)
    assert r.status == 409 and r.headers["Location"] == other_url
    # An inner JWS with a nonce, or the wrong oldKey, is refused.
    k3 = new_key()
    inner = jws(k3, {"alg": alg_of(k3), "jwk": jwk_of(k3), "url": url, "nonce": "x"},
                {"account": acct, "oldKey": jwk_of(c.key)})
    assert c.post(url, inner).problem_type == ERR + "malformed"
    inner = jws(k3, {"alg": alg_of(k3), "jwk": jwk_of(k3), "url": url},
                {"account": acct, "oldKey": jwk_of(k3)})
    assert c.post(url, inner).problem_type == ERR + "unauthorized"


def _revoked(acme_ca, serial_int):
    con = acme_ca.db()
    try:
        rows = list(con.execute("SELECT serial, revoked, revocation_reason FROM certificates"))
    finally:
        con.close()
    for serial, revoked, reason in rows:
        if int(serial, 16) == serial_int:
            return revoked, reason
    raise AssertionError(f"serial {serial_int:x} not stored")


def test_revoke_by_account_and_by_cert_key(acme_ca, http01):
    c = AcmeClient(acme_ca)
    c.new_account()
    _, chain, ckey = c.obtain_http01(http01, [("dns", "localhost")])
    leaf = x509.load_pem_x509_certificate(chain.encode())
    der = leaf.public_bytes(serialization.Encoding.DER)
    url = c.directory["revokeCert"]

    # Another account may not revoke it.
    other = AcmeClient(acme_ca)
    other.new_account()
    r = other.post(url, {"certificate": b64u(der)})
    assert r.status == 403 and r.problem_type == ERR + "unauthorized"
    assert _revoked(acme_ca, leaf.serial_number)[0] == 0
    # Bad reason code.
    r = c.post(url, {"certificate": b64u(der), "reason": 7})
    assert r.problem_type == ERR + "badRevocationReason"

    r = c.post(url, {"certificate": b64u(der), "reason": 4})
    assert r.status == 200, r
    assert _revoked(acme_ca, leaf.serial_number) == (1, 4)
    r = c.post(url, {"certificate": b64u(der)})
    assert r.problem_type == ERR + "alreadyRevoked"

    # By the certificate's own key (jwk), no account involved.
    _, chain2, ckey2 = c.obtain_http01(http01, [("dns", "localhost")])
    leaf2 = x509.load_pem_x509_certificate(chain2.encode())
    der2 = leaf2.public_bytes(serialization.Encoding.DER)
    stranger = AcmeClient(acme_ca, key=new_key())
    r = stranger.post(url, {"certificate": b64u(der2)}, use_jwk=True)
    assert r.status == 403 and r.problem_type == ERR + "unauthorized"
    certkey_client = AcmeClient(acme_ca, key=ckey2)
    r = certkey_client.post(url, {"certificate": b64u(der2), "reason": 1}, use_jwk=True)
    assert r.status == 200, r
    assert _revoked(acme_ca, leaf2.serial_number) == (1, 1)


def test_authz_and_orders_are_private(acme_ca):
    a, b = AcmeClient(acme_ca), AcmeClient(acme_ca)
    a.new_account()
    b.new_account()
    r = a.new_order([("dns", "localhost")])
    order_url, order = r.headers["Location"], r.json()
    assert b.get(order_url).problem_type == ERR + "unauthorized"
    assert b.get(order["authorizations"][0]).problem_type == ERR + "unauthorized"
    ch = a.challenge(order["authorizations"][0], "http-01")
    assert b.post(ch["url"], {}).problem_type == ERR + "unauthorized"


def test_rsa_and_p384_account_keys(acme_ca):
    for kind in ("rsa2048", "ec384"):
        c = AcmeClient(acme_ca, key=new_key(kind))
        r = c.new_account()
        assert r.status == 201, (kind, r)
        assert c.new_order([("dns", "localhost")]).status == 201


def test_authz_deactivation_invalidates_order(acme_ca):
    c = AcmeClient(acme_ca)
    c.new_account()
    r = c.new_order([("dns", "localhost"), ("dns", "a.localhost")])
    order_url, order = r.headers["Location"], r.json()
    az = order["authorizations"][1]
    r = c.post(az, {"status": "deactivated"})
    assert r.status == 200 and r.json()["status"] == "deactivated"
    assert c.get(order_url).json()["status"] == "invalid"
    # A deactivated authorization cannot be validated any more.
    ch = c.challenge(az, "http-01")
    r = c.post(ch["url"], {})
    assert r.status == 200 and r.json()["status"] == "pending"
    assert c.post(az, {"status": "valid"}).problem_type == ERR + "malformed"


def test_provisioners_are_separate(acme_ca):
    c = AcmeClient(acme_ca)
    c.new_account()
    # The "agents" provisioner (device-attest-01 only) does not know this
    # account and takes no dns identifiers.
    agents = AcmeClient(acme_ca, key=c.key, provisioner="agents")
    d = agents.directory
    assert d["newOrder"].endswith("/acme/agents/new-order")
    agents.kid = c.kid
    r = agents.post(d["newOrder"], {"identifiers": [{"type": "dns", "value": "localhost"}]})
    assert r.problem_type == ERR + "accountDoesNotExist"
    agents.kid = None
    assert agents.new_account().status == 201
    assert agents.kid != c.kid
    r = agents.new_order([("dns", "localhost")])
    assert r.status == 400 and r.problem_type == ERR + "unsupportedIdentifier"


def _http01_outcome(c, http01, setup):
    """Orders localhost, lets setup(token, keyauth) arrange the responder,
    triggers http-01 and returns the final challenge object."""
    order = c.new_order([("dns", "localhost")]).json()
    az = order["authorizations"][0]
    ch = c.challenge(az, "http-01")
    setup(ch["token"], c.key_authorization(ch["token"]))
    assert c.post(ch["url"], {}).status == 200
    final = c.poll(az, deadline=60).json()
    return [x for x in final["challenges"] if x["type"] == "http-01"][0]


def test_http01_redirects_and_size_limit(acme_ca, http01):
    c = AcmeClient(acme_ca)
    c.new_account()
    port = acme_ca.http01_port

    def same_port(token, ka):
        http01.tokens[token] = ka
        http01.redirects[f"/.well-known/acme-challenge/{token}"] = f"http://localhost:{port}/moved/{token}"
    assert _http01_outcome(c, http01, same_port)["status"] == "valid"

    def other_port(token, ka):
        http01.tokens[token] = ka
        http01.redirects[f"/.well-known/acme-challenge/{token}"] = f"http://localhost:{port + 1}/moved/{token}"
    ch = _http01_outcome(c, http01, other_port)
    assert ch["status"] == "invalid" and ch["error"]["type"] == ERR + "connection"
    assert "redirect" in ch["error"]["detail"].lower()

    def huge(token, ka):
        http01.tokens[token] = ka + " " * 5000 + "x"
    ch = _http01_outcome(c, http01, huge)
    assert ch["status"] == "invalid" and ch["error"]["type"] == ERR + "incorrectResponse"


def test_validation_resumes_after_restart(tmp_path, procs):
    from fixtures.acme import AcmeCA, Http01Responder, configure_acme
    from fixtures.ca import ca_init, start_ca_server
    from fixtures.procs import free_port
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    ports = [free_port() for _ in range(3)]
    # Three attempts, 3 s apart at first: room to stop the server between them.
    configure_acme(d, *ports, attempts=3, delay=3)
    srv = start_ca_server(procs, d, port)
    ca = AcmeCA(srv, *ports)
    c = AcmeClient(ca)
    c.new_account()
    order = c.new_order([("dns", "localhost")]).json()
    az = order["authorizations"][0]
    ch = c.challenge(az, "http-01")
    # Nobody listens yet: the first attempt fails and is recorded.
    r = c.post(ch["url"], {})
    assert r.status == 200 and r.json()["status"] == "processing"
    import time
    end = time.monotonic() + 30
    while "error" not in c.get(ch["url"]).json():
        assert time.monotonic() < end, "first attempt never recorded"
        time.sleep(0.05)
    cur = c.get(ch["url"]).json()
    assert cur["status"] == "processing" and cur["error"]["type"] == ERR + "connection"
    assert srv.stop() == 0
    responder = Http01Responder(ca.http01_port)
    try:
        responder.tokens[ch["token"]] = c.key_authorization(ch["token"])
        start_ca_server(procs, d, port, name="deviceid-ca-2")
        c.nonce = None
        assert c.poll(az, deadline=60).json()["status"] == "valid"
    finally:
        responder.close()


def test_rsa_csr_key(acme_ca, http01, tmp_path):
    c = AcmeClient(acme_ca)
    c.new_account()
    rsa_key = new_key("rsa2048")
    r = c.new_order([("dns", "localhost")])
    order_url, order = r.headers["Location"], r.json()
    ch = c.challenge(order["authorizations"][0], "http-01")
    http01.tokens[ch["token"]] = c.key_authorization(ch["token"])
    c.post(ch["url"], {})
    assert c.poll(order_url, until=("ready", "invalid")).json()["status"] == "ready"
    csr, _ = make_csr(["localhost"], key=rsa_key)
    r = c.finalize(order, csr)
    assert r.status == 200, r
    chain = c.get(r.json()["certificate"]).body.decode()
    leaf = openssl_verify(acme_ca, chain, tmp_path)[0]
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.key_encipherment
    assert leaf.public_key().key_size == 2048


def _alpn_server(port, cert_pem, key_pem, tmp_path, alpn=("acme-tls/1",)):
    """A TLS server on 127.0.0.1:port presenting cert for every handshake."""
    import socket
    import ssl
    import threading
    (tmp_path / "alpn.pem").write_bytes(cert_pem)
    (tmp_path / "alpn.key").write_bytes(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(tmp_path / "alpn.pem"), str(tmp_path / "alpn.key"))
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    sock = socket.create_server(("127.0.0.1", port))
    stop = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()

    def close():
        stop.set()
        t.join()
        sock.close()
    return close


def _alpn_cert(name, digest, critical=True):
    import datetime
    from cryptography.hazmat.primitives import hashes as h
    key = new_key()
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(x509.Name([]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.5.5.7.1.31"), b"\x04\x20" + digest), critical=critical)
            .sign(key, h.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def test_tls_alpn01_python_server(acme_ca, tmp_path):
    import hashlib
    c = AcmeClient(acme_ca)
    c.new_account()
    cases = [("good", True, True, ("acme-tls/1",), "valid", None),
             ("wrong digest", False, True, ("acme-tls/1",), "invalid", "incorrectResponse"),
             ("not critical", True, False, ("acme-tls/1",), "invalid", "incorrectResponse"),
             ("no ALPN", True, True, (), "invalid", "tls")]
    for what, right_digest, critical, alpn, want, err in cases:
        order = c.new_order([("dns", "localhost")]).json()
        az = order["authorizations"][0]
        ch = c.challenge(az, "tls-alpn-01")
        ka = c.key_authorization(ch["token"])
        digest = hashlib.sha256((ka if right_digest else "x").encode()).digest()
        cert, key = _alpn_cert("localhost", digest, critical)
        close = _alpn_server(acme_ca.tlsalpn_port, cert, key, tmp_path, alpn)
        try:
            assert c.post(ch["url"], {}).status == 200
            final = c.poll(az, deadline=60).json()
        finally:
            close()
        got = [x for x in final["challenges"] if x["type"] == "tls-alpn-01"][0]
        assert final["status"] == want, (what, final)
        if err:
            assert got["error"]["type"] == ERR + err, (what, got)


def test_ipv6_identifier_http01(acme_ca, tmp_path):
    import socket
    from fixtures.acme import Http01Responder
    from fixtures.procs import require
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        require(False, "no IPv6 loopback")
    responder = Http01Responder(acme_ca.http01_port, host="::1")
    try:
        c = AcmeClient(acme_ca)
        c.new_account()
        # The canonical form (RFC 5952) is what the order and certificate carry.
        order, chain, _ = c.obtain_http01(responder, [("ip", "0:0:0:0:0:0:0:1")],
                                          csr_names=[ipaddress.ip_address("::1")])
    finally:
        responder.close()
    assert order["identifiers"] == [{"type": "ip", "value": "::1"}]
    leaf = openssl_verify(acme_ca, chain, tmp_path)[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("::1")]
