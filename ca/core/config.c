/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ca.conf parsing (see config.h) on the common INI scaffold (conf.h:
 * sizes, syntax, sections, unknown and duplicate keys, the first error
 * with its line); the callbacks below validate each key where it is seen,
 * and a last pass checks what must be present.
 */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>

#include "conf.h"
#include "config.h"
#include "duration.h"
#include "log.h"

#define DEFAULT_LIFETIME_TLS (365ULL * 86400)
#define DEFAULT_LIFETIME_AGENT (30ULL * 86400)
#define DEFAULT_LIFETIME_ACCOUNT (24ULL * 3600)
#define DEFAULT_LIFETIME_ATTESTATION (365ULL * 86400)
#define DEFAULT_LIFETIME_ACME (90ULL * 86400)
#define MAX_LIFETIME (20ULL * 365 * 86400)
#define DEFAULT_HTTP_PORT 8080
#define DEFAULT_CRL_DELAY 1ULL
#define DEFAULT_CRL_RESIGN 3600ULL
#define DEFAULT_CRL_VALIDITY (24ULL * 3600)
#define DEFAULT_OCSP_VALIDITY 3600ULL
#define DEFAULT_RESPONDER_LIFETIME (7ULL * 86400)
#define MAX_REVOCATION_INTERVAL (365ULL * 86400)
#define MAX_PROVISIONERS 64
#define MAX_LIST_ITEMS 64

static const char *const known_challenges[] = {
        "http-01", "dns-01", "tls-alpn-01", "device-attest-01",
};

static void strv_free(char **v) {
        if (!v)
                return;
        for (char **i = v; *i; i++)
                free(*i);
        free(v);
}

static void provisioner_done(ca_provisioner *p) {
        free(p->name);
        free(p->type);
        strv_free(p->challenges);
        free(p->dns_resolver);
        for (size_t i = 0; i < p->n_kv; i++) {
                free(p->kv[i].key);
                free(p->kv[i].value);
        }
        free(p->kv);
}

void ca_config_free(ca_config *c) {
        if (!c)
                return;
        free(c->listen);
        strv_free(c->dns_names);
        free(c->database);
        free(c->revocation_base_url);
        for (size_t i = 0; i < c->n_provisioners; i++)
                provisioner_done(&c->provisioners[i]);
        free(c->provisioners);
        for (size_t i = 0; i < c->n_postures; i++) {
                free(c->postures[i].name);
                for (size_t k = 0; k < c->postures[i].n_kv; k++) {
                        free(c->postures[i].kv[k].key);
                        free(c->postures[i].kv[k].value);
                }
                free(c->postures[i].kv);
        }
        free(c->postures);
        free(c->console_ui_dir);
        free(c->console_url);
        free(c);
}

static int parse_port(const char *s, unsigned *ret, bool allow_zero) {
        unsigned long v = 0;

        if (!*s || strlen(s) > 5)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long) (*p - '0');
        }
        if (v > 65535 || (v == 0 && !allow_zero))
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int ca_parse_listen(const char *s, char **ret_host, unsigned *ret_port) {
        const char *colon, *host_start, *host_end;
        char *host;
        unsigned port;

        if (!s || strlen(s) > 300)
                return -EINVAL;
        if (s[0] == '[') {
                host_start = s + 1;
                host_end = strchr(s, ']');
                if (!host_end || host_end[1] != ':' || host_end == host_start)
                        return -EINVAL;
                colon = host_end + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon)
                        return -EINVAL;
                host_start = s;
                host_end = colon;
                if (memchr(s, ':', (size_t) (colon - s)))
                        return -EINVAL; /* bare IPv6 needs brackets */
        }
        for (const char *p = host_start; p < host_end; p++)
                if (!isalnum((unsigned char) *p) && !strchr(".-:%_", *p))
                        return -EINVAL;
        if (parse_port(colon + 1, &port, true) < 0)
                return -EINVAL;
        host = strndup(host_start, (size_t) (host_end - host_start));
        if (!host)
                return -ENOMEM;
        *ret_host = host;
        *ret_port = port;
        return 0;
}

static bool dns_name_valid(const char *n) {
        size_t len = strlen(n), label = 0;

        if (len == 0 || len > 253)
                return false;
        for (const char *p = n; *p; p++) {
                if (*p == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char) *p) && *p != '-' && !(*p == '*' && p == n && p[1] == '.'))
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0;
}

static bool name_valid(const char *n) {
        if (!*n || strlen(n) > 64)
                return false;
        for (const char *p = n; *p; p++)
                if (!isalnum((unsigned char) *p) && !strchr("._-", *p))
                        return false;
        return true;
}

/* Splits on commas and whitespace; refuses empty and too many items. */
static int split_list(const char *value, char ***ret) {
        char **v = NULL;
        size_t n = 0;
        const char *p = value;

        while (*p) {
                size_t len;
                char **nv;

                p += strspn(p, ", \t");
                if (!*p)
                        break;
                len = strcspn(p, ", \t");
                if (n >= MAX_LIST_ITEMS)
                        goto fail;
                nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        goto fail;
                v = nv;
                v[n] = strndup(p, len);
                if (!v[n])
                        goto fail;
                v[++n] = NULL;
                p += len;
        }
        if (n == 0)
                goto fail;
        *ret = v;
        return 0;
fail:
        strv_free(v);
        return -EINVAL;
}

static int replace_str(char **dst, const char *value) {
        char *c = strdup(value);

        if (!c)
                return -ENOMEM;
        free(*dst);
        *dst = c;
        return 0;
}

/* A whole number from min to max. */
static int parse_count(const char *s, unsigned min, unsigned max, unsigned *ret) {
        unsigned long v;
        char *end;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* The connection keys of [server]: counts, then deadlines. */
static int server_connection_key(conf_ctx *ctx, ca_config *c, const char *name, const char *value) {
        static const struct {
                const char *name;
                unsigned min, max;
        } counts[] = {
                { "threads", 1, CA_MAX_THREADS },
                { "io_threads", 1, CA_MAX_IO_THREADS },
                { "connections", 1, CA_MAX_CONNECTIONS },
                { "connections_per_address", 1, CA_MAX_CONNECTIONS },
        };
        unsigned *count_slots[] = { &c->threads, &c->io_threads, &c->connections, &c->connections_per_address };
        uint64_t *slot = streq(name, "header_timeout") ? &c->header_timeout : &c->request_timeout;

        for (size_t i = 0; i < ELEMENTSOF(counts); i++)
                if (streq(name, counts[i].name)) {
                        if (parse_count(value, counts[i].min, counts[i].max, count_slots[i]) < 0)
                                return conf_fail(ctx, -EINVAL, "invalid \"%s\" for \"%s\" (%u to %u)", value, name,
                                                 counts[i].min, counts[i].max);
                        return 0;
                }
        if (duration_parse(value, CA_MAX_REQUEST_TIMEOUT, slot) < 0 || *slot == 0)
                return conf_fail(ctx, -EINVAL, "invalid duration \"%s\" for \"%s\" (1s to 1h)", value, name);
        return 0;
}

static int server_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value, void *userdata) {
        ca_config *c = userdata;

        if (!streq(name, "listen") && !streq(name, "dns_names") && !streq(name, "database"))
                return server_connection_key(ctx, c, name, value);

        if (streq(name, "listen")) {
                _cleanup_free_ char *host = NULL;
                unsigned port;

                if (ca_parse_listen(value, &host, &port) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid listen address \"%s\" (want ADDR:PORT)", value);
                return replace_str(&c->listen, value) < 0 ? conf_fail(ctx, -ENOMEM, "out of memory") : 0;
        }
        if (streq(name, "dns_names")) {
                char **v;

                if (split_list(value, &v) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid dns_names \"%s\"", value);
                c->dns_names = v;
                for (char **i = v; *i; i++)
                        if (!dns_name_valid(*i))
                                return conf_fail(ctx, -EINVAL, "invalid DNS name \"%s\"", *i);
                return 0;
        }
        /* database, the last key conf.c lets through */
        if (!*value)
                return conf_fail(ctx, -EINVAL, "empty database");
        return replace_str(&c->database, value) < 0 ? conf_fail(ctx, -ENOMEM, "out of memory") : 0;
}

static const char *const lifetime_keys[] = { "tls", "agent", "account", "attestation", "acme", NULL };

static int lifetimes_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value, void *userdata) {
        ca_config *c = userdata;
        uint64_t *slots[] = {
                &c->lifetime_tls, &c->lifetime_agent, &c->lifetime_account, &c->lifetime_attestation,
                &c->lifetime_acme,
        };
        size_t i = 0;

        while (!streq(name, lifetime_keys[i])) /* conf.c lets only these through */
                i++;
        if (duration_parse(value, MAX_LIFETIME, slots[i]) < 0 || *slots[i] == 0)
                return conf_fail(ctx, -EINVAL, "invalid duration \"%s\" for \"%s\" (e.g. 24h, 30d)", value, name);
        return 0;
}

static const char *const limits_keys[] = {
        "new_account_per_address", "new_order_per_account", "new_order_per_address", "attest_per_address",
        "purge_interval", "purge_after", NULL,
};

static int limits_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value, void *userdata) {
        ca_limits *l = &((ca_config *) userdata)->limits;
        ca_rate *rates[] = {
                &l->new_account_per_address, &l->new_order_per_account, &l->new_order_per_address,
                &l->attest_per_address,
        };
        size_t i = 0;

        while (!streq(name, limits_keys[i])) /* conf.c lets only these through */
                i++;
        if (i < ELEMENTSOF(rates)) {
                if (ca_rate_parse(value, rates[i]) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid rate \"%s\" for \"%s\" (e.g. 100/1h, or off)",
                                         value, name);
                return 0;
        }
        if (duration_parse(value, CA_RATE_MAX_PER, streq(name, "purge_interval") ? &l->purge_interval
                                                                                  : &l->purge_after) < 0)
                return conf_fail(ctx, -EINVAL, "invalid duration \"%s\" for \"%s\" (e.g. 1h, 0)", value, name);
        return 0;
}

/* [provisioner "NAME"]: the provisioner, added on first sight, so it is
 * provisioners[s->index]. */
static int provisioner_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        ca_config *c = userdata;
        ca_provisioner *n;

        if (!name_valid(s->arg))
                return conf_fail(ctx, -EINVAL, "invalid provisioner name \"%s\"", s->arg);
        if (!s->first)
                return 0;
        if (c->n_provisioners >= MAX_PROVISIONERS)
                return conf_fail(ctx, -E2BIG, "more than %d provisioners", MAX_PROVISIONERS);
        n = realloc(c->provisioners, (c->n_provisioners + 1) * sizeof(*n));
        if (!n)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        c->provisioners = n;
        n = &c->provisioners[c->n_provisioners];
        *n = (ca_provisioner) { .http01_port = 80, .tlsalpn01_port = 443 };
        n->name = strdup(s->arg);
        if (!n->name)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        c->n_provisioners++;
        return 0;
}

static int provisioner_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value,
                           void *userdata) {
        ca_provisioner *p = &((ca_config *) userdata)->provisioners[s->index];
        ca_kv *kv;

        if (streq(name, "type")) {
                if (!streq(value, "acme") && !streq(value, "x5c"))
                        return conf_fail(ctx, -EINVAL, "unknown provisioner type \"%s\" (supported: acme, x5c)",
                                         value);
                if (replace_str(&p->type, value) < 0)
                        return conf_fail(ctx, -ENOMEM, "out of memory");
        } else if (streq(name, "challenges")) {
                if (split_list(value, &p->challenges) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid challenges \"%s\"", value);
                for (char **i = p->challenges; *i; i++) {
                        bool known = false;
                        for (size_t k = 0; k < ELEMENTSOF(known_challenges); k++)
                                known = known || streq(*i, known_challenges[k]);
                        if (!known)
                                return conf_fail(ctx, -EINVAL, "unknown challenge type \"%s\"", *i);
                }
        } else if (streq(name, "http01_port")) {
                if (parse_port(value, &p->http01_port, false) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid port \"%s\" for http01_port", value);
        } else if (streq(name, "tlsalpn01_port")) {
                if (parse_port(value, &p->tlsalpn01_port, false) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid port \"%s\" for tlsalpn01_port", value);
        } else if (streq(name, "dns_resolver")) {
                _cleanup_free_ char *host = NULL;
                unsigned port;

                if (ca_parse_listen(value, &host, &port) < 0 || !*host || port == 0)
                        return conf_fail(ctx, -EINVAL, "invalid dns_resolver \"%s\" (want ADDR:PORT)", value);
                if (replace_str(&p->dns_resolver, value) < 0)
                        return conf_fail(ctx, -ENOMEM, "out of memory");
        }

        kv = realloc(p->kv, (p->n_kv + 1) * sizeof(*kv));
        if (!kv)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        p->kv = kv;
        kv[p->n_kv].key = strdup(name);
        kv[p->n_kv].value = strdup(value);
        p->n_kv++;
        if (!kv[p->n_kv - 1].key || !kv[p->n_kv - 1].value)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        return 0;
}

static const char *const revocation_keys[] = {
        "http_port", "base_url", "crl_delay", "crl_resign", "crl_validity", "ocsp_validity",
        "responder_lifetime", NULL,
};

static int revocation_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value,
                          void *userdata) {
        ca_config *c = userdata;
        uint64_t *slot;

        if (streq(name, "http_port")) {
                if (parse_port(value, &c->http_port, false) < 0)
                        return conf_fail(ctx, -EINVAL, "invalid port \"%s\" for http_port", value);
                return 0;
        }
        if (streq(name, "base_url")) {
                size_t len = strlen(value);
                if (strncmp(value, "http://", 7) != 0 || len <= 7 || len > 400 || value[len - 1] == '/' ||
                    strpbrk(value, ", \t\"<>\\"))
                        return conf_fail(ctx, -EINVAL,
                                         "invalid base_url \"%s\" (want http://HOST[:PORT][/PATH], no trailing slash)",
                                         value);
                return replace_str(&c->revocation_base_url, value) < 0 ? conf_fail(ctx, -ENOMEM, "out of memory") : 0;
        }
        slot = streq(name, "crl_delay") ? &c->crl_delay
             : streq(name, "crl_resign") ? &c->crl_resign
             : streq(name, "crl_validity") ? &c->crl_validity
             : streq(name, "ocsp_validity") ? &c->ocsp_validity
                                            : &c->responder_lifetime;
        if (duration_parse(value, MAX_REVOCATION_INTERVAL, slot) < 0 || *slot == 0)
                return conf_fail(ctx, -EINVAL, "invalid duration \"%s\" for \"%s\" (e.g. 1s, 1h)", value, name);
        return 0;
}

#define MAX_SESSION_LIFETIME (7ULL * 86400)

static int console_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value, void *userdata) {
        ca_config *c = userdata;

        if (streq(name, "ui_dir")) {
                if (value[0] != '/')
                        return conf_fail(ctx, -EINVAL, "ui_dir must be an absolute path");
                return replace_str(&c->console_ui_dir, value) < 0 ? conf_fail(ctx, -ENOMEM, "out of memory") : 0;
        }
        if (streq(name, "url")) {
                if (strncmp(value, "https://", 8) != 0 || strlen(value) <= 8 || strlen(value) > 200 ||
                    strpbrk(value + 8, "/?#\"' "))
                        return conf_fail(ctx, -EINVAL, "url must be https://HOST[:PORT] without a path");
                return replace_str(&c->console_url, value) < 0 ? conf_fail(ctx, -ENOMEM, "out of memory") : 0;
        }
        /* session_lifetime, session_idle */
        uint64_t *slot = streq(name, "session_lifetime") ? &c->console_session_lifetime : &c->console_session_idle;
        if (duration_parse(value, MAX_SESSION_LIFETIME, slot) < 0 || *slot < 60)
                return conf_fail(ctx, -EINVAL, "invalid duration \"%s\" for \"%s\" (1m to 7d)", value, name);
        return 0;
}

/* [posture "NAME"]: kept as written, for ca/posture/ (docs/posture.md). */
static const char *const posture_keys[] = {
        "pcrs", "pcr_selection", "pcr_file", "secure_boot", "disk_encryption", "min_kernel", "on_failure", NULL,
};

static int posture_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        ca_config *c = userdata;
        ca_posture_section *n;

        if (!name_valid(s->arg))
                return conf_fail(ctx, -EINVAL, "invalid posture section name \"%s\"", s->arg);
        if (!s->first)
                return 0;
        if (c->n_postures >= MAX_PROVISIONERS)
                return conf_fail(ctx, -E2BIG, "more than %d posture sections", MAX_PROVISIONERS);
        n = realloc(c->postures, (c->n_postures + 1) * sizeof(*n));
        if (!n)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        c->postures = n;
        n = &c->postures[c->n_postures];
        *n = (ca_posture_section) { .name = strdup(s->arg) };
        if (!n->name)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        c->n_postures++;
        return 0;
}

static int posture_key(conf_ctx *ctx, const conf_section *s, const char *name, const char *value, void *userdata) {
        ca_posture_section *p = &((ca_config *) userdata)->postures[s->index];
        ca_kv *kv = realloc(p->kv, (p->n_kv + 1) * sizeof(*kv));

        if (!kv)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        p->kv = kv;
        kv[p->n_kv] = (ca_kv) { .key = strdup(name), .value = strdup(value) };
        p->n_kv++;
        if (!kv[p->n_kv - 1].key || !kv[p->n_kv - 1].value)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        return 0;
}

static const conf_section_spec sections[] = {
        {
                .name = "server",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "listen", "dns_names", "database", "threads", "io_threads",
                                                "connections", "connections_per_address", "header_timeout",
                                                "request_timeout", NULL },
                .key = server_key,
        },
        {
                .name = "lifetimes",
                .form = CONF_PLAIN,
                .keys = lifetime_keys,
                .key = lifetimes_key,
        },
        {
                .name = "limits",
                .form = CONF_PLAIN,
                .keys = limits_keys,
                .key = limits_key,
        },
        {
                .name = "revocation",
                .form = CONF_PLAIN,
                .keys = revocation_keys,
                .key = revocation_key,
        },
        {
                .name = "console",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "ui_dir", "url", "session_lifetime", "session_idle", NULL },
                .key = console_key,
        },
        {
                /* Every key is kept: a provisioner type may define its own. */
                .name = "provisioner",
                .form = CONF_QUOTED,
                .section = provisioner_section,
                .key = provisioner_key,
        },
        {
                .name = "posture",
                .form = CONF_QUOTED,
                .keys = posture_keys,
                .section = posture_section,
                .key = posture_key,
        },
};

static const conf_syntax syntax = {
        .sections = sections,
        .n_sections = ELEMENTSOF(sections),
        .max_size = CA_CONFIG_MAX_SIZE,
};

static int final_checks(ca_config *c, char **ret_error) {
        if (!c->listen)
                return conf_error(ret_error, -EINVAL, "[server] listen is missing");
        if (!c->dns_names)
                return conf_error(ret_error, -EINVAL, "[server] dns_names is missing");
        if (!c->database && replace_str(&c->database, "ca.db") < 0)
                return -ENOMEM;
        if (c->crl_resign >= c->crl_validity)
                return conf_error(ret_error, -EINVAL, "[revocation] crl_resign must be shorter than crl_validity");
        if (c->console_session_lifetime && c->console_session_idle &&
            c->console_session_idle > c->console_session_lifetime)
                return conf_error(ret_error, -EINVAL, "[console] session_idle is longer than session_lifetime");
        for (size_t i = 0; i < c->n_provisioners; i++) {
                ca_provisioner *p = &c->provisioners[i];
                if (!p->type)
                        return conf_error(ret_error, -EINVAL, "provisioner \"%s\" has no type", p->name);
                if (streq(p->type, "acme") && !p->challenges)
                        return conf_error(ret_error, -EINVAL, "provisioner \"%s\" has no challenges", p->name);
                if (streq(p->type, "x5c") && p->challenges)
                        return conf_error(ret_error, -EINVAL,
                                          "provisioner \"%s\": challenges are for acme provisioners", p->name);
        }
        return 0;
}

int ca_config_parse(const char *text, size_t len, ca_config **ret, char **ret_error) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        c = calloc(1, sizeof(ca_config));
        if (!c)
                return -ENOMEM;
        c->lifetime_tls = DEFAULT_LIFETIME_TLS;
        c->lifetime_agent = DEFAULT_LIFETIME_AGENT;
        c->lifetime_account = DEFAULT_LIFETIME_ACCOUNT;
        c->lifetime_attestation = DEFAULT_LIFETIME_ATTESTATION;
        c->lifetime_acme = DEFAULT_LIFETIME_ACME;
        c->threads = CA_DEFAULT_THREADS;
        c->io_threads = CA_DEFAULT_IO_THREADS;
        c->connections = CA_DEFAULT_CONNECTIONS;
        c->connections_per_address = CA_DEFAULT_CONNECTIONS_PER_ADDRESS;
        c->header_timeout = CA_DEFAULT_HEADER_TIMEOUT;
        c->request_timeout = CA_DEFAULT_REQUEST_TIMEOUT;
        c->limits = (ca_limits) {
                .new_account_per_address = { 100, 3600 },
                .new_order_per_account = { 300, 3600 },
                .new_order_per_address = { 1000, 3600 },
                .attest_per_address = { 600, 3600 },
                .purge_interval = 3600,
                .purge_after = 24 * 3600,
        };
        c->http_port = DEFAULT_HTTP_PORT;
        c->crl_delay = DEFAULT_CRL_DELAY;
        c->crl_resign = DEFAULT_CRL_RESIGN;
        c->crl_validity = DEFAULT_CRL_VALIDITY;
        c->ocsp_validity = DEFAULT_OCSP_VALIDITY;
        c->responder_lifetime = DEFAULT_RESPONDER_LIFETIME;

        r = conf_parse(&syntax, text, len, c, ret_error);
        if (r == -EBADMSG)
                r = -EINVAL; /* a NUL byte: ca.conf has one code for bad text */
        if (r >= 0)
                r = final_checks(c, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int ca_config_load(int dirfd, ca_config **ret) {
        _cleanup_free_ char *text = NULL, *error = NULL;
        size_t len;
        int r;

        r = read_file_at(dirfd, CA_CONFIG_FILE, CA_CONFIG_MAX_SIZE, &text, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", CA_CONFIG_FILE);
        r = ca_config_parse(text, len, ret, &error);
        if (r < 0)
                return log_error_errno(r, "Invalid \"%s\": %s", CA_CONFIG_FILE, error ?: "out of memory");
        return 0;
}

const ca_provisioner *ca_config_provisioner(const ca_config *c, const char *name) {
        for (size_t i = 0; i < c->n_provisioners; i++)
                if (streq(c->provisioners[i].name, name))
                        return &c->provisioners[i];
        return NULL;
}

const char *ca_provisioner_get(const ca_provisioner *p, const char *key) {
        for (size_t i = 0; i < p->n_kv; i++)
                if (streq(p->kv[i].key, key))
                        return p->kv[i].value;
        return NULL;
}

int ca_provisioner_has_challenge(const ca_provisioner *p, const char *type) {
        for (char **i = p->challenges; i && *i; i++)
                if (streq(*i, type))
                        return 1;
        return 0;
}

int ca_config_database_url(const ca_config *c, const char *dir, char **ret) {
        const char *db = c->database;
        int r;

        if (strstr(db, "://") || db[0] == '/')
                r = asprintf(ret, "%s", db);
        else if (strncmp(db, "sqlite:", 7) == 0)
                r = db[7] == '/' ? asprintf(ret, "%s", db) : asprintf(ret, "sqlite:%s/%s", dir, db + 7);
        else
                r = asprintf(ret, "%s/%s", dir, db);
        return r < 0 ? -ENOMEM : 0;
}

int ca_config_revocation_base(const ca_config *c, char **ret) {
        int r;

        if (c->revocation_base_url)
                r = asprintf(ret, "%s", c->revocation_base_url);
        else if (c->http_port == 80)
                r = asprintf(ret, "http://%s", c->dns_names[0]);
        else
                r = asprintf(ret, "http://%s:%u", c->dns_names[0], c->http_port);
        return r < 0 ? -ENOMEM : 0;
}

int ca_config_revocation_listen(const ca_config *c, char **ret) {
        _cleanup_free_ char *host = NULL;
        unsigned port;
        int r;

        r = ca_parse_listen(c->listen, &host, &port);
        if (r < 0)
                return r;
        r = strchr(host, ':') ? asprintf(ret, "[%s]:%u", host, c->http_port) : asprintf(ret, "%s:%u", host, c->http_port);
        return r < 0 ? -ENOMEM : 0;
}
