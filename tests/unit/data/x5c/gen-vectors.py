#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes tests/unit/ca/sign/x5c-testdata.h: fixed X5C token vectors for
tests/unit/ca/sign/test-x5c-token (a root, an "Agent CA" intermediate, a device leaf with
a PermanentIdentifier SAN, a web-server leaf without one, a leaf of an
unrelated root, and tokens signed at a fixed NOW). Rerun only to change the
vectors: keys are fresh each time, so the output differs on every run."""
import base64, datetime, hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

NOW = 1790000000  # 2026-09-21
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
T1 = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)
EK_URI = "urn:ek:sha256:" + base64.b64encode(bytes(range(32))).decode()
AUD = "https://ca.example.org/1.0/sign#x5c/devices"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject_key, cn, issuer_cert, issuer_key, ca=False, sans=None, eku=True):
    b = (x509.CertificateBuilder().subject_name(name(cn))
         .issuer_name(issuer_cert.subject if issuer_cert else name(cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(T0).not_valid_after(T1)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        if eku:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def permanent_id(uri):
    v = uri.encode()
    utf8 = b"\x0c" + bytes([len(v)]) + v
    return x509.OtherName(ObjectIdentifier("1.3.6.1.5.5.7.8.3"), b"\x30" + bytes([len(utf8)]) + utf8)


def key():
    return ec.generate_private_key(ec.SECP256R1())


root_key, agent_key, dev_key, web_key, other_key, other_leaf_key = (key() for _ in range(6))
root = cert(root_key, "Test Root", None, root_key, ca=True)
agent = cert(agent_key, "Test Agent CA", root, root_key, ca=True)
dev = cert(dev_key, "device", agent, agent_key, sans=[permanent_id(EK_URI)])
web = cert(web_key, "www.example.org", agent, agent_key, sans=[x509.DNSName("www.example.org")])
other_root = cert(other_key, "Other Root", None, other_key, ca=True)
other = cert(other_leaf_key, "other", other_root, other_key, sans=[permanent_id(EK_URI)])


def der64(c):
    return base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()


def token(k=dev_key, chain=(dev, agent), header=None, drop=(), sig=None, **claims):
    h = {"alg": "ES256", "typ": "JWT", "kid": "test", "x5c": [der64(c) for c in chain]}
    h.update(header or {})
    c = {"iss": "devices", "aud": AUD, "sub": "alice@example.org", "sans": ["alice@example.org", "alice.example.org", "10.0.0.1", "spiffe://example.org/alice"],
         "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 290, "jti": "a" * 64}
    c.update(claims)
    for d in drop:
        c.pop(d, None)
    si = (b64u(json.dumps(h).encode()) + "." + b64u(json.dumps(c).encode())).encode()
    if sig is None:
        r, s = utils.decode_dss_signature(k.sign(si, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return si.decode() + "." + b64u(sig)


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


vectors = {
    "TOKEN_VALID": token(),
    "TOKEN_MINIMAL": token(drop=("sans", "nbf")),
    "TOKEN_CNF": token(cnf={"x5rt#S256": b64u(hashlib.sha256(b"csr").digest())}),
    "TOKEN_AUD_ARRAY": token(aud=["https://x/", AUD]),
    "TOKEN_WRONG_ISS": token(iss="other"),
    "TOKEN_WRONG_AUD": token(aud="https://ca.example.org/1.0/sign#x5c/other"),
    "TOKEN_NO_SUB": token(drop=("sub",)),
    "TOKEN_EMPTY_SUB": token(sub=""),
    "TOKEN_LONG_SUB": token(sub="s" * 65),
    "TOKEN_NO_JTI": token(drop=("jti",)),
    "TOKEN_LONG_JTI": token(jti="j" * 129),
    "TOKEN_NO_EXP": token(drop=("exp",)),
    "TOKEN_NO_IAT": token(drop=("iat",)),
    "TOKEN_NO_ISS": token(drop=("iss",)),
    "TOKEN_NO_AUD": token(drop=("aud",)),
    "TOKEN_BAD_SAN": token(sans=["not a name"]),
    "TOKEN_TOO_MANY_SANS": token(sans=[f"h{i}.example.org" for i in range(17)]),
    "TOKEN_EXP_STRING": token(exp=str(NOW + 290)),
    "TOKEN_BAD_CNF": token(cnf={"x5rt#S256": "short"}),
    "TOKEN_EXPIRED": token(iat=NOW - 600, nbf=NOW - 600, exp=NOW - 61),
    "TOKEN_NOT_YET": token(iat=NOW + 61, nbf=NOW + 61, exp=NOW + 300),
    "TOKEN_TOO_LONG": token(exp=NOW + 600),
    "TOKEN_BAD_SIG": token(k=web_key),
    "TOKEN_ALG_NONE": token(header={"alg": "none"}, sig=b""),
    "TOKEN_ALG_HS256": token(header={"alg": "HS256"}, sig=b"x" * 32),
    "TOKEN_TYP": token(header={"typ": "JOSE+JSON"}),
    "TOKEN_NO_X5C": token(header={"x5c": None}),
    "TOKEN_X5C_EMPTY": token(header={"x5c": []}),
    "TOKEN_X5C_TOO_MANY": token(chain=(dev, agent, root, root, root)),
    "TOKEN_X5C_GARBAGE": token(header={"x5c": ["AAAA"]}),
    "TOKEN_WEB_LEAF": token(k=web_key, chain=(web, agent)),
    "TOKEN_OTHER_CA": token(k=other_leaf_key, chain=(other, other_root)),
}
vectors["TOKEN_NO_X5C"] = vectors["TOKEN_NO_X5C"]  # "x5c": null

out = ["/* SPDX-License-Identifier: Apache-2.0 */",
       "/* Generated by tests/unit/data/x5c/gen-vectors.py: X5C token vectors. */",
       "#pragma once", f"#define X5C_NOW {NOW}", f'#define X5C_EK_URI "{EK_URI}"',
       f'#define X5C_AUD "{AUD}"']
for n, c in (("ROOT_PEM", root), ("AGENT_PEM", agent), ("OTHER_ROOT_PEM", other_root)):
    out.append(f"static const char X5C_{n}[] =")
    out += [f'        "{line}\\n"' for line in pem(c).splitlines()]
    out[-1] += ";"
for n, v in vectors.items():
    out.append(f'static const char X5C_{n}[] = "{v}";')
open(sys.argv[1], "w").write("\n".join(out) + "\n")
