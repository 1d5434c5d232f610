/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the quote verifier (common/tpm2quote.h) and the posture
 * claim (common/posture.h), on quotes recorded from swtpm by
 * tests/unit/data/posture/generate.sh and checked there by
 * tpm2_checkquote: the good quotes verify; another token's qualifying data
 * (a replay), another AK (a foreign TPM), another selection, changed
 * values, a tampered signature and a wrong type are refused with their
 * reasons; the claim round-trips and its parser keeps its limits.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "posture.h"
#include "tests/unit/tap.h"
#include "tpm2quote.h"
#include "tpm2util.h"

#ifndef POSTURE_TESTDATA
#define POSTURE_TESTDATA "tests/unit/data/posture"
#endif

typedef struct blob {
        uint8_t *data;
        size_t len;
} blob;

static blob load(const char *name) {
        const char *dir = getenv("top_srcdir");
        _cleanup_free_ char *path = NULL;
        char *buf = NULL;
        blob b = {};
        int r;

        if (dir)
                r = asprintf(&path, "%s/tests/unit/data/posture/%s", dir, name);
        else
                r = asprintf(&path, "%s/%s", POSTURE_TESTDATA, name);
        if (r < 0)
                abort();
        r = read_file_at(AT_FDCWD, path, 1 << 20, &buf, &b.len);
        if (r < 0) {
                printf("# cannot read %s: %s\n", path, strerror(-r));
                abort();
        }
        b.data = (uint8_t *) buf;
        return b;
}

static EVP_PKEY *load_key(const char *name) {
        blob b = load(name);
        BIO *bio = BIO_new_mem_buf(b.data, (int) b.len);
        EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

        BIO_free(bio);
        free(b.data);
        if (!k)
                abort();
        return k;
}

static tpm2_pcr_values recorded_pcrs(void) {
        blob b = load("pcrs.bin");
        tpm2_pcr_values v = { .alg = TPM2_ALG_SHA256, .mask = 0xff };

        if (b.len != 8 * 32)
                abort();
        for (unsigned i = 0; i < 8; i++)
                memcpy(v.v[i], b.data + 32 * i, 32);
        free(b.data);
        return v;
}

static void test_masks(void) {
        uint32_t m;
        char buf[64];

        is_ok(tpm2_pcr_mask_parse("0-7", &m), "0-7");
        is_int(m, 0xff, "0-7 is PCRs 0..7");
        is_ok(tpm2_pcr_mask_parse("0,2,4-7,23", &m), "list");
        is_int(m, 0x8000f5, "list mask");
        tpm2_pcr_mask_format(m, buf, sizeof(buf));
        is_str(buf, "0,2,4-7,23", "formatted back");
        is_err(tpm2_pcr_mask_parse("24", &m), -EINVAL, "PCR 24 refused");
        is_err(tpm2_pcr_mask_parse("7-3", &m), -EINVAL, "reversed range refused");
        is_err(tpm2_pcr_mask_parse("", &m), -EINVAL, "empty refused");
        is_err(tpm2_pcr_mask_parse("1,", &m), -EINVAL, "trailing comma refused");

        is_ok(tpm2_pcr_sha256_selection_parse("sha256:0-3", &m), "sha256:0-3");
        is_int(m, 0xf, "sha256:0-3 is PCRs 0..3");
        is_ok(tpm2_pcr_sha256_selection_parse("7", &m), "no bank: sha256");
        is_int(m, 0x80, "PCR 7");
        is_err(tpm2_pcr_sha256_selection_parse("sha1:0-7", &m), -EOPNOTSUPP, "sha1 bank refused");
        is_err(tpm2_pcr_sha256_selection_parse("sha2566:0", &m), -EOPNOTSUPP, "bank name must match whole");
        is_err(tpm2_pcr_sha256_selection_parse("sha256:", &m), -EINVAL, "empty list after the bank");
        is_err(tpm2_pcr_sha256_selection_parse("sha256:0:1", &m), -EINVAL, "second colon");
}

static void test_qualifying(void) {
        blob want = load("qualifying.bin");
        uint8_t q[32];

        is_ok(posture_qualifying("vector-jti", 1700000000, 1700000300, q), "qualifying");
        is_mem(q, sizeof(q), want.data, want.len, "qualifying data as generate.sh derives it");
        is_ok(posture_qualifying("vector-jti", 1700000000, 1700000301, q), "another exp");
        ok(memcmp(q, want.data, 32) != 0, "another exp gives other qualifying data");
        free(want.data);
}

static void test_qualifying_acme(void) {
        /* printf 'deviceid-posture-acme-v1\0tok\0tok.thumb' | sha256sum */
        static const uint8_t want[32] = {
                0x4d, 0xda, 0x49, 0x01, 0x67, 0x5e, 0xe9, 0x0c, 0x2c, 0x84, 0x0a, 0xd5, 0x52, 0xc1, 0x9b, 0xc4,
                0x5f, 0x7f, 0x5b, 0x9f, 0xcd, 0xc1, 0x49, 0xb3, 0xbe, 0x26, 0xbf, 0x4e, 0x31, 0x75, 0x2e, 0x18,
        };
        uint8_t q[32];

        is_ok(posture_qualifying_acme("tok", "tok.thumb", q), "ACME qualifying");
        is_mem(q, sizeof(q), want, sizeof(want), "ACME qualifying data: SHA-256 of label, token, key authorization");
        is_ok(posture_qualifying_acme("tok", "tok.thumB", q), "another key authorization");
        ok(memcmp(q, want, sizeof(want)) != 0, "another key authorization gives other qualifying data");
        is_int(posture_qualifying_acme(NULL, "tok.thumb", q), -EINVAL, "no token");
        is_int(posture_qualifying_acme("tok", NULL, q), -EINVAL, "no key authorization");
}

static void test_quotes(void) {
        blob q = load("qualifying.bin");
        tpm2_pcr_values pcrs = recorded_pcrs();

        for (int i = 0; i < 2; i++) {
                const char *a = i == 0 ? "ecc" : "rsa", *other = i == 0 ? "rsa" : "ecc";
                char name[64];
                blob att, sig;
                EVP_PKEY *ak, *foreign;
                tpm2_pcr_values v;
                const char *why = NULL;
                TPMS_CLOCK_INFO clock;
                uint8_t bad_q[32];

                snprintf(name, sizeof(name), "quote-%s.attest", a);
                att = load(name);
                snprintf(name, sizeof(name), "quote-%s.sig", a);
                sig = load(name);
                snprintf(name, sizeof(name), "ak-%s.pem", a);
                ak = load_key(name);
                snprintf(name, sizeof(name), "ak-%s.pem", other);
                foreign = load_key(name);

                is_ok(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &pcrs, &clock, &why),
                      "recorded quote verifies");
                ok(clock.clock > 0, "clock info returned");

                /* A replay: the quote of another token's qualifying data. */
                memcpy(bad_q, q.data, 32);
                bad_q[0] ^= 1;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, bad_q, 32, &pcrs, NULL, &why),
                       -EBADE, "other qualifying data refused");
                is_str(why, "the quote's qualifying data is not this request's", "reason");
                /* Another TPM's AK. */
                is_err(tpm2_quote_check(foreign, att.data, att.len, sig.data, sig.len, q.data, q.len, &pcrs, NULL,
                                        &why),
                       -EKEYREJECTED, "quote checked with another AK refused");
                /* Another selection than the one quoted. */
                v = pcrs;
                v.mask = 0x7f;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &v, NULL, &why),
                       -ERANGE, "other selection refused");
                v = pcrs;
                v.alg = TPM2_ALG_SHA1;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &v, NULL, &why),
                       -ERANGE, "other bank refused");
                /* Values that are not the quoted ones. */
                v = pcrs;
                v.v[7][0] ^= 0x80;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &v, NULL, &why),
                       -ESTALE, "changed PCR 7 refused");
                is_str(why, "the reported PCR values do not match the quote's digest", "reason");
                /* Tampered bytes. */
                att.data[att.len - 1] ^= 1;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &pcrs, NULL, &why),
                       -EKEYREJECTED, "tampered attest refused");
                att.data[att.len - 1] ^= 1;
                att.data[5] = 0x17; /* ATTEST_CERTIFY: its body does not parse as one */
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &pcrs, NULL, &why),
                       -EBADMSG, "not a quote refused");
                att.data[0] = 0; /* magic */
                att.data[5] = 0x18;
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len, q.data, q.len, &pcrs, NULL, &why),
                       -EPROTO, "another magic refused");
                att.data[0] = 0xff;
                att.data[5] = 0x18;
                is_err(tpm2_quote_check(ak, att.data, att.len - 1, sig.data, sig.len, q.data, q.len, &pcrs, NULL,
                                        &why),
                       -EBADMSG, "truncated attest refused");
                is_err(tpm2_quote_check(ak, att.data, att.len, sig.data, sig.len - 1, q.data, q.len, &pcrs, NULL,
                                        &why),
                       -EBADMSG, "truncated signature refused");
                EVP_PKEY_free(ak);
                EVP_PKEY_free(foreign);
                free(att.data);
                free(sig.data);
        }
        free(q.data);
}

static void test_claim(void) {
        _cleanup_(posture_report_done) posture_report r = {}, back = {};
        _cleanup_json_ json_object *o = NULL;
        blob att = load("quote-ecc.attest"), sig = load("quote-ecc.sig");
        const char *why = NULL;
        uint8_t ak[3] = { 0x30, 0x01, 0x00 };

        r.ak = malloc(sizeof(ak));
        memcpy(r.ak, ak, sizeof(ak));
        r.ak_len = sizeof(ak);
        r.quote = att.data;
        r.quote_len = att.len;
        r.sig = sig.data;
        r.sig_len = sig.len;
        r.pcrs = recorded_pcrs();
        r.facts = (posture_facts) { .os_id = strdup("debian"), .kernel = strdup("6.1.0-18-amd64"),
                                    .secure_boot = POSTURE_DISABLED, .disk_encryption = POSTURE_ENABLED };
        r.eventlog = malloc(4);
        memcpy(r.eventlog, "\x01\x02\x03\x04", 4);
        r.eventlog_len = 4;
        is_ok(posture_report_to_json(&r, &o), "claim built");
        is_ok(posture_report_from_json(o, &back, &why), "claim parsed back");
        is_mem(back.quote, back.quote_len, r.quote, r.quote_len, "quote");
        is_mem(back.sig, back.sig_len, r.sig, r.sig_len, "sig");
        is_mem(back.ak, back.ak_len, r.ak, r.ak_len, "ak");
        is_mem(back.eventlog, back.eventlog_len, r.eventlog, r.eventlog_len, "eventlog");
        is_int(back.pcrs.mask, 0xff, "mask");
        is_mem(back.pcrs.v[7], 32, r.pcrs.v[7], 32, "PCR 7");
        is_str(back.facts.os_id, "debian", "os");
        ok(!back.facts.os_version, "absent fact stays absent");
        is_int(back.facts.secure_boot, POSTURE_DISABLED, "secureBoot");
        is_int(back.facts.disk_encryption, POSTURE_ENABLED, "diskEncryption");
}

static int parse_text(const char *text, const char **why) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(posture_report_done) posture_report r = {};

        if (json_parse(text, strlen(text), 1 << 16, &o) < 0)
                return -EINVAL;
        return posture_report_from_json(o, &r, why);
}

static int parse_report(const char *text, posture_report *r) {
        _cleanup_json_ json_object *o = NULL;

        if (json_parse(text, strlen(text), 1 << 16, &o) < 0)
                return -EINVAL;
        return posture_report_from_json(o, r, NULL);
}

static void test_claim_refusals(void) {
        static const char *const bad[] = {
                "[]",
                "{}",
                "{\"version\":2,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"" "00" "\"}},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"!\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"md5\":{}},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"24\":\"00\"}},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"07\":\"00\"}},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"7\":\"00\"}},\"facts\":{}}",
                "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{}},\"facts\":{}}",
        };
        char big[POSTURE_QUOTE_MAX * 2 + 512], pcr[65];
        const char *why;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                why = NULL;
                is_err(parse_text(bad[i], &why), -EBADMSG, bad[i]);
                ok(why != NULL, "with a reason");
        }
        memset(pcr, 'a', 64);
        pcr[64] = '\0';
        /* A quote over the limit. */
        {
                size_t off = (size_t) snprintf(big, sizeof(big), "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"");
                memset(big + off, 'A', POSTURE_QUOTE_MAX * 4 / 3 + 8);
                off += POSTURE_QUOTE_MAX * 4 / 3 + 8;
                snprintf(big + off, sizeof(big) - off,
                         "\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},\"facts\":{}}", pcr);
                is_err(parse_text(big, &why), -EBADMSG, "quote over the limit refused");
        }
        snprintf(big, sizeof(big),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{\"kernel\":\"6.1\\u0007\"}}",
                 pcr);
        is_err(parse_text(big, &why), -EBADMSG, "control character in a fact refused");
        snprintf(big, sizeof(big),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{\"secureBoot\":\"maybe\"}}",
                 pcr);
        is_err(parse_text(big, &why), -EBADMSG, "unknown state refused");
        snprintf(big, sizeof(big),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{}}",
                 pcr);
        is_ok(parse_text(big, &why), "minimal claim accepted");
}

/* The event log beside the token: named by "eventlogSha256" in the claim,
 * taken from the container's "eventlog"; fixed vector: the bytes 01 02 03
 * 04. */
static void test_eventlog_beside(void) {
        static const char digest[] = "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a";
        _cleanup_(posture_report_done) posture_report r = {}, back = {};
        _cleanup_json_ json_object *o = NULL, *body = NULL;
        char pcr[65], text[1024];
        const char *why, *h = NULL;

        memset(pcr, 'a', 64);
        pcr[64] = '\0';
        r.pcrs = recorded_pcrs();
        r.ak = malloc(1);
        r.quote = malloc(1);
        r.sig = malloc(1);
        r.ak_len = r.quote_len = r.sig_len = 1;
        r.ak[0] = r.quote[0] = r.sig[0] = 0;
        r.eventlog = malloc(4);
        memcpy(r.eventlog, "\x01\x02\x03\x04", 4);
        r.eventlog_len = 4;
        r.eventlog_sent_beside = true;
        is_ok(crypto_sha256(r.eventlog, 4, r.eventlog_sha256), "digest");
        is_ok(posture_report_to_json(&r, &o), "claim built");
        ok(!json_object_object_get_ex(o, "eventlog", NULL), "the log itself is not in the claim");
        is_ok(json_get_string(o, "eventlogSha256", &h), "the claim names it");
        is_str(h, digest, "by its SHA-256 in hex");

        is_ok(posture_report_from_json(o, &back, &why), "claim parsed back");
        ok(back.eventlog_sent_beside && !back.eventlog, "named, not yet attached");
        is_err(posture_eventlog_attach(&back, NULL, &why), -ENOENT, "no container: refused");
        is_str(why, "the report names an event log the request does not carry", "reason");
        body = json_object_new_object();
        is_err(posture_eventlog_attach(&back, body, &why), -ENOENT, "no member: refused");
        json_add_string(body, "eventlog", "AQIDBQ==");
        is_err(posture_eventlog_attach(&back, body, &why), -EBADMSG, "another log: refused");
        is_str(why, "the request's event log is not the one the report's \"eventlogSha256\" names", "reason");
        json_object_object_del(body, "eventlog");
        json_add_string(body, "eventlog", "AQID!A==");
        is_err(posture_eventlog_attach(&back, body, &why), -EBADMSG, "not base64: refused");
        json_object_object_del(body, "eventlog");
        json_add_string(body, "eventlog", "AQIDBA==");
        is_ok(posture_eventlog_attach(&back, body, &why), "the named log attaches");
        is_mem(back.eventlog, back.eventlog_len, "\x01\x02\x03\x04", 4, "its bytes");
        posture_report_done(&back);

        /* A claim that names none ignores a log beside it. */
        snprintf(text, sizeof(text),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{}}", pcr);
        is_ok(parse_report(text, &back), "claim without a log");
        is_ok(posture_eventlog_attach(&back, body, &why), "an unbound log is ignored");
        ok(!back.eventlog, "and not taken");
        posture_report_done(&back);

        snprintf(text, sizeof(text),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{},\"eventlogSha256\":\"%.63sx\"}", pcr, digest);
        is_err(parse_text(text, &why), -EBADMSG, "a digest that is not hex is refused");
        snprintf(text, sizeof(text),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{},\"eventlogSha256\":\"%.62s\"}", pcr, digest);
        is_err(parse_text(text, &why), -EBADMSG, "a short digest is refused");
        snprintf(text, sizeof(text),
                 "{\"version\":1,\"ak\":\"AA==\",\"quote\":\"AA==\",\"sig\":\"AA==\",\"pcrs\":{\"sha256\":{\"0\":\"%s\"}},"
                 "\"facts\":{},\"eventlog\":\"AQIDBA==\",\"eventlogSha256\":\"%s\"}", pcr, digest);
        is_err(parse_text(text, &why), -EBADMSG, "both the log and its digest in the claim: refused");
}

static void test_eventlog(void) {
        blob log = load("eventlog.bin"), want = load("eventlog.pcrs");
        tpm2_pcr_values v;
        const char *why = NULL, *line = (const char *) want.data;
        unsigned matched = 0;

        is_ok(tpm2_eventlog_replay(log.data, log.len, TPM2_ALG_SHA256, &v, &why), "event log replays");
        is_int(v.mask, 0xff, "PCRs 0-7 extended");
        /* tpm2_eventlog's values, "N HEX" per line. */
        for (unsigned i = 0; i < 8 && line; i++) {
                unsigned pcr;
                char hex[65], got[65];

                if (sscanf(line, "%u %64s", &pcr, hex) != 2 || pcr >= 8)
                        break;
                for (unsigned k = 0; k < 32; k++)
                        snprintf(got + 2 * k, 3, "%02x", v.v[pcr][k]);
                matched += streq(got, hex);
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        is_int(matched, 8, "the values tpm2_eventlog computes");
        {
                /* With a StartupLocality event of locality 3: PCR 0 starts
                 * at 00..03 and the event itself is not extended (PC Client
                 * Firmware Profile 10.4.5.3), so PCR 0 = SHA-256(00..03 ||
                 * SHA-256("deviceid test event for PCR 0")); PCR 1 as before. */
                static const uint8_t pcr0[32] = {
                        0xe5, 0x79, 0xf2, 0x9f, 0x76, 0x49, 0x93, 0xd1, 0x68, 0xa4, 0x67, 0xff, 0xfc, 0x7b, 0xac, 0xbe,
                        0x88, 0xf3, 0x47, 0x1f, 0xa5, 0x9d, 0x82, 0x20, 0xc9, 0xe3, 0xb4, 0xa5, 0xca, 0x1a, 0xa5, 0x25,
                };
                blob loc = load("eventlog-locality.bin");
                tpm2_pcr_values w;

                is_ok(tpm2_eventlog_replay(loc.data, loc.len, TPM2_ALG_SHA256, &w, &why), "locality log replays");
                is_mem(w.v[0], 32, pcr0, 32, "PCR 0 starts at the locality");
                is_mem(w.v[1], 32, v.v[1], 32, "PCR 1 unchanged");
                free(loc.data);
        }
        is_ok(tpm2_eventlog_replay(log.data, log.len, TPM2_ALG_SHA1, &v, &why), "the SHA-1 bank too");
        is_err(tpm2_eventlog_replay(log.data, log.len, TPM2_ALG_SHA384, &v, &why), -EOPNOTSUPP, "no sha384 digests");
        {
                unsigned refused = 0, n = 0;

                /* Every cut inside an event is refused; a cut between
                 * events is a shorter, valid log. */
                for (size_t cut = 0; cut < log.len; cut++, n++)
                        refused += tpm2_eventlog_replay(log.data, cut, TPM2_ALG_SHA256, &v, &why) == -EBADMSG;
                ok(refused > n - 12 && refused < n, "truncated logs refused (but at event boundaries)");
        }
        log.data[0] = 1;
        is_err(tpm2_eventlog_replay(log.data, log.len, TPM2_ALG_SHA256, &v, &why), -EBADMSG, "header PCR 1 refused");
        free(log.data);
        free(want.data);
}

int main(void) {
        test_masks();
        test_qualifying();
        test_qualifying_acme();
        test_quotes();
        test_claim();
        test_claim_refusals();
        test_eventlog_beside();
        test_eventlog();
        return tap_done();
}
