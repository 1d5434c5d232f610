/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the ACME server's pure cores: problem documents
 * (ca/acme/acme-problem.c), request payload parsers and identifier/contact
 * validation (ca/acme/acme-payload.c), and the finalize CSR policy
 * (ca/acme/acme-csr.c) with CSRs built through common/x509-csr.c.
 */
#include "ca/acme/acme-csr.h"
#include "ca/acme/acme-payload.h"
#include "ca/acme/acme-problem.h"
#include "crypto.h"
#include "signer.h"
#include "tests/unit/tap.h"
#include "x509.h"

#define P(s) (const uint8_t *) (s), strlen(s)

static void test_problem(void) {
        acme_problem p = {};
        _cleanup_json_ json_object *o = NULL;
        acme_problem back = {};
        const char *type;

        is_str(acme_error_name(ACME_ERR_BAD_NONCE), "badNonce", "badNonce name");
        is_int(acme_error_status(ACME_ERR_UNAUTHORIZED), 403, "unauthorized is 403");
        is_int(acme_error_status(ACME_ERR_ORDER_NOT_READY), 403, "orderNotReady is 403");
        is_int(acme_error_status(ACME_ERR_MALFORMED), 400, "malformed is 400");
        is_int(acme_error_from_string("urn:ietf:params:acme:error:badCSR"), ACME_ERR_BAD_CSR, "URN parsed");
        is_int(acme_error_from_string("rejectedIdentifier"), ACME_ERR_REJECTED_IDENTIFIER, "short name parsed");
        is_int(acme_error_from_string("nope"), ACME_ERR_INVALID, "unknown type refused");

        is_int(acme_problem_set(&p, ACME_ERR_BAD_CSR, "name %s", "x"), -EPROTO, "set returns -EPROTO");
        is_str(p.detail, "name x", "detail formatted");
        o = acme_problem_to_json(&p);
        ok(o, "problem to JSON");
        is_ok(json_get_string(o, "type", &type), "type member");
        is_str(type, "urn:ietf:params:acme:error:badCSR", "type URN");
        is_ok(acme_problem_from_json(o, &back), "problem from JSON");
        is_int(back.type, ACME_ERR_BAD_CSR, "round trip type");
        is_str(back.detail, "name x", "round trip detail");

        (void) acme_problem_set_status(&p, ACME_ERR_MALFORMED, 415, "ct");
        is_int(acme_problem_http_status(&p), 415, "explicit status wins");

        /* deviceid's own types keep their whole URN (the agent withdraws on them). */
        json_object_put(TAKE_PTR(o));
        (void) acme_problem_set(&p, ACME_ERR_DEVICE_DISABLED, "disabled");
        is_int(acme_problem_http_status(&p), 403, "deviceDisabled is 403");
        o = acme_problem_to_json(&p);
        ok(o && json_get_string(o, "type", &type) >= 0, "deviceDisabled to JSON");
        is_str(type, "urn:deviceid:error:deviceDisabled", "deviceDisabled URN as is");
        is_ok(acme_problem_from_json(o, &back), "deviceDisabled from JSON");
        is_int(back.type, ACME_ERR_DEVICE_DISABLED, "deviceDisabled round trip");
        is_int(acme_error_from_string("urn:deviceid:error:deviceRemoved"), ACME_ERR_DEVICE_REMOVED, "deviceRemoved");
        is_int(acme_error_from_string("urn:ietf:params:acme:error:urn:deviceid:error:deviceRemoved"),
               ACME_ERR_INVALID, "not under the ACME prefix");
        is_int(acme_error_from_string("urn:deviceid:error:posture"), ACME_ERR_POSTURE, "posture");
        is_int(acme_error_status(ACME_ERR_POSTURE), 403, "posture is a 403");
}

static void id_ok(acme_id_type t, const char *in, const char *want) {
        _cleanup_free_ char *out = NULL;
        acme_problem p = {};
        char what[128];

        snprintf(what, sizeof(what), "identifier \"%s\" accepted", in);
        is_ok(acme_identifier_canonical(t, in, 0xff, &out, &p), what);
        is_str(out, want, "canonical form");
}

static void id_bad(acme_id_type t, const char *in, unsigned mask, acme_error e) {
        char *out = NULL;
        acme_problem p = {};
        char what[128];

        snprintf(what, sizeof(what), "identifier \"%s\" refused", in);
        is_err(acme_identifier_canonical(t, in, mask, &out, &p), -EPROTO, what);
        is_int(p.type, e, "with the right problem type");
        ok(!out, "no output");
}

static void test_identifiers(void) {
        id_ok(ACME_ID_DNS, "Example.ORG", "example.org");
        id_ok(ACME_ID_DNS, "localhost", "localhost");
        id_ok(ACME_ID_DNS, "*.Example.org", "*.example.org");
        id_ok(ACME_ID_DNS, "a-b.c0.example", "a-b.c0.example");
        id_ok(ACME_ID_IP, "127.0.0.1", "127.0.0.1");
        id_ok(ACME_ID_IP, "2001:DB8:0:0::1", "2001:db8::1");
        id_ok(ACME_ID_PERMANENT, "urn:ek:sha256:AbC/+=", "urn:ek:sha256:AbC/+=");

        id_bad(ACME_ID_DNS, "", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "127.0.0.1", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "under_score.example", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "-a.example", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "a-.example", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "a..example", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "example.", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "a.*.example", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS, "*.", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_DNS,
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 0xff,
               ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_IP, "1.2.3", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_IP, "::g", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_PERMANENT, "has space", 0xff, ACME_ERR_REJECTED_IDENTIFIER);
        id_bad(ACME_ID_IP, "127.0.0.1", ACME_ID_MASK(ACME_ID_DNS), ACME_ERR_UNSUPPORTED_IDENTIFIER);
}

static void test_new_account(void) {
        acme_new_account a = {};
        acme_problem p = {};

        is_ok(acme_parse_new_account(P("{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:a@example.org\"],"
                                       "\"unknown\":1}"),
                                     &a, &p),
              "newAccount parsed, unknown members ignored");
        ok(a.tos_agreed && !a.only_return_existing, "flags");
        is_int(a.contact.n, 1, "one contact");
        ok(a.contact.present, "contact present");
        is_str(a.contact.items[0], "mailto:a@example.org", "contact value");
        acme_new_account_done(&a);

        is_ok(acme_parse_new_account(P("{\"onlyReturnExisting\":true}"), &a, &p), "onlyReturnExisting");
        ok(a.only_return_existing && !a.contact.present, "flag set, no contact");
        acme_new_account_done(&a);

        is_err(acme_parse_new_account(P("{\"onlyReturnExisting\":\"yes\"}"), &a, &p), -EPROTO, "bool type checked");
        is_int(p.type, ACME_ERR_MALFORMED, "malformed");
        is_err(acme_parse_new_account(P("{\"contact\":[\"tel:+1\"]}"), &a, &p), -EPROTO, "tel refused");
        is_int(p.type, ACME_ERR_UNSUPPORTED_CONTACT, "unsupportedContact");
        is_err(acme_parse_new_account(P("{\"contact\":[\"mailto:a@b,c@d\"]}"), &a, &p), -EPROTO,
               "two addresses refused");
        is_int(p.type, ACME_ERR_INVALID_CONTACT, "invalidContact");
        is_err(acme_parse_new_account(P("{\"contact\":\"mailto:a@b\"}"), &a, &p), -EPROTO, "contact must be array");
        is_err(acme_parse_new_account(P("[]"), &a, &p), -EPROTO, "array payload refused");
        is_err(acme_parse_new_account(P(""), &a, &p), -EPROTO, "empty payload refused");
        is_err(acme_parse_new_account(P("{\"externalAccountBinding\":{}}"), &a, &p), -EPROTO, "EAB refused");
        is_err(acme_parse_new_account(P("{} x"), &a, &p), -EPROTO, "trailing data refused");
}

static void test_account_update(void) {
        acme_account_update u = {};
        acme_problem p = {};
        _cleanup_free_ char *json = NULL;

        is_ok(acme_parse_account_update(P("{\"status\":\"deactivated\"}"), &u, &p), "deactivate");
        ok(u.deactivate && !u.contact.present, "deactivate flag");
        acme_account_update_done(&u);
        is_ok(acme_parse_account_update(P("{\"contact\":[]}"), &u, &p), "empty contact list");
        ok(u.contact.present && u.contact.n == 0, "contacts cleared");
        is_ok(acme_contacts_to_json(&u.contact, &json), "contacts to JSON");
        is_str(json, "[]", "empty array");
        acme_account_update_done(&u);
        is_err(acme_parse_account_update(P("{\"status\":\"valid\"}"), &u, &p), -EPROTO, "status valid refused");
}

static void test_new_order(void) {
        acme_new_order o = {};
        acme_problem p = {};
        unsigned mask = ACME_ID_MASK(ACME_ID_DNS) | ACME_ID_MASK(ACME_ID_IP);

        is_ok(acme_parse_new_order(P("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"A.example\"},"
                                     "{\"type\":\"dns\",\"value\":\"a.example\"},"
                                     "{\"type\":\"ip\",\"value\":\"::1\"}]}"),
                                   mask, &o, &p),
              "newOrder parsed");
        is_int(o.n_ids, 2, "duplicates folded");
        is_str(o.ids[0].value, "a.example", "first identifier");
        is_int(o.ids[1].type, ACME_ID_IP, "ip identifier");
        acme_new_order_done(&o);

        is_err(acme_parse_new_order(P("{\"identifiers\":[]}"), mask, &o, &p), -EPROTO, "empty list");
        is_int(p.type, ACME_ERR_MALFORMED, "malformed");
        is_err(acme_parse_new_order(P("{\"identifiers\":[{\"type\":\"email\",\"value\":\"x\"}]}"), mask, &o, &p),
               -EPROTO, "unknown type");
        is_int(p.type, ACME_ERR_UNSUPPORTED_IDENTIFIER, "unsupportedIdentifier");
        is_err(acme_parse_new_order(P("{\"identifiers\":[{\"type\":\"permanent-identifier\",\"value\":\"x\"}]}"),
                                    mask, &o, &p),
               -EPROTO, "type not offered by the provisioner");
        is_int(p.type, ACME_ERR_UNSUPPORTED_IDENTIFIER, "unsupportedIdentifier");
        is_err(acme_parse_new_order(P("{\"identifiers\":[{\"type\":\"dns\"}]}"), mask, &o, &p), -EPROTO,
               "missing value");
        is_err(acme_parse_new_order(P("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a\"}],"
                                      "\"notAfter\":\"2030-01-01T00:00:00Z\"}"),
                                    mask, &o, &p),
               -EPROTO, "notAfter refused");
        is_err(acme_parse_new_order(P("{\"identifiers\":{}}"), mask, &o, &p), -EPROTO, "identifiers not array");
        ok(!o.ids && o.n_ids == 0, "output untouched");
}

static void test_finalize_revoke_keychange(void) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t len = 0;
        acme_problem p = {};
        acme_revoke rv = {};
        acme_key_change kc = {};
        _cleanup_json_ json_object *ch = NULL;

        is_ok(acme_parse_finalize(P("{\"csr\":\"MAMCAQA\"}"), &der, &len, &p), "finalize parsed");
        is_mem(der, len, "\x30\x03\x02\x01\x00", 5, "CSR bytes");
        free(der);
        der = NULL;
        is_err(acme_parse_finalize(P("{\"csr\":\"MAMCAQA=\"}"), &der, &len, &p), -EPROTO, "padded base64url refused");
        is_int(p.type, ACME_ERR_BAD_CSR, "badCSR");
        is_err(acme_parse_finalize(P("{\"csr\":\"\"}"), &der, &len, &p), -EPROTO, "empty CSR refused");
        is_err(acme_parse_finalize(P("{}"), &der, &len, &p), -EPROTO, "missing CSR");
        is_int(p.type, ACME_ERR_MALFORMED, "malformed");

        is_ok(acme_parse_revoke(P("{\"certificate\":\"MAMCAQA\",\"reason\":4}"), &rv, &p), "revoke parsed");
        is_int(rv.reason, 4, "reason");
        is_int(rv.cert_len, 5, "certificate bytes");
        acme_revoke_done(&rv);
        is_ok(acme_parse_revoke(P("{\"certificate\":\"MAMCAQA\"}"), &rv, &p), "reason optional");
        is_int(rv.reason, 0, "reason defaults to 0");
        acme_revoke_done(&rv);
        is_err(acme_parse_revoke(P("{\"certificate\":\"MAMCAQA\",\"reason\":7}"), &rv, &p), -EPROTO, "reason 7");
        is_int(p.type, ACME_ERR_BAD_REVOCATION_REASON, "badRevocationReason");
        is_err(acme_parse_revoke(P("{\"certificate\":\"MAMCAQA\",\"reason\":-1}"), &rv, &p), -EPROTO, "reason -1");

        is_ok(acme_parse_key_change_inner(P("{\"account\":\"https://x/acme/acme/account/1\","
                                            "\"oldKey\":{\"kty\":\"EC\"}}"),
                                          &kc, &p),
              "keyChange inner parsed");
        is_str(kc.account, "https://x/acme/acme/account/1", "account");
        ok(kc.old_key && json_object_is_type(kc.old_key, json_type_object), "oldKey object");
        acme_key_change_done(&kc);
        is_err(acme_parse_key_change_inner(P("{\"account\":\"u\"}"), &kc, &p), -EPROTO, "oldKey required");

        is_ok(acme_parse_challenge_payload(P("{}"), &ch, &p), "challenge {}");
        is_err(acme_parse_challenge_payload(P("\"\""), &ch, &p), -EPROTO, "challenge payload must be object");
}

/* Builds a DER CSR with the given DNS names (and CN) for the CSR policy tests. */
static X509_REQ *csr_for(EVP_PKEY *key, const char *cn, const char *const *dns, size_t n) {
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        x509_san sans[4];
        X509_REQ *req = NULL;
        size_t len;

        for (size_t i = 0; i < n; i++)
                sans[i] = (x509_san) { .type = X509_SAN_DNS, .value = (char *) dns[i] };
        if (signer_new_evp(key, &s) < 0 || x509_csr_build(s, cn, sans, n, &der, &len) < 0 ||
            x509_csr_parse_der(der, len, 65536, &req) < 0)
                return NULL;
        return req;
}

static void test_csr_policy(void) {
        _cleanup_pkey_ EVP_PKEY *key = NULL, *acct = NULL;
        acme_identifier ids[2] = { { ACME_ID_DNS, (char *) "a.example" }, { ACME_ID_DNS, (char *) "b.example" } };
        static const char *const both[] = { "a.example", "b.example" };
        static const char *const one[] = { "a.example" };
        static const char *const extra[] = { "a.example", "b.example", "c.example" };
        acme_problem p = {};
        char *cn = NULL;
        X509_REQ *req;

        is_ok(crypto_key_generate(CRYPTO_KEY_EC_P256, &key), "CSR key");
        is_ok(crypto_key_generate(CRYPTO_KEY_EC_P256, &acct), "account key");

        req = csr_for(key, "a.example", both, 2);
        ok(req, "CSR built");
        is_ok(acme_csr_check(req, ids, 2, acct, &cn, &p), "exact names accepted");
        is_str(cn, "a.example", "CN kept");
        free(cn);
        cn = NULL;
        is_err(acme_csr_check(req, ids, 2, key, &cn, &p), -EPROTO, "account key as CSR key refused");
        is_int(p.type, ACME_ERR_BAD_CSR, "badCSR");
        X509_REQ_free(req);

        req = csr_for(key, NULL, both, 2);
        is_ok(acme_csr_check(req, ids, 2, acct, &cn, &p), "no CN is fine");
        is_str(cn, "a.example", "CN defaults to the first name");
        free(cn);
        cn = NULL;
        X509_REQ_free(req);

        req = csr_for(key, NULL, one, 1);
        is_err(acme_csr_check(req, ids, 2, acct, &cn, &p), -EPROTO, "missing name refused");
        is_int(p.type, ACME_ERR_BAD_CSR, "badCSR");
        X509_REQ_free(req);

        req = csr_for(key, NULL, extra, 3);
        is_err(acme_csr_check(req, ids, 2, acct, &cn, &p), -EPROTO, "extra name refused");
        X509_REQ_free(req);

        req = csr_for(key, "c.example", both, 2);
        is_err(acme_csr_check(req, ids, 2, acct, &cn, &p), -EPROTO, "foreign CN refused");
        X509_REQ_free(req);
        ok(!cn, "no CN output on failure");
}

int main(void) {
        test_problem();
        test_identifiers();
        test_new_account();
        test_account_update();
        test_new_order();
        test_finalize_revoke_keychange();
        test_csr_policy();
        return tap_done();
}
