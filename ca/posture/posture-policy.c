/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [posture "NAME"] sections of ca.conf (posture-policy.h).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/posture/posture-policy.h"
#include "log.h"
#include "tpm2util.h"

static int fail(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

void posture_policies_free(posture_policies *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++) {
                free(p->v[i].name);
                free(p->v[i].allowed);
                free(p->v[i].min_kernel);
        }
        free(p->v);
        free(p);
}

const posture_policy *posture_policy_find(const posture_policies *p, const char *name) {
        for (size_t i = 0; p && name && i < p->n; i++)
                if (streq(p->v[i].name, name))
                        return &p->v[i];
        return NULL;
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

static const char *skip_blanks(const char *s, const char *end) {
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        return s;
}

int posture_pcr_file_parse(const char *text, size_t len, TPM2_ALG_ID bank, uint32_t mask, posture_pcr_allowed *ret,
                           const char **ret_why) {
        size_t dlen = tpm2_hash_alg_size(bank);
        const char *p = text, *end = text + len;
        uint32_t seen = 0;

#define BAD(why)                        \
        do {                            \
                if (ret_why)            \
                        *ret_why = why; \
                return -EINVAL;         \
        } while (0)

        if (!text || !ret || dlen == 0)
                return -EINVAL;
        if (len > POSTURE_PCR_FILE_MAX)
                BAD("the file is too large");
        *ret = (posture_pcr_allowed) {};
        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)) ?: end;
                const char *s = skip_blanks(p, eol);
                unsigned pcr = 0, digits = 0;

                p = eol < end ? eol + 1 : end;
                if (s == eol || *s == '#')
                        continue;
                while (s < eol && *s >= '0' && *s <= '9' && digits < 3) {
                        pcr = pcr * 10 + (unsigned) (*s++ - '0');
                        digits++;
                }
                if (digits == 0 || pcr >= TPM2_QUOTE_MAX_PCRS)
                        BAD("a line does not start with a PCR number 0-23");
                if (!(mask & (UINT32_C(1) << pcr)))
                        BAD("a PCR outside pcr_selection is listed");
                s = skip_blanks(s, eol);
                if (s == eol || *s++ != '=')
                        BAD("a line lacks '='");
                for (;;) {
                        s = skip_blanks(s, eol);
                        if ((size_t) (eol - s) < 2 * dlen)
                                BAD("a value is not hex of the bank's digest size");
                        if (ret->n[pcr] >= POSTURE_PCR_FILE_VALUES)
                                BAD("too many values for one PCR");
                        for (size_t i = 0; i < dlen; i++) {
                                int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

                                if (hi < 0 || lo < 0)
                                        BAD("a value is not hex of the bank's digest size");
                                ret->v[pcr][ret->n[pcr]][i] = (uint8_t) (hi << 4 | lo);
                        }
                        ret->n[pcr]++;
                        s = skip_blanks(s + 2 * dlen, eol);
                        if (s == eol || *s == '\r')
                                break;
                        if (*s++ != ',')
                                BAD("values are not separated by ','");
                }
                seen |= UINT32_C(1) << pcr;
        }
        if (seen != mask)
                BAD("a PCR of pcr_selection is not listed");
#undef BAD
        return 0;
}

int posture_kernel_compare(const char *a, const char *b) {
        while (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
                unsigned long x = strtoul(a, (char **) &a, 10), y = strtoul(b, (char **) &b, 10);

                if (x != y)
                        return x < y ? -1 : 1;
                if (*a == '.')
                        a++;
                if (*b == '.')
                        b++;
        }
        /* The one with more numeric components is the later one. */
        return (*a >= '0' && *a <= '9') - (*b >= '0' && *b <= '9');
}

static int parse_bool_required(const char *v, bool *ret) {
        if (streq(v, "required") || streq(v, "yes") || streq(v, "true"))
                *ret = true;
        else if (streq(v, "any") || streq(v, "no") || streq(v, "false"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static int load_one(int dirfd, const ca_posture_section *s, posture_policy *p, char **ret_error) {
        const char *file = NULL;
        int r;

        *p = (posture_policy) { .bank = TPM2_ALG_SHA256, .mask = 0xff };
        p->name = strdup(s->name);
        if (!p->name)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_kv; i++) {
                const char *k = s->kv[i].key, *v = s->kv[i].value;

                if (streq(k, "pcrs")) {
                        if (streq(v, "enrolled"))
                                p->pcrs = POSTURE_PCRS_ENROLLED;
                        else if (streq(v, "file"))
                                p->pcrs = POSTURE_PCRS_FILE;
                        else if (streq(v, "none"))
                                p->pcrs = POSTURE_PCRS_NONE;
                        else
                                return fail(ret_error, -EINVAL, "[posture \"%s\"] pcrs: \"%s\" is not enrolled, file or none",
                                            s->name, v);
                } else if (streq(k, "pcr_selection")) {
                        int k2 = tpm2_pcr_sha256_selection_parse(v, &p->mask);

                        if (k2 == -EOPNOTSUPP)
                                return fail(ret_error, -EINVAL, "[posture \"%s\"] pcr_selection: only the sha256 bank is supported",
                                            s->name);
                        if (k2 < 0)
                                return fail(ret_error, -EINVAL,
                                            "[posture \"%s\"] pcr_selection: \"%s\" is not [sha256:]N[-M][,...] with PCRs 0-23",
                                            s->name, v);
                } else if (streq(k, "pcr_file"))
                        file = v;
                else if (streq(k, "secure_boot") || streq(k, "disk_encryption")) {
                        if (parse_bool_required(v, streq(k, "secure_boot") ? &p->secure_boot : &p->disk_encryption) < 0)
                                return fail(ret_error, -EINVAL, "[posture \"%s\"] %s: \"%s\" is not required or any",
                                            s->name, k, v);
                } else if (streq(k, "min_kernel")) {
                        if (!(v[0] >= '0' && v[0] <= '9') || strlen(v) > 64)
                                return fail(ret_error, -EINVAL, "[posture \"%s\"] min_kernel: \"%s\" is not a version",
                                            s->name, v);
                        p->min_kernel = strdup(v);
                        if (!p->min_kernel)
                                return -ENOMEM;
                } else if (streq(k, "on_failure")) {
                        if (streq(v, "refuse"))
                                p->revoke = false;
                        else if (streq(v, "revoke"))
                                p->revoke = true;
                        else
                                return fail(ret_error, -EINVAL, "[posture \"%s\"] on_failure: \"%s\" is not refuse or revoke",
                                            s->name, v);
                }
        }
        if ((p->pcrs == POSTURE_PCRS_FILE) != !!file)
                return fail(ret_error, -EINVAL, "[posture \"%s\"] pcr_file goes with pcrs = file, and only with it", s->name);
        if (file) {
                _cleanup_free_ char *text = NULL;
                const char *why = NULL;
                size_t len;

                r = read_file_at(dirfd, file, POSTURE_PCR_FILE_MAX, &text, &len);
                if (r < 0)
                        return fail(ret_error, r, "[posture \"%s\"] pcr_file \"%s\": %s", s->name, file, strerror(-r));
                p->allowed = malloc(sizeof(*p->allowed));
                if (!p->allowed)
                        return -ENOMEM;
                r = posture_pcr_file_parse(text, len, p->bank, p->mask, p->allowed, &why);
                if (r < 0)
                        return fail(ret_error, r, "[posture \"%s\"] pcr_file \"%s\": %s", s->name, file, why ?: "invalid");
        }
        return 0;
}

int posture_policies_load(int dirfd, const ca_config *cfg, posture_policies **ret, char **ret_error) {
        posture_policies *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        if (cfg->n_postures > 0) {
                p->v = calloc(cfg->n_postures, sizeof(*p->v));
                if (!p->v) {
                        posture_policies_free(p);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < cfg->n_postures; i++) {
                p->n++;
                r = load_one(dirfd, &cfg->postures[i], &p->v[i], ret_error);
                if (r < 0) {
                        posture_policies_free(p);
                        return r;
                }
        }
        *ret = p;
        return 0;
}
