/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture decision (posture-check.h). The trust checks come first and
 * stop at the first failure (no report, AK, quote): without them the
 * values mean nothing. The policy checks after them are all run, so that
 * a refusal names every one that failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ca/core/certificates.h"
#include "ca/inventory/posture-store.h"
#include "ca/posture/posture-check.h"
#include "log.h"
#include "posture.h"
#include "tpm2util.h"
#include "x509.h"

#define REVOKE_REASON 9 /* RFC 5280 privilegeWithdrawn */

_printf_(4, 5) static void add_check(posture_verdict *v, const char *name, bool passed, const char *fmt, ...) {
        posture_check *c;
        va_list ap;

        if (v->n >= POSTURE_MAX_CHECKS)
                return;
        c = &v->checks[v->n++];
        *c = (posture_check) { .name = name, .passed = passed };
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
        va_end(ap);
        if (!passed)
                v->passed = false;
}

/* The AK certificate: issued by this CA's Attestation CA for this EK. */
static int check_ak(const posture_report *p, const ca_anchors *trust, const char *ek_uri, time_t now,
                    posture_verdict *v, X509 **ret) {
        _cleanup_(X509_freep) X509 *ak = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        int r;

        if (x509_cert_from_der(p->ak, p->ak_len, &ak) < 0) {
                add_check(v, "ak", false, "the AK certificate does not parse");
                return 0;
        }
        r = x509_chain_verify(ak, trust->intermediates, trust->anchors, now, false);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                add_check(v, "ak", false, "the AK certificate is not one of this CA's Attestation CA");
                return 0;
        }
        r = x509_cert_get_sans(ak, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !(x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, ek_uri) ||
                       x509_san_list_contains(sans, X509_SAN_URI, ek_uri))) {
                add_check(v, "ak", false, "the AK certificate is for another TPM");
                return 0;
        }
        add_check(v, "ak", true, "certified for %s", ek_uri);
        *ret = TAKE_PTR(ak);
        return 0;
}

static void mask_text(uint32_t mask, char *buf, size_t size) {
        tpm2_pcr_mask_format(mask, buf, size);
}

static int check_pcrs(store *st, const posture_policy *pol, const posture_report *p, const char *pcrs_json,
                      int64_t device_id, time_t now, posture_verdict *v) {
        size_t dlen = tpm2_hash_alg_size(p->pcrs.alg);
        uint32_t differ = 0;
        char list[64];
        int r;

        switch (pol->pcrs) {
        case POSTURE_PCRS_NONE:
                return 0;
        case POSTURE_PCRS_ENROLLED: {
                _cleanup_free_ char *base_text = NULL;
                _cleanup_json_ json_object *base_obj = NULL;
                tpm2_pcr_values base;

                r = posture_store_baseline(st, device_id, &base_text, NULL);
                if (r == -ENOENT) {
                        r = posture_store_baseline_init(st, device_id, pcrs_json, now);
                        if (r < 0)
                                return r;
                        add_check(v, "pcrs", true, "baseline recorded");
                        return 0;
                }
                if (r < 0)
                        return r;
                if (json_parse(base_text, strlen(base_text), 64 * 1024, &base_obj) < 0 ||
                    posture_pcrs_from_json(base_obj, &base, NULL) < 0 || base.alg != p->pcrs.alg) {
                        add_check(v, "pcrs", false, "the baseline is unreadable; accept a new one");
                        return 0;
                }
                for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++)
                        if ((p->pcrs.mask & (UINT32_C(1) << i)) &&
                            (!(base.mask & (UINT32_C(1) << i)) || CRYPTO_memcmp(base.v[i], p->pcrs.v[i], dlen) != 0))
                                differ |= UINT32_C(1) << i;
                mask_text(differ, list, sizeof(list));
                if (differ)
                        add_check(v, "pcrs", false, "PCR %s differ%s from the baseline", list,
                                  __builtin_popcount(differ) == 1 ? "s" : "");
                else
                        add_check(v, "pcrs", true, "equal to the baseline");
                return 0;
        }
        case POSTURE_PCRS_FILE:
                for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++) {
                        bool ok = false;

                        if (!(p->pcrs.mask & (UINT32_C(1) << i)))
                                continue;
                        for (unsigned k = 0; k < pol->allowed->n[i] && !ok; k++)
                                ok = CRYPTO_memcmp(pol->allowed->v[i][k], p->pcrs.v[i], dlen) == 0;
                        if (!ok)
                                differ |= UINT32_C(1) << i;
                }
                mask_text(differ, list, sizeof(list));
                if (differ)
                        add_check(v, "pcrs", false, "PCR %s not among the allowed values", list);
                else
                        add_check(v, "pcrs", true, "among the allowed values");
                return 0;
        }
        return -EINVAL;
}

static void check_facts(const posture_policy *pol, const posture_facts *f, posture_verdict *v) {
        if (pol->secure_boot)
                add_check(v, "secureBoot", f->secure_boot == POSTURE_ENABLED, "Secure Boot %s",
                          posture_state_to_string(f->secure_boot));
        if (pol->disk_encryption)
                add_check(v, "diskEncryption", f->disk_encryption == POSTURE_ENABLED, "root on dm-crypt: %s",
                          posture_state_to_string(f->disk_encryption));
        if (pol->min_kernel) {
                if (!f->kernel)
                        add_check(v, "kernel", false, "no kernel release reported (minimum %s)", pol->min_kernel);
                else
                        add_check(v, "kernel", posture_kernel_compare(f->kernel, pol->min_kernel) >= 0,
                                  "kernel %s (minimum %s)", f->kernel, pol->min_kernel);
        }
}

/* The report's checks: 0 (the verdict says how it went) or -errno. *ret_pcrs
 * and *ret_facts get the JSON to record when the report parsed. */
static int evaluate(store *st, const ca_anchors *trust, const posture_policy *pol, const posture_token *tok,
                    int64_t device_id, const char *ek_uri, time_t now, posture_verdict *v, posture_report *p,
                    char **ret_pcrs, char **ret_facts) {
        _cleanup_json_ json_object *pj = NULL, *fj = NULL;
        _cleanup_(X509_freep) X509 *ak = NULL;
        const char *why = NULL;
        char want[64];
        uint8_t q[32];
        int r;

        if (!tok->claim) {
                add_check(v, "report", false, tok->qualifying ? "the answer carries no posture report" : "the token carries no posture report");
                return 0;
        }
        r = posture_report_from_json(tok->claim, p, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                add_check(v, "report", false, "%s", why ?: "malformed");
                return 0;
        }
        r = posture_eventlog_attach(p, tok->beside, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                add_check(v, "eventlog", false, "%s", why ?: "the event log is not the report's");
                return 0;
        }
        r = posture_pcrs_to_json(&p->pcrs, &pj);
        if (r >= 0)
                r = posture_facts_to_json(&p->facts, &fj);
        if (r >= 0)
                r = json_to_string_dup(pj, ret_pcrs);
        if (r >= 0)
                r = json_to_string_dup(fj, ret_facts);
        if (r < 0)
                return r;

        r = check_ak(p, trust, ek_uri, now, v, &ak);
        if (r < 0 || !ak)
                return r;
        if (tok->qualifying)
                memcpy(q, tok->qualifying, sizeof(q));
        else {
                r = posture_qualifying(tok->jti, tok->iat, tok->exp, q);
                if (r < 0)
                        return r;
        }
        mask_text(pol->mask, want, sizeof(want));
        if (p->pcrs.alg != pol->bank || p->pcrs.mask != pol->mask) {
                add_check(v, "quote", false, "the report is not over PCRs sha256:%s", want);
                return 0;
        }
        r = tpm2_quote_check(X509_get0_pubkey(ak), p->quote, p->quote_len, p->sig, p->sig_len, q, sizeof(q), &p->pcrs,
                             NULL, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                add_check(v, "quote", false, "%s", why ?: "refused");
                return 0;
        }
        add_check(v, "quote", true, "signed by the AK over sha256:%s", want);
        if (p->eventlog) {
                tpm2_pcr_values replayed;
                uint32_t differ = 0;
                char list[64];

                r = tpm2_eventlog_replay(p->eventlog, p->eventlog_len, p->pcrs.alg, &replayed, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        add_check(v, "eventlog", false, "%s", why ?: "the event log does not replay");
                        return 0;
                }
                for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++)
                        if ((p->pcrs.mask & (UINT32_C(1) << i)) &&
                            CRYPTO_memcmp(replayed.v[i], p->pcrs.v[i], tpm2_hash_alg_size(p->pcrs.alg)) != 0)
                                differ |= UINT32_C(1) << i;
                mask_text(differ, list, sizeof(list));
                if (differ) {
                        add_check(v, "eventlog", false, "PCR %s differ%s from the event log's replay", list,
                                  __builtin_popcount(differ) == 1 ? "s" : "");
                        return 0;
                }
                add_check(v, "eventlog", true, "replays to the quoted values");
        }

        r = check_pcrs(st, pol, p, *ret_pcrs, device_id, now, v);
        if (r < 0)
                return r;
        check_facts(pol, &p->facts, v);
        return 0;
}

/* The device's unrevoked account certificates, for on_failure = revoke. */
static int revoke_accounts(store *st, int64_t device_id) {
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;
        char **accounts = NULL;
        size_t n = 0;
        int r, total = 0;

        r = store_prepare(st,
                          "SELECT DISTINCT account FROM certificates WHERE device_id = ? AND ca = ? AND revoked = 0"
                          " AND account IS NOT NULL",
                          &q);
        if (r >= 0)
                r = store_bind(q, "it", device_id, ca_kind_to_string(CA_ACCOUNT));
        while (r >= 0 && (r = store_step(q)) > 0) {
                char **a = realloc(accounts, (n + 1) * sizeof(*a));

                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                accounts = a;
                accounts[n] = strdup(store_column_text(q, 0) ?: "");
                if (!accounts[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        store_stmt_free(TAKE_PTR(q));
        if (r >= 0 && n > 0) {
                r = store_begin(st);
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        r = certificates_revoke_account(st, accounts[i], device_id, REVOKE_REASON);
                        if (r > 0)
                                total += r;
                }
                if (r >= 0)
                        r = store_commit(st);
                else
                        (void) store_rollback(st);
        }
        for (size_t i = 0; i < n; i++)
                free(accounts[i]);
        free(accounts);
        return r < 0 ? r : total;
}

int posture_verdict_to_json(const posture_verdict *v, json_object **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < v->n; i++) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                if (json_add_string(o, "check", v->checks[i].name) < 0 ||
                    json_add_bool(o, "passed", v->checks[i].passed) < 0 ||
                    json_add_string(o, "detail", v->checks[i].detail) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int posture_evaluate(store *st, const ca_anchors *ak_trust, const posture_policy *pol, const posture_token *tok,
                     const char *account, int64_t device_id, const char *ek_uri, time_t now, posture_verdict *ret) {
        _cleanup_(posture_report_done) posture_report p = {};
        _cleanup_free_ char *pcrs = NULL, *facts = NULL, *checks = NULL;
        _cleanup_json_ json_object *cj = NULL;
        posture_verdict v = { .passed = true };
        int r;

        if (!st || !ak_trust || !pol || !tok || !account || !ek_uri || !ret)
                return -EINVAL;
        r = evaluate(st, ak_trust, pol, tok, device_id, ek_uri, now, &v, &p, &pcrs, &facts);
        if (r < 0)
                return r;
        r = posture_verdict_to_json(&v, &cj);
        if (r >= 0)
                r = json_to_string_dup(cj, &checks);
        if (r >= 0)
                r = posture_store_report_add(st, device_id, now, account, v.passed, checks, facts, pcrs, p.eventlog,
                                             p.eventlog_len);
        if (r < 0)
                return r;
        if (!v.passed && pol->revoke) {
                r = revoke_accounts(st, device_id);
                if (r < 0)
                        return r;
                v.revoked = r;
        }
        *ret = v;
        return 0;
}

int posture_refuse(const posture_verdict *v, const char *account, ca_refusal *ref) {
        char msg[sizeof(ref->message)];
        size_t off;
        int n;

        n = snprintf(msg, sizeof(msg), "posture check failed for \"%s\":", account);
        off = n < 0 ? 0 : (size_t) n < sizeof(msg) ? (size_t) n : sizeof(msg) - 1;
        for (size_t i = 0; i < v->n; i++) {
                if (v->checks[i].passed)
                        continue;
                n = snprintf(msg + off, sizeof(msg) - off, " %s (%s);", v->checks[i].name, v->checks[i].detail);
                if (n < 0 || (size_t) n >= sizeof(msg) - off)
                        break;
                off += (size_t) n;
        }
        if (off > 0 && msg[off - 1] == ';')
                msg[off - 1] = '\0';
        if (v->revoked > 0)
                (void) snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "; %d certificate(s) revoked", v->revoked);
        (void) ca_refuse(ref, 403, "%s", msg);
        ref->type = CA_PROBLEM_POSTURE;
        return -EPERM;
}
