#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the TPM structure vectors of tests/unit/common/test-tpm2util.c from a
# provisioned swtpm (swtpm_setup --create-ek-cert, as the swtpm pytest
# fixture does) with tpm2-tools 5.4 and openssl. Run once by hand:
#   TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=P sh generate.sh OUTDIR
# The committed files are its output; the unit tests never run it.
# File formats: *.pub = TPM2B_PUBLIC (tpm2-tools -u), *.name = binary Name,
# *.cdata = TPM2B_CREATION_DATA, *.attest = TPMS_ATTEST, *.sig =
# TPMT_SIGNATURE, mc-*.bin = tpm2_makecredential's file (header, then
# TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET).
set -eu
out=${1:?output directory}
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'tpm2_flushcontext -t >/dev/null 2>&1 || :; rm -rf "$tmp"' EXIT
# A raw swtpm has no resource manager: flush what each tool leaves loaded.
t() {
        "$@"
        tpm2_flushcontext -t
}

# Endorsement keys provisioned by swtpm_setup: RSA-2048 and ECC P-384.
for ek in rsa:0x81010001 ecc384:0x81010016; do
        tpm2_readpublic -c "${ek#*:}" -o "ek-${ek%%:*}.pub" -n "ek-${ek%%:*}.name" >/dev/null
        tpm2_readpublic -c "${ek#*:}" -f pem -o "ek-${ek%%:*}.pem" >/dev/null
        # EK URI: urn:ek:sha256: + base64(SHA-256(DER SPKI)), by openssl.
        printf 'urn:ek:sha256:%s\n' "$(openssl pkey -pubin -in "ek-${ek%%:*}.pem" -outform DER |
                openssl dgst -sha256 -binary | base64 -w0)" >"ek-${ek%%:*}.uri"
done

t tpm2_createprimary -Q -C o -G ecc256:aes128cfb -g sha256 -c "$tmp/srk.ctx" \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt'

ak_attrs='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|sign'
key_attrs='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|sign'
for alg in ecc:ecc256:ecdsa-sha256:null rsa:rsa2048:rsassa-sha256:null; do
        a=${alg%%:*}
        galg=${alg#*:}
        # AK with creation data, certifying its own creation (protocols.md 1).
        t tpm2_create -Q -C "$tmp/srk.ctx" -G "$galg" -g sha256 -a "$ak_attrs" \
                -u "ak-$a.pub" -r "$tmp/ak.priv" --creation-data "ak-$a.cdata" \
                -t "$tmp/ak.ticket" -d "$tmp/ak.chash"
        t tpm2_load -Q -C "$tmp/srk.ctx" -u "ak-$a.pub" -r "$tmp/ak.priv" -c "$tmp/ak-$a.ctx" \
                -n "ak-$a.name"
        t tpm2_certifycreation -Q -C "$tmp/ak-$a.ctx" -c "$tmp/ak-$a.ctx" -d "$tmp/ak.chash" \
                -t "$tmp/ak.ticket" -g sha256 -o "ak-$a.csig" --attestation "ak-$a.cattest"
        # Device key certified by the AK (protocols.md 2); tpm2_certify sets
        # extraData to 00ff55aa.
        t tpm2_create -Q -C "$tmp/srk.ctx" -G "$galg" -g sha256 -a "$key_attrs" \
                -u "key-$a.pub" -r "$tmp/key.priv"
        t tpm2_load -Q -C "$tmp/srk.ctx" -u "key-$a.pub" -r "$tmp/key.priv" -c "$tmp/key.ctx" \
                -n "key-$a.name"
        t tpm2_certify -Q -C "$tmp/ak-$a.ctx" -c "$tmp/key.ctx" -g sha256 -o "key-$a.attest" \
                -s "key-$a.sig"
        # The AK certifying itself: a restricted key, which must be refused.
        t tpm2_certify -Q -C "$tmp/ak-$a.ctx" -c "$tmp/ak-$a.ctx" -g sha256 -o "akself-$a.attest" \
                -s "akself-$a.sig"
done

# Off-TPM MakeCredential by tpm2-tools to software "EKs" whose private keys
# are kept here, so the unit test can check our software activation opens
# tpm2-tools' blobs.
printf 'deviceid tpm2util credential 32' >secret.bin
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out softek-rsa.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out softek-ecc.key
for a in rsa ecc; do
        openssl pkey -in "softek-$a.key" -pubout -out "$tmp/softek-$a.pem"
        tpm2_makecredential -Q -T none -G "$a" -u "$tmp/softek-$a.pem" -s secret.bin \
                -n "$(xxd -p -c 256 ak-ecc.name)" -o "mc-$a.bin"
done
