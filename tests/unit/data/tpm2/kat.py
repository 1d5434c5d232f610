#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Known-answer vectors for tests/unit/common/test-tpm2util.c, computed with the
Python `cryptography` package as an implementation independent of ours:
KDFa = SP 800-108 counter-mode KBKDF with HMAC (r = 32, L = 32 bits, label
and context separated by 0x00), KDFe = SP 800-56A ConcatKDF with the
OtherInfo label || 0x00 || partyU || partyV, and one credential wrapped by
hand (AES-CFB zero IV, HMAC). Run it and paste the output into the test."""
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.kbkdf import CounterLocation, KBKDFHMAC, Mode


def kdfa(h, key, label, ctx, bits):
    return KBKDFHMAC(algorithm=h, mode=Mode.CounterMode, length=bits // 8, rlen=4, llen=4,
                     location=CounterLocation.BeforeFixed, label=label, context=ctx,
                     fixed=None).derive(key)


def kdfe(h, z, label, u, v, bits):
    return ConcatKDFHash(algorithm=h, length=bits // 8, otherinfo=label + b"\0" + u + v).derive(z)


def c(name, b):
    print(f"static const uint8_t {name}[{len(b)}] = {{")
    for i in range(0, len(b), 12):
        print("        " + ", ".join(f"0x{x:02x}" for x in b[i:i + 12]) + ",")
    print("};")


def main():
    key = bytes(range(32))
    u = bytes.fromhex("000b") + bytes(range(0x40, 0x60))
    c("kat_kdfa_storage", kdfa(hashes.SHA256(), key, b"STORAGE", u, 128))
    c("kat_kdfa_integrity", kdfa(hashes.SHA256(), key, b"INTEGRITY", b"", 256))
    c("kat_kdfa_long", kdfa(hashes.SHA256(), key, b"KDF TEST", b"uuu" + b"vvvv", 8 * 80))
    c("kat_kdfa_sha384", kdfa(hashes.SHA384(), key[:16], b"STORAGE", u, 256))
    z = bytes(range(0x80, 0xa0))
    c("kat_kdfe", kdfe(hashes.SHA256(), z, b"IDENTITY", b"U" * 32, b"V" * 32, 256))
    c("kat_kdfe_long", kdfe(hashes.SHA384(), z, b"IDENTITY", b"U" * 48, b"V" * 48, 8 * 100))

    # A credential for name u under seed key, SHA-256 / AES-128 (TPM 2.0 Part 1, 24).
    secret = b"0123456789abcdef0123456789abcdef"
    sym = kdfa(hashes.SHA256(), key, b"STORAGE", u, 128)
    enc = Cipher(algorithms.AES(sym), modes.CFB(bytes(16))).encryptor()
    enc_id = enc.update(len(secret).to_bytes(2, "big") + secret) + enc.finalize()
    hk = kdfa(hashes.SHA256(), key, b"INTEGRITY", b"", 256)
    m = hmac.HMAC(hk, hashes.SHA256())
    m.update(enc_id + u)
    inner = (32).to_bytes(2, "big") + m.finalize() + enc_id
    c("kat_credential", len(inner).to_bytes(2, "big") + inner)


if __name__ == "__main__":
    main()
