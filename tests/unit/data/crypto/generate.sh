#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the fixed test vectors of test-crypto, test-x509 and
# test-signer with the openssl CLI. Run once by hand; the outputs are
# committed so the unit tests never depend on the CLI. Validity runs from
# 2025-01-01 to 2125-01-01 unless a vector is about expiry.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- keys ----
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.key
openssl pkey -in p256.key -traditional -out p256-sec1.key
openssl pkey -in p256.key -pubout -out p256.pub
openssl pkey -in p256.key -pubout -outform DER -out p256.pub.der
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key
openssl pkey -in rsa2048.key -traditional -out rsa2048-pkcs1.key
openssl pkey -in rsa2048.key -pubout -out rsa2048.pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa3072.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out rsa4096.key
openssl pkey -in p256.key -aes256 -passout pass:secret -out p256-enc.key
# Unsupported types.
openssl genpkey -algorithm ED25519 -out ed25519.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key

# ---- a two-level CA: root (P-256) -> intermediate (P-384) -> leaves ----
cat >"$tmp/ca.cnf" <<'EOF'
[ca]
default_ca = ca_default
[ca_default]
dir = TMPDIR
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[policy_any]
commonName = optional
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[int_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
EOF
sed -i "s|TMPDIR|$tmp|" "$tmp/ca.cnf"
: >"$tmp/index.txt"
echo 1000 >"$tmp/serial"

sign() { # sign <csr> <out> <signer-cert> <signer-key> <ext> <start> <end>
        openssl ca -batch -notext -config "$tmp/ca.cnf" -in "$1" -out "$2" \
                -cert "$3" -keyfile "$4" -extensions "$5" \
                -startdate "$6" -enddate "$7" 2>/dev/null
}
selfsign() { # selfsign <csr> <out> <key> <ext> <start> <end>
        openssl ca -batch -notext -selfsign -config "$tmp/ca.cnf" -in "$1" -out "$2" \
                -keyfile "$3" -extensions "$4" -startdate "$5" -enddate "$6" 2>/dev/null
}
START=20250101000000Z
END=21250101000000Z

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
openssl req -new -key root.key -subj "/CN=deviceid test root" -out "$tmp/root.csr"
selfsign "$tmp/root.csr" root.crt root.key root_ext $START $END

# A different root with the same name: issuer names match, signatures do not.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/other-root.key"
openssl req -new -key "$tmp/other-root.key" -subj "/CN=deviceid test root" -out "$tmp/other.csr"
selfsign "$tmp/other.csr" other-root.crt "$tmp/other-root.key" root_ext $START $END

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/int.key"
openssl req -new -key "$tmp/int.key" -subj "/CN=deviceid test intermediate" -out "$tmp/int.csr"
sign "$tmp/int.csr" int.crt root.crt root.key int_ext $START $END

# The leaf CSR carries every SAN type, including two PermanentIdentifiers
# (RFC 4043), one with an assigner and one without.
cat >"$tmp/req.cnf" <<'EOF'
[req]
distinguished_name = dn
req_extensions = req_ext
prompt = no
[dn]
CN = device-1234
[req_ext]
subjectAltName = @alt
[alt]
DNS.1 = device-1234.example.com
DNS.2 = alt.example.com
IP.1 = 192.0.2.7
IP.2 = 2001:db8::1
URI.1 = urn:ek:sha256:qrs0rAYhg1e7wzq8lq6yIV-xxiAIlNumV7a6zESJcjM
email.1 = device@example.com
otherName.1 = 1.3.6.1.5.5.7.8.3;SEQUENCE:permid_assigned
otherName.2 = 1.3.6.1.5.5.7.8.3;SEQUENCE:permid_bare
[permid_assigned]
identifierValue = UTF8:urn:ek:sha256:qrs0rAYhg1e7wzq8lq6yIV-xxiAIlNumV7a6zESJcjM
assigner = OID:1.3.6.1.4.1.59207.1
[permid_bare]
identifierValue = UTF8:serial-0042
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
openssl req -new -key leaf.key -config "$tmp/req.cnf" -out leaf.csr
openssl req -in leaf.csr -outform DER -out leaf.csr.der
sign leaf.csr leaf.crt int.crt "$tmp/int.key" client_ext $START $END
openssl x509 -in leaf.crt -outform DER -out leaf.crt.der

# Same key, serverAuth only.
sign leaf.csr leaf-server.crt int.crt "$tmp/int.key" server_ext $START $END
# Same key, valid for 2025 only.
sign leaf.csr leaf-2025.crt int.crt "$tmp/int.key" client_ext $START 20260101000000Z

# An RSA CSR with no subject and a single DNS SAN.
openssl req -new -key rsa2048.key -subj "/" -addext "subjectAltName=DNS:rsa.example.com" \
        -out rsa2048.csr

# CSRs the fast CSR reader (x509-csr-read.c) leaves to the general path:
# a P-384 key, the leaf key's point compressed, ecdsa-with-SHA384; and a
# plain P-256 one it takes (empty attributes).
openssl req -new -key p384.key -subj "/CN=p384" -outform DER -out p384.csr.der
openssl ec -in leaf.key -conv_form compressed -out "$tmp/leaf-compressed.key"
openssl req -new -key "$tmp/leaf-compressed.key" -subj "/CN=compressed" -outform DER \
        -out leaf-compressed.csr.der
openssl req -new -key leaf.key -sha384 -subj "/CN=sha384" -outform DER -out leaf-sha384.csr.der
openssl req -new -key p256.key -subj "/CN=plain" -outform DER -out p256-plain.csr.der

# Bundles.
cat leaf.crt int.crt >chain.pem
cat leaf.crt int.crt root.crt >chain3.pem

# A CSR whose signature is broken: flip the last byte of the DER.
python3 - <<'EOF'
d = bytearray(open("leaf.csr.der", "rb").read())
d[-1] ^= 0x01
open("leaf-badsig.csr.der", "wb").write(bytes(d))
EOF

# Signatures over a fixed message, for test-signer.
printf 'deviceid signer test vector\n' >msg.txt
openssl dgst -sha256 -sign rsa2048.key -out rsa2048-msg.sig msg.txt
openssl dgst -sha256 -sign p256.key -out p256-msg.sig msg.txt
openssl dgst -sha384 -sign p384.key -out p384-msg.sig msg.txt

# Leaves issued by the root directly, for the keyUsage rules of clientAuth:
# one without keyUsage, one whose keyUsage lacks digitalSignature.
cat >"$tmp/ku.cnf" <<'EOT'
[no_ku]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = clientAuth
[ku_encipher]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = clientAuth
EOT
openssl req -new -key leaf.key -subj "/CN=device-ku" -out "$tmp/ku.csr"
for ext in no_ku ku_encipher; do
        openssl x509 -req -in "$tmp/ku.csr" -CA root.crt -CAkey root.key -set_serial 0x4b55 \
                -days 36500 -extfile "$tmp/ku.cnf" -extensions $ext -out leaf-$ext.crt
done

# An EK certificate as swtpm_setup makes them (swtpm_cert 0.7), for the
# TCG TPM directoryName SAN (manufacturer, model and version attributes).
swtpm_cert --tpm2 --pubkey rsa2048.pub --signkey root.key --issuercert root.crt \
        --out-cert ek-swtpm.der --serial 19269 --days 36500 \
        --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023 \
        --tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164 --subject CN=unused
