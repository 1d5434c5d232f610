/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME request payload parsers (see acme-payload.h). Everything here is
 * reached by unauthenticated network input before any state changes, so
 * each parser bounds sizes and counts and leaves *ret untouched on error.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "acme-payload.h"
#include "b64.h"

static const char *const id_type_names[_ACME_ID_TYPE_MAX] = {
        [ACME_ID_DNS] = "dns",
        [ACME_ID_IP] = "ip",
        [ACME_ID_PERMANENT] = "permanent-identifier",
};

const char *acme_id_type_to_string(acme_id_type t) {
        if (t < 0 || t >= _ACME_ID_TYPE_MAX)
                return NULL;
        return id_type_names[t];
}

acme_id_type acme_id_type_from_string(const char *s) {
        for (int i = 0; s && i < _ACME_ID_TYPE_MAX; i++)
                if (streq(id_type_names[i], s))
                        return (acme_id_type) i;
        return ACME_ID_TYPE_INVALID;
}

void acme_identifiers_free(acme_identifier *ids, size_t n) {
        for (size_t i = 0; ids && i < n; i++)
                free(ids[i].value);
        free(ids);
}

static int parse_payload_limited(const uint8_t *payload, size_t len, size_t max, json_object **ret,
                                 acme_problem *p) {
        int r;

        if (len == 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "Request payload is empty.");
        r = json_parse_object((const char *) payload, len, max, ret);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "Request payload is too large.");
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "Request payload is not a JSON object.");
        return 0;
}

static int parse_payload_object(const uint8_t *payload, size_t len, json_object **ret,
                                acme_problem *p) {
        return parse_payload_limited(payload, len, ACME_MAX_PAYLOAD, ret, p);
}

/* A DNS name (RFC 1123 host name syntax), lower-cased; "*." may lead. */
static int dns_name_canonical(const char *value, char **ret, acme_problem *p) {
        _cleanup_free_ char *s = NULL;
        const char *labels;
        size_t len = strlen(value), label_len = 0;
        struct in_addr a4;

        if (len == 0 || len > 253)
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                        "DNS identifier must have 1 to 253 characters.");
        s = strdup(value);
        if (!s)
                return -ENOMEM;
        for (char *c = s; *c; c++)
                *c = (char) tolower((unsigned char) *c);

        labels = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
        if (*labels == '\0')
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER, "Wildcard without a name.");
        for (const char *c = labels;; c++) {
                if (*c == '.' || *c == '\0') {
                        if (label_len == 0 || label_len > 63 || c[-1] == '-' ||
                            c[-(ptrdiff_t) label_len] == '-')
                                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                                        "DNS identifier \"%.253s\" has an invalid label.",
                                                        s);
                        if (*c == '\0')
                                break;
                        label_len = 0;
                        continue;
                }
                if (!(isdigit((unsigned char) *c) || (*c >= 'a' && *c <= 'z') || *c == '-'))
                        return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                                "DNS identifier \"%.253s\" has an invalid character.", s);
                label_len++;
        }
        /* An IPv4 literal is not a DNS name (lego 4.9 sends IPs this way). */
        if (inet_pton(AF_INET, labels, &a4) == 1)
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                        "\"%.64s\" is an IP address: use an \"ip\" identifier.", s);
        *ret = TAKE_PTR(s);
        return 0;
}

static int ip_canonical(const char *value, char **ret, acme_problem *p) {
        unsigned char buf[16];
        char text[INET6_ADDRSTRLEN];
        int family = strchr(value, ':') ? AF_INET6 : AF_INET;

        if (strlen(value) >= INET6_ADDRSTRLEN || inet_pton(family, value, buf) != 1 ||
            !inet_ntop(family, buf, text, sizeof(text)))
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                        "\"%.64s\" is not an IP address.", value);
        *ret = strdup(text);
        return *ret ? 0 : -ENOMEM;
}

static int permanent_id_canonical(const char *value, char **ret, acme_problem *p) {
        size_t len = strlen(value);

        if (len == 0 || len > ACME_MAX_PERMANENT_ID_LEN)
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                        "Permanent identifier has an invalid length.");
        for (const char *c = value; *c; c++)
                if ((unsigned char) *c <= 0x20 || (unsigned char) *c >= 0x7f)
                        return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER,
                                                "Permanent identifier has an invalid character.");
        *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

int acme_identifier_canonical(acme_id_type type, const char *value, unsigned allowed_mask,
                              char **ret, acme_problem *p) {
        if (type < 0 || type >= _ACME_ID_TYPE_MAX || !(allowed_mask & ACME_ID_MASK(type)))
                return acme_problem_set(p, ACME_ERR_UNSUPPORTED_IDENTIFIER,
                                        "Identifier type is not supported here.");
        switch (type) {
        case ACME_ID_DNS:
                return dns_name_canonical(value, ret, p);
        case ACME_ID_IP:
                return ip_canonical(value, ret, p);
        default:
                return permanent_id_canonical(value, ret, p);
        }
}

void acme_contacts_done(acme_contacts *c) {
        for (size_t i = 0; c->items && i < c->n; i++)
                free(c->items[i]);
        free(c->items);
        *c = (acme_contacts) {};
}

/* Only mailto: with a single plain address, no header fields (RFC 8555
 * section 7.3 lets a server choose the schemes it supports). */
static int contact_check(const char *s, acme_problem *p) {
        const char *addr, *at;

        if (strncmp(s, "mailto:", 7) != 0)
                return acme_problem_set(p, ACME_ERR_UNSUPPORTED_CONTACT,
                                        "Only mailto: contacts are supported.");
        addr = s + 7;
        at = strchr(addr, '@');
        if (!at || at == addr || at[1] == '\0' || strchr(at + 1, '@') || strpbrk(addr, ",?;<> \"\\"))
                return acme_problem_set(p, ACME_ERR_INVALID_CONTACT, "Invalid contact \"%.256s\".", s);
        for (const char *c = addr; *c; c++)
                if ((unsigned char) *c < 0x21 || (unsigned char) *c >= 0x7f)
                        return acme_problem_set(p, ACME_ERR_INVALID_CONTACT,
                                                "Contact has an invalid character.");
        return 0;
}

static int parse_contacts(json_object *o, acme_contacts *ret, acme_problem *p) {
        _cleanup_(acme_contacts_done) acme_contacts c = {};
        json_object *arr;
        size_t n;
        int r;

        r = json_get_array_opt(o, "contact", &arr);
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"contact\" must be an array.");
        if (r == 0) {
                *ret = (acme_contacts) {};
                return 0;
        }
        n = json_object_array_length(arr);
        if (n > ACME_MAX_CONTACTS)
                return acme_problem_set(p, ACME_ERR_INVALID_CONTACT, "Too many contacts.");
        c.present = true;
        c.items = calloc(n + 1, sizeof(char *));
        if (!c.items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                const char *s;

                if (!json_object_is_type(e, json_type_string))
                        return acme_problem_set(p, ACME_ERR_MALFORMED, "Contacts must be strings.");
                s = json_object_get_string(e);
                if ((size_t) json_object_get_string_len(e) != strlen(s) ||
                    strlen(s) > ACME_MAX_CONTACT_LEN)
                        return acme_problem_set(p, ACME_ERR_INVALID_CONTACT, "Contact is too long.");
                r = contact_check(s, p);
                if (r < 0)
                        return r;
                c.items[c.n] = strdup(s);
                if (!c.items[c.n])
                        return -ENOMEM;
                c.n++;
        }
        *ret = c;
        c = (acme_contacts) {};
        return 0;
}

int acme_contacts_to_json(const acme_contacts *c, char **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < c->n; i++)
                if (json_object_array_add(a, json_object_new_string(c->items[i])) < 0)
                        return -ENOMEM;
        return json_to_string_dup(a, ret);
}

static int get_bool_member(json_object *o, const char *key, bool *ret, acme_problem *p) {
        bool v = false;

        if (json_get_bool_opt(o, key, &v) < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"%s\" must be a boolean.", key);
        *ret = v;
        return 0;
}

void acme_new_account_done(acme_new_account *a) {
        acme_contacts_done(&a->contact);
}

int acme_parse_new_account(const uint8_t *payload, size_t len, acme_new_account *ret, acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        acme_new_account a = {};
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        if (get_bool_member(o, "termsOfServiceAgreed", &a.tos_agreed, p) < 0 ||
            get_bool_member(o, "onlyReturnExisting", &a.only_return_existing, p) < 0)
                return -EPROTO;
        if (json_object_object_get_ex(o, "externalAccountBinding", NULL))
                return acme_problem_set(p, ACME_ERR_MALFORMED,
                                        "External account binding is not supported.");
        r = parse_contacts(o, &a.contact, p);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

void acme_account_update_done(acme_account_update *u) {
        acme_contacts_done(&u->contact);
}

int acme_parse_account_update(const uint8_t *payload, size_t len, acme_account_update *ret,
                              acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        acme_account_update u = {};
        const char *status = NULL;
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        if (json_get_string_opt(o, "status", &status) < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"status\" must be a string.");
        if (status && !streq(status, "deactivated"))
                return acme_problem_set(p, ACME_ERR_MALFORMED,
                                        "A client may only set status \"deactivated\".");
        u.deactivate = status != NULL;
        r = parse_contacts(o, &u.contact, p);
        if (r < 0)
                return r;
        *ret = u;
        return 0;
}

void acme_new_order_done(acme_new_order *o) {
        acme_identifiers_free(o->ids, o->n_ids);
        *o = (acme_new_order) {};
}

int acme_parse_new_order(const uint8_t *payload, size_t len, unsigned allowed_mask,
                         acme_new_order *ret, acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(acme_new_order_done) acme_new_order no = {};
        json_object *arr;
        size_t n;
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        if (json_get_array(o, "identifiers", &arr) < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"identifiers\" must be an array.");
        if (json_object_object_get_ex(o, "notBefore", NULL) ||
            json_object_object_get_ex(o, "notAfter", NULL))
                return acme_problem_set(p, ACME_ERR_MALFORMED,
                                        "notBefore/notAfter are not supported; the provisioner sets the lifetime.");
        n = json_object_array_length(arr);
        if (n == 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"identifiers\" is empty.");
        if (n > ACME_MAX_IDENTIFIERS)
                return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER, "Too many identifiers.");
        no.ids = calloc(n, sizeof(acme_identifier));
        if (!no.ids)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                const char *type, *value;
                _cleanup_free_ char *canon = NULL;
                acme_id_type t;
                bool dup = false;

                if (!json_object_is_type(e, json_type_object) || json_get_string(e, "type", &type) < 0 ||
                    json_get_string(e, "value", &value) < 0)
                        return acme_problem_set(p, ACME_ERR_MALFORMED,
                                                "Identifiers need string \"type\" and \"value\".");
                if (strlen(value) > 1024)
                        return acme_problem_set(p, ACME_ERR_REJECTED_IDENTIFIER, "Identifier is too long.");
                t = acme_id_type_from_string(type);
                if (t < 0)
                        return acme_problem_set(p, ACME_ERR_UNSUPPORTED_IDENTIFIER,
                                                "Identifier type \"%.64s\" is not supported.", type);
                r = acme_identifier_canonical(t, value, allowed_mask, &canon, p);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < no.n_ids; k++)
                        if (no.ids[k].type == t && streq(no.ids[k].value, canon))
                                dup = true;
                if (dup)
                        continue;
                no.ids[no.n_ids].type = t;
                no.ids[no.n_ids++].value = TAKE_PTR(canon);
        }
        *ret = no;
        no = (acme_new_order) {};
        return 0;
}

static int get_b64_member(json_object *o, const char *key, size_t max_bytes, uint8_t **ret,
                          size_t *ret_len, acme_problem *p) {
        int r;

        r = json_get_b64(o, key, B64_URL, b64_encoded_len(B64_URL, max_bytes), ret, ret_len);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"%s\" is missing.", key);
        if (r == -E2BIG)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"%s\" is too large.", key);
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"%s\" is not base64url.", key);
        if (*ret_len == 0) {
                free(*ret);
                *ret = NULL;
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"%s\" is empty.", key);
        }
        return 0;
}

int acme_parse_finalize(const uint8_t *payload, size_t len, uint8_t **ret_der, size_t *ret_len,
                        acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        r = get_b64_member(o, "csr", ACME_MAX_CSR_DER, ret_der, ret_len, p);
        if (r == -EPROTO && p->type == ACME_ERR_MALFORMED && strstr(p->detail, "base64url"))
                p->type = ACME_ERR_BAD_CSR;
        return r;
}

void acme_revoke_done(acme_revoke *r) {
        free(r->cert_der);
        *r = (acme_revoke) {};
}

int acme_parse_revoke(const uint8_t *payload, size_t len, acme_revoke *ret, acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        acme_revoke rv = {};
        int64_t reason = 0;
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        if (json_get_int64_opt(o, "reason", &reason) < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "\"reason\" must be an integer.");
        /* RFC 5280 CRLReason values; 7 is unused and removeFromCRL (8) is
         * only meaningful in delta CRLs. */
        if (reason < 0 || reason > 10 || reason == 7 || reason == 8)
                return acme_problem_set(p, ACME_ERR_BAD_REVOCATION_REASON,
                                        "Revocation reason %lld is not allowed.", (long long) reason);
        r = get_b64_member(o, "certificate", ACME_MAX_CERT_DER, &rv.cert_der, &rv.cert_len, p);
        if (r < 0)
                return r;
        rv.reason = (int) reason;
        *ret = rv;
        return 0;
}

void acme_key_change_done(acme_key_change *k) {
        free(k->account);
        json_object_put(k->old_key);
        *k = (acme_key_change) {};
}

int acme_parse_key_change_inner(const uint8_t *payload, size_t len, acme_key_change *ret,
                                acme_problem *p) {
        _cleanup_json_ json_object *o = NULL;
        json_object *old_key;
        const char *account;
        int r;

        r = parse_payload_object(payload, len, &o, p);
        if (r < 0)
                return r;
        if (json_get_string(o, "account", &account) < 0 || strlen(account) > 1024)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "keyChange needs an \"account\" URL.");
        if (json_get_object(o, "oldKey", &old_key) < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "keyChange needs an \"oldKey\" JWK.");
        ret->account = strdup(account);
        if (!ret->account)
                return -ENOMEM;
        ret->old_key = json_object_get(old_key);
        return 0;
}

int acme_parse_challenge_payload(const uint8_t *payload, size_t len, json_object **ret,
                                 acme_problem *p) {
        return parse_payload_limited(payload, len, ACME_MAX_CHALLENGE_PAYLOAD, ret, p);
}
