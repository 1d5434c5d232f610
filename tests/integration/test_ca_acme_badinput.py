# SPDX-License-Identifier: Apache-2.0
"""Bad input to deviceid-ca's ACME server: each request gets the RFC 8555
problem type it deserves (application/problem+json, with a fresh
Replay-Nonce) and leaves every stored row exactly as it was."""
import json
import re
import socket

import pytest

from fixtures.acme import *  # noqa: F401,F403 (fixtures)
from fixtures.acme import ERR, AcmeClient, alg_of, b64u, jwk_of, jws, make_csr, new_key


def expect_problem(acme_ca, send, status, ptype):
    """Runs send() and checks the answer and that nothing stored changed."""
    before = acme_ca.snapshot()
    r = send()
    after = acme_ca.snapshot()
    assert r.status == status, r
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["type"] == ERR + ptype, body
    assert body["status"] == status and body["detail"]
    assert r.headers["Replay-Nonce"]
    assert before == after, "stored state changed"
    return r


@pytest.fixture
def client(acme_ca):
    c = AcmeClient(acme_ca)
    assert c.new_account().status == 201
    return c


def raw_post(c, url, obj, content_type="application/jose+json"):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return c.request("POST", url, body=body, headers={"Content-Type": content_type})


def signed(c, target, payload, **hdr):
    h = {"alg": alg_of(c.key), "nonce": c.new_nonce(), "url": target, "kid": c.kid}
    for k, v in hdr.items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    return jws(c.key, h, payload)


ORDER = {"identifiers": [{"type": "dns", "value": "localhost"}]}


def test_malformed_json(acme_ca, client):
    url = client.directory["newOrder"]
    expect_problem(acme_ca, lambda: raw_post(client, url, b'{"protected": "abc", '), 400, "malformed")
    # A valid JWS whose payload is not JSON.
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, b"{not json")), 400,
                   "malformed")


def test_wrong_content_type(acme_ca, client):
    url = client.directory["newOrder"]
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER),
                                             content_type="application/json"), 415, "malformed")


def test_oversized_body(acme_ca, client):
    url = client.directory["newOrder"]
    big = {"identifiers": [{"type": "dns", "value": "localhost"}], "pad": "x" * 40000}
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, big)), 413, "malformed")
    # Past the HTTP server's own cap (64 KiB), a client waiting for 100
    # Continue is refused before it sends the body.
    before = acme_ca.snapshot()
    ctx = acme_ca.server.ssl_context()
    with socket.create_connection(("127.0.0.1", acme_ca.server.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=acme_ca.server.host) as tls:
            path = url[len(acme_ca.server.base_url):]
            tls.sendall((f"POST {path} HTTP/1.1\r\nHost: {acme_ca.server.host}:{acme_ca.server.port}\r\n"
                         "Content-Type: application/jose+json\r\nContent-Length: 1000000\r\n"
                         "Expect: 100-continue\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                head += chunk
            status_line, rest = head.split(b"\r\n", 1)
            headers, _, body = rest.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", headers).group(1))
            while len(body) < length:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                body += chunk
    # Even this one is an ACME problem document.
    assert status_line.split()[1] == b"413", status_line
    assert re.search(rb"(?im)^content-type:\s*application/problem\+json", headers), headers
    problem = json.loads(body)
    assert problem["type"] == ERR + "malformed" and problem["status"] == 413, problem
    assert acme_ca.snapshot() == before


def test_bad_base64url(acme_ca, client):
    url = client.directory["newOrder"]
    good = signed(client, url, ORDER)
    for part, bad in (("protected", good["protected"] + "="), ("payload", "a+b/"),
                      ("signature", "!!!")):
        obj = dict(signed(client, url, ORDER))
        obj[part] = bad
        expect_problem(acme_ca, lambda: raw_post(client, url, obj), 400, "malformed")


@pytest.mark.parametrize("alg", ["none", "HS256", "ES512", "PS256"])
def test_unknown_or_none_alg(acme_ca, client, alg):
    url = client.directory["newOrder"]
    hdr = {"alg": alg, "nonce": client.new_nonce(), "url": url, "kid": client.kid}
    obj = jws(client.key, hdr, ORDER)
    r = expect_problem(acme_ca, lambda: raw_post(client, url, obj), 400, "badSignatureAlgorithm")
    assert "ES256" in r.json()["algorithms"]


def test_alg_not_matching_key(acme_ca, client):
    url = client.directory["newOrder"]
    obj = signed(client, url, ORDER, alg="ES384")
    expect_problem(acme_ca, lambda: raw_post(client, url, obj), 400, "badSignatureAlgorithm")


def test_reused_and_unknown_nonce(acme_ca, client):
    url = client.directory["newOrder"]
    nonce = client.new_nonce()
    # First use is fine (it creates an order); the replay is refused.
    r = raw_post(client, url, signed(client, url, ORDER, nonce=nonce))
    assert r.status == 201
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER, nonce=nonce)),
                   400, "badNonce")
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER,
                                                                  nonce="AAAAAAAAAAAAAAAAAAAAAA")),
                   400, "badNonce")
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER, nonce=None)),
                   400, "badNonce")
    # The nonce from a badNonce error works (RFC 8555 section 6.5).
    r = raw_post(client, url, signed(client, url, ORDER, nonce="bogus"))
    assert r.problem_type == ERR + "badNonce"
    retry = raw_post(client, url, signed(client, url, ORDER, nonce=r.headers["Replay-Nonce"]))
    assert retry.status == 201


def test_url_mismatch(acme_ca, client):
    url = client.directory["newOrder"]
    for other in (client.directory["newAccount"], url + "/", url.replace("https://", "http://")):
        expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER, url=other)),
                       403, "unauthorized")
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER, url=None)),
                   400, "malformed")


def test_jwk_and_kid_both_or_neither(acme_ca, client):
    url = client.directory["newOrder"]
    both = signed(client, url, ORDER, jwk=jwk_of(client.key))
    expect_problem(acme_ca, lambda: raw_post(client, url, both), 400, "malformed")
    neither = signed(client, url, ORDER, kid=None)
    expect_problem(acme_ca, lambda: raw_post(client, url, neither), 400, "malformed")
    # newAccount takes a jwk only, newOrder a kid only.
    acct_url = client.directory["newAccount"]
    kid_on_new_account = signed(client, acct_url, {"termsOfServiceAgreed": True})
    expect_problem(acme_ca, lambda: raw_post(client, acct_url, kid_on_new_account), 400, "malformed")
    jwk_on_order = signed(client, url, ORDER, kid=None, jwk=jwk_of(client.key))
    expect_problem(acme_ca, lambda: raw_post(client, url, jwk_on_order), 400, "malformed")


def test_signed_by_another_key(acme_ca, client):
    url = client.directory["newOrder"]
    intruder = new_key()
    hdr = {"alg": "ES256", "nonce": client.new_nonce(), "url": url, "kid": client.kid}
    expect_problem(acme_ca, lambda: raw_post(client, url, jws(intruder, hdr, ORDER)), 400, "malformed")
    # Tampered payload under a valid signature.
    obj = signed(client, url, ORDER)
    obj["payload"] = b64u(json.dumps({"identifiers": [{"type": "dns", "value": "evil.example"}]}))
    expect_problem(acme_ca, lambda: raw_post(client, url, obj), 400, "malformed")


def test_order_for_nonexisting_account(acme_ca, client):
    url = client.directory["newOrder"]
    ghost = client.kid.rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAAAAAAAA"
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER, kid=ghost)),
                   400, "accountDoesNotExist")
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, ORDER,
                                                                  kid="https://elsewhere/acct/1")),
                   400, "accountDoesNotExist")
    # onlyReturnExisting with an unknown key.
    stranger = AcmeClient(acme_ca)
    expect_problem(acme_ca, lambda: stranger.new_account(only_existing=True), 400,
                   "accountDoesNotExist")


@pytest.mark.parametrize("ids,ptype", [
    ([{"type": "email", "value": "a@example.org"}], "unsupportedIdentifier"),
    ([{"type": "dns", "value": "127.0.0.1"}], "rejectedIdentifier"),
    ([{"type": "dns", "value": "bad_name.example"}], "rejectedIdentifier"),
    ([{"type": "dns", "value": "-lead.example"}], "rejectedIdentifier"),
    ([{"type": "ip", "value": "300.1.1.1"}], "rejectedIdentifier"),
    ([{"type": "dns", "value": "*.ip.example"}, {"type": "ip", "value": "1.2.3.4"},
      {"type": "permanent-identifier", "value": "urn:ek:sha256:AAAA"}], "unsupportedIdentifier"),
    ([], "malformed"),
])
def test_bad_identifiers(acme_ca, client, ids, ptype):
    url = client.directory["newOrder"]
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, {"identifiers": ids})),
                   400, ptype)


def test_post_as_get_payload_rules(acme_ca, client):
    # newOrder with an empty payload (POST-as-GET) is malformed.
    url = client.directory["newOrder"]
    expect_problem(acme_ca, lambda: raw_post(client, url, signed(client, url, None)), 400, "malformed")


def test_csr_names_not_in_order(acme_ca, client, http01):
    r = client.new_order([("dns", "localhost")])
    order_url, order = r.headers["Location"], r.json()
    ch = client.challenge(order["authorizations"][0], "http-01")
    http01.tokens[ch["token"]] = client.key_authorization(ch["token"])
    client.post(ch["url"], {})
    assert client.poll(order_url, until=("ready", "invalid")).json()["status"] == "ready"

    for names in (["localhost", "other.example"], ["other.example"]):
        csr, _ = make_csr(names)
        expect_problem(acme_ca, lambda: client.finalize(order, csr), 400, "badCSR")
    # CN not among the identifiers.
    from cryptography import x509 as cx
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    k = new_key()
    csr = (cx.CertificateSigningRequestBuilder()
           .subject_name(cx.Name([cx.NameAttribute(NameOID.COMMON_NAME, "evil.example")]))
           .add_extension(cx.SubjectAlternativeName([cx.DNSName("localhost")]), critical=False)
           .sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    expect_problem(acme_ca, lambda: client.finalize(order, csr), 400, "badCSR")
    # The account key as the certificate key.
    csr, _ = make_csr(["localhost"], key=client.key)
    expect_problem(acme_ca, lambda: client.finalize(order, csr), 400, "badCSR")
    # Garbage instead of a CSR, and a corrupted one.
    expect_problem(acme_ca, lambda: client.post(order["finalize"], {"csr": b64u(b"\x30\x03abc")}),
                   400, "badCSR")
    expect_problem(acme_ca, lambda: client.post(order["finalize"], {"csr": "not base64!"}), 400,
                   "badCSR")
    expect_problem(acme_ca, lambda: client.post(order["finalize"], {"nocsr": 1}), 400, "malformed")
    # The order is still ready and a correct CSR still works.
    assert client.get(order_url).json()["status"] == "ready"
    csr, _ = make_csr(["localhost"])
    assert client.finalize(order, csr).status == 200


def test_get_on_post_resources(acme_ca, client):
    r = client.request("GET", client.kid)
    assert r.status == 405 and r.problem_type == ERR + "malformed"
