/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "deviceid/posture" claim (posture.h): building it on the agent,
 * parsing it with limits at the CA, and the qualifying data of its quote.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "posture.h"
#include "tpm2util.h"

static const char *const state_names[] = {
        [POSTURE_ABSENT] = "absent",
        [POSTURE_ENABLED] = "enabled",
        [POSTURE_DISABLED] = "disabled",
};

const char *posture_state_to_string(posture_state s) {
        return (unsigned) s < ELEMENTSOF(state_names) ? state_names[s] : NULL;
}

int posture_state_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(state_names); i++)
                if (streq(state_names[i], s))
                        return (int) i;
        return -EINVAL;
}

void posture_facts_done(posture_facts *f) {
        free(f->os_id);
        free(f->os_version);
        free(f->kernel);
        free(f->agent);
        *f = (posture_facts) {};
}

void posture_report_done(posture_report *r) {
        free(r->ak);
        free(r->quote);
        free(r->sig);
        free(r->eventlog);
        posture_facts_done(&r->facts);
        *r = (posture_report) {};
}

int posture_qualifying(const char *jti, int64_t iat, int64_t exp, uint8_t ret[static 32]) {
        _cleanup_free_ char *s = NULL;
        int n;

        if (!jti)
                return -EINVAL;
        n = asprintf(&s, "deviceid-posture-v1%c%s%c%" PRId64 "%c%" PRId64, 0, jti, 0, iat, 0, exp);
        if (n < 0)
                return -ENOMEM;
        return crypto_sha256(s, (size_t) n, ret);
}

int posture_qualifying_acme(const char *token, const char *key_authorization, uint8_t ret[static 32]) {
        _cleanup_free_ char *s = NULL;
        int n;

        if (!token || !key_authorization)
                return -EINVAL;
        n = asprintf(&s, "deviceid-posture-acme-v1%c%s%c%s", 0, token, 0, key_authorization);
        if (n < 0)
                return -ENOMEM;
        return crypto_sha256(s, (size_t) n, ret);
}

/* ---- building ------------------------------------------------------------ */

int posture_facts_to_json(const posture_facts *f, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        const struct {
                const char *key, *value;
        } strs[] = {
                { "os", f->os_id },
                { "osVersion", f->os_version },
                { "kernel", f->kernel },
                { "agent", f->agent },
        };
        int r = 0;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(strs); i++)
                if (strs[i].value)
                        r = json_add_string(o, strs[i].key, strs[i].value);
        if (r >= 0)
                r = json_add_string(o, "secureBoot", posture_state_to_string(f->secure_boot) ?: "absent");
        if (r >= 0)
                r = json_add_string(o, "diskEncryption", posture_state_to_string(f->disk_encryption) ?: "absent");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int posture_pcrs_to_json(const tpm2_pcr_values *p, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *bank = json_object_new_object();
        const char *name = tpm2_bank_to_string(p->alg);
        size_t len = tpm2_hash_alg_size(p->alg);
        int r;

        if (!o || !bank) {
                json_object_put(bank);
                return -ENOMEM;
        }
        if (!name || len == 0) {
                json_object_put(bank);
                return -EOPNOTSUPP;
        }
        r = json_add_object(o, name, bank);
        for (unsigned i = 0; r >= 0 && i < TPM2_QUOTE_MAX_PCRS; i++) {
                char key[4], hex[2 * TPM2_SHA512_DIGEST_SIZE + 1];

                if (!(p->mask & (UINT32_C(1) << i)))
                        continue;
                for (size_t j = 0; j < len; j++)
                        (void) snprintf(hex + 2 * j, 3, "%02x", p->v[i][j]);
                (void) snprintf(key, sizeof(key), "%u", i);
                r = json_add_string(bank, key, hex);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int posture_report_to_json(const posture_report *r, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *pcrs = NULL, *facts = NULL;
        int k;

        if (!r || !ret)
                return -EINVAL;
        if (!o)
                return -ENOMEM;
        k = json_add_int64(o, "version", POSTURE_VERSION);
        if (k >= 0)
                k = json_add_b64(o, "ak", B64_STD, r->ak, r->ak_len);
        if (k >= 0)
                k = json_add_b64(o, "quote", B64_STD, r->quote, r->quote_len);
        if (k >= 0)
                k = json_add_b64(o, "sig", B64_STD, r->sig, r->sig_len);
        if (k >= 0 && r->eventlog_sent_beside) {
                char hex[65];

                for (size_t i = 0; i < sizeof(r->eventlog_sha256); i++)
                        (void) snprintf(hex + 2 * i, 3, "%02x", r->eventlog_sha256[i]);
                k = json_add_string(o, "eventlogSha256", hex);
        } else if (k >= 0 && r->eventlog)
                k = json_add_b64(o, "eventlog", B64_STD, r->eventlog, r->eventlog_len);
        if (k >= 0)
                k = posture_pcrs_to_json(&r->pcrs, &pcrs);
        if (k >= 0)
                k = json_add_object(o, "pcrs", pcrs);
        if (k >= 0)
                k = posture_facts_to_json(&r->facts, &facts);
        if (k >= 0)
                k = json_add_object(o, "facts", facts);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(o);
        return 0;
}

/* ---- parsing ------------------------------------------------------------- */

static int bad(const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return -EBADMSG;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int posture_pcrs_from_json(json_object *o, tpm2_pcr_values *ret, const char **ret_why) {
        tpm2_pcr_values p = {};
        json_object *bank = NULL;
        size_t len, n = 0;

        if (!o || !json_object_is_type(o, json_type_object) || json_object_object_length(o) != 1)
                return bad(ret_why, "\"pcrs\" is not an object of one bank");
        json_object_object_foreach(o, name, v) {
                p.alg = tpm2_bank_from_string(name);
                bank = v;
        }
        len = tpm2_hash_alg_size(p.alg);
        if (p.alg == 0 || len == 0)
                return bad(ret_why, "\"pcrs\" names an unknown bank");
        if (!json_object_is_type(bank, json_type_object))
                return bad(ret_why, "\"pcrs\" bank is not an object");
        json_object_object_foreach(bank, key, val) {
                const char *s;
                uint32_t m;

                if (++n > TPM2_QUOTE_MAX_PCRS)
                        return bad(ret_why, "\"pcrs\" has too many values");
                if (strlen(key) > 2 || tpm2_pcr_mask_parse(key, &m) < 0 || __builtin_popcount(m) != 1 ||
                    (key[0] == '0' && key[1] != '\0'))
                        return bad(ret_why, "\"pcrs\" has a key that is not a PCR number 0-23");
                if (!json_object_is_type(val, json_type_string) || (size_t) json_object_get_string_len(val) != 2 * len)
                        return bad(ret_why, "a PCR value is not hex of the bank's digest size");
                s = json_object_get_string(val);
                for (size_t i = 0; i < len; i++) {
                        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

                        if (hi < 0 || lo < 0)
                                return bad(ret_why, "a PCR value is not hex of the bank's digest size");
                        p.v[__builtin_ctz(m)][i] = (uint8_t) (hi << 4 | lo);
                }
                p.mask |= m;
        }
        if (p.mask == 0)
                return bad(ret_why, "\"pcrs\" selects no PCR");
        *ret = p;
        return 0;
}

static int fact_string(json_object *o, const char *key, char **ret, const char **ret_why) {
        const char *s = NULL;
        int r = json_get_string_opt(o, key, &s);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bad(ret_why, "a fact is not a string");
        if (!s)
                return 0;
        if (strlen(s) == 0 || strlen(s) > POSTURE_FACT_MAX)
                return bad(ret_why, "a fact is empty or too long");
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f)
                        return bad(ret_why, "a fact holds a character other than printable ASCII");
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int fact_state(json_object *o, const char *key, posture_state *ret, const char **ret_why) {
        const char *s = NULL;
        int r = json_get_string_opt(o, key, &s);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bad(ret_why, "a fact is not a string");
        if (!s) {
                *ret = POSTURE_ABSENT;
                return 0;
        }
        r = posture_state_from_string(s);
        if (r < 0)
                return bad(ret_why, "a state fact is not \"enabled\", \"disabled\" or \"absent\"");
        *ret = (posture_state) r;
        return 0;
}

int posture_facts_from_json(json_object *o, posture_facts *ret, const char **ret_why) {
        _cleanup_(posture_facts_done) posture_facts f = {};
        int r;

        if (!o || !json_object_is_type(o, json_type_object))
                return bad(ret_why, "\"facts\" is not an object");
        r = fact_string(o, "os", &f.os_id, ret_why);
        if (r >= 0)
                r = fact_string(o, "osVersion", &f.os_version, ret_why);
        if (r >= 0)
                r = fact_string(o, "kernel", &f.kernel, ret_why);
        if (r >= 0)
                r = fact_string(o, "agent", &f.agent, ret_why);
        if (r >= 0)
                r = fact_state(o, "secureBoot", &f.secure_boot, ret_why);
        if (r >= 0)
                r = fact_state(o, "diskEncryption", &f.disk_encryption, ret_why);
        if (r < 0)
                return r;
        *ret = f;
        f = (posture_facts) {};
        return 0;
}

int posture_report_from_json(json_object *o, posture_report *ret, const char **ret_why) {
        _cleanup_(posture_report_done) posture_report p = {};
        json_object *m = NULL;
        int64_t version;
        int r;

        if (!o || !ret)
                return -EINVAL;
        if (!json_object_is_type(o, json_type_object))
                return bad(ret_why, "the posture claim is not an object");
        if (json_get_int64(o, "version", &version) < 0 || version != POSTURE_VERSION)
                return bad(ret_why, "the posture claim's \"version\" is not 1");
        r = json_get_b64(o, "ak", B64_STD, POSTURE_AK_MAX, &p.ak, &p.ak_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bad(ret_why, "the posture claim's \"ak\" is missing, not base64 or too long");
        r = json_get_b64(o, "quote", B64_STD, POSTURE_QUOTE_MAX, &p.quote, &p.quote_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bad(ret_why, "the posture claim's \"quote\" is missing, not base64 or too long");
        r = json_get_b64(o, "sig", B64_STD, POSTURE_SIG_MAX, &p.sig, &p.sig_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bad(ret_why, "the posture claim's \"sig\" is missing, not base64 or too long");
        if (json_object_object_get_ex(o, "eventlog", NULL)) {
                r = json_get_b64(o, "eventlog", B64_STD, POSTURE_EVENTLOG_INLINE_MAX, &p.eventlog, &p.eventlog_len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || p.eventlog_len == 0)
                        return bad(ret_why, "the posture claim's \"eventlog\" is not base64 or too long");
        }
        if (json_object_object_get_ex(o, "eventlogSha256", NULL)) {
                const char *h = NULL;

                if (p.eventlog)
                        return bad(ret_why, "the posture claim has both \"eventlog\" and \"eventlogSha256\"");
                if (json_get_string(o, "eventlogSha256", &h) < 0 || strlen(h) != 64)
                        return bad(ret_why, "the posture claim's \"eventlogSha256\" is not 64 hex digits");
                for (size_t i = 0; i < 32; i++) {
                        int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

                        if (hi < 0 || lo < 0)
                                return bad(ret_why, "the posture claim's \"eventlogSha256\" is not 64 hex digits");
                        p.eventlog_sha256[i] = (uint8_t) (hi << 4 | lo);
                }
                p.eventlog_sent_beside = true;
        }
        if (json_get_object(o, "pcrs", &m) < 0)
                return bad(ret_why, "the posture claim has no \"pcrs\" object");
        r = posture_pcrs_from_json(m, &p.pcrs, ret_why);
        if (r < 0)
                return r;
        if (json_get_object(o, "facts", &m) < 0)
                return bad(ret_why, "the posture claim has no \"facts\" object");
        r = posture_facts_from_json(m, &p.facts, ret_why);
        if (r < 0)
                return r;
        *ret = p;
        p = (posture_report) {};
        return 0;
}

int posture_eventlog_attach(posture_report *r, json_object *container, const char **ret_why) {
        _cleanup_free_ uint8_t *log = NULL;
        uint8_t d[32];
        size_t len;
        int k;

        if (!r)
                return -EINVAL;
        if (!r->eventlog_sent_beside)
                return 0;
        if (!container || !json_object_object_get_ex(container, POSTURE_EVENTLOG_MEMBER, NULL)) {
                if (ret_why)
                        *ret_why = "the report names an event log the request does not carry";
                return -ENOENT;
        }
        k = json_get_b64(container, POSTURE_EVENTLOG_MEMBER, B64_STD, POSTURE_EVENTLOG_MAX, &log, &len);
        if (k == -ENOMEM)
                return k;
        if (k < 0 || len == 0)
                return bad(ret_why, "the request's event log is not base64 or larger than 256 KiB");
        k = crypto_sha256(log, len, d);
        if (k < 0)
                return k;
        if (CRYPTO_memcmp(d, r->eventlog_sha256, sizeof(d)) != 0)
                return bad(ret_why, "the request's event log is not the one the report's \"eventlogSha256\" names");
        free(r->eventlog);
        r->eventlog = TAKE_PTR(log);
        r->eventlog_len = len;
        return 0;
}
