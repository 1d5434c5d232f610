#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the quote vectors of tests/unit/common/test-posture.c with a
# fresh swtpm and tpm2-tools 5.4 (run once by hand; the unit tests never
# run it):
#   sh generate.sh OUTDIR
# Two AKs (ECC P-256 and RSA-2048, restricted signing keys as the agent
# makes them) quote sha256 PCRs 0-7 after PCR 7 was extended, with the
# qualifying data posture_qualifying("vector-jti", 1700000000, 1700000300)
# (docs/posture.md); each quote is checked by tpm2_checkquote here.
# Files: ak-*.pem = the AK public key, quote-*.attest = TPMS_ATTEST,
# quote-*.sig = TPMT_SIGNATURE, pcrs.bin = the 8 PCR values (tpm2_pcrread
# -o), qualifying.bin = the 32 bytes of qualifying data.
set -eu
out=${1:?output directory}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
swtpm socket --tpm2 --tpmstate dir="$tmp" --server type=tcp,port="$port",bindaddr=127.0.0.1 \
        --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear &
pid=$!
trap 'kill $pid; rm -rf "$tmp"' EXIT
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
i=0
until tpm2_pcrread -Q sha256:0 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 50 ] || exit 1
        sleep 0.1
done
t() {
        "$@"
        tpm2_flushcontext -t
}

printf 'deviceid-posture-v1\000vector-jti\0001700000000\0001700000300' | openssl dgst -sha256 -binary \
        >"$out/qualifying.bin"
tpm2_pcrextend 7:sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
t tpm2_createprimary -Q -C o -G ecc256:aes128cfb -g sha256 -c "$tmp/srk.ctx" \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt'
ak_attrs='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|sign'
for alg in ecc:ecc256:ecdsa-sha256:null rsa:rsa2048:rsassa-sha256:null; do
        a=${alg%%:*}
        t tpm2_create -Q -C "$tmp/srk.ctx" -G "${alg#*:}" -g sha256 -a "$ak_attrs" -u "$tmp/ak-$a.pub" \
                -r "$tmp/ak-$a.priv"
        t tpm2_load -Q -C "$tmp/srk.ctx" -u "$tmp/ak-$a.pub" -r "$tmp/ak-$a.priv" -c "$tmp/ak-$a.ctx"
        tpm2_readpublic -Q -c "$tmp/ak-$a.ctx" -f pem -o "$out/ak-$a.pem"
        t tpm2_quote -Q -c "$tmp/ak-$a.ctx" -l sha256:0,1,2,3,4,5,6,7 -q "$(xxd -p -c 64 "$out/qualifying.bin")" \
                -g sha256 -m "$out/quote-$a.attest" -s "$out/quote-$a.sig" -o "$tmp/quote-$a.pcrs"
        tpm2_checkquote -Q -u "$out/ak-$a.pem" -m "$out/quote-$a.attest" -s "$out/quote-$a.sig" \
                -f "$tmp/quote-$a.pcrs" -g sha256 -q "$(xxd -p -c 64 "$out/qualifying.bin")"
        echo "tpm2_checkquote: quote-$a verifies"
done
tpm2_pcrread -Q sha256:0,1,2,3,4,5,6,7 -o "$out/pcrs.bin"
