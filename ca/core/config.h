/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ca.conf, the CA directory's configuration file (INI, parsed on the
 * common scaffold, common/conf.h):
 *
 *   [server]
 *   listen = 127.0.0.1:8443
 *   dns_names = ca.example.org, localhost
 *   database = ca.db              ; relative to the CA directory, or sqlite:/..., postgresql://...
 *   threads = 8   io_threads = 2  ; request handlers, event loops
 *   connections = 512   connections_per_address = 64
 *   header_timeout = 5s           ; TLS handshake + request headers (also keep-alive idle)
 *   request_timeout = 30s         ; a whole request, headers to answer
 *   [lifetimes]
 *   tls = 90d   agent = 30d   account = 24h   attestation = 365d   acme = 90d
 *   [limits]                      ; all optional; see ca_limits
 *   new_account_per_address = 100/1h   new_order_per_account = 300/1h
 *   new_order_per_address = 1000/1h    attest_per_address = 600/1h
 *   purge_interval = 1h   purge_after = 1d
 *   [provisioner "acme"]
 *   type = acme
 *   challenges = http-01, dns-01, tls-alpn-01
 *   http01_port = 80
 *   tlsalpn01_port = 443
 *   dns_resolver = 127.0.0.1:53
 *   [provisioner "devices"]
 *   type = x5c
 *   roots = agent-ca.pem          ; optional, relative to the CA directory
 *   [revocation]
 *   http_port = 8080              ; plain-HTTP listener for /crl/ and /ocsp (host of [server] listen)
 *   base_url = http://ca.example.org   ; default http://FIRST-DNS-NAME[:http_port]
 *   crl_delay = 1s                ; re-sign a CRL at most this long after a revocation
 *   crl_resign = 1h               ; re-sign every CRL this often anyway
 *   crl_validity = 24h            ; nextUpdate - thisUpdate (more than crl_resign)
 *   ocsp_validity = 1h            ; nextUpdate - thisUpdate of OCSP responses
 *   responder_lifetime = 7d       ; OCSP responder certificates (renewed at half)
 *   [console]
 *   ui_dir = /usr/share/deviceid/ui   ; default: the installed console
 *   url = https://ca.example.org:8443 ; base of login links (default: first dns_name, listen port)
 *   session_lifetime = 8h   session_idle = 30m
 *
 * Parsing is pure (text in, struct out) and strict: unknown sections or
 * keys of [server]/[lifetimes], bad durations, ports or names fail with the
 * line number. Provisioner sections keep every key, so a provisioner type
 * may define keys of its own (ca_provisioner_get()).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "rate-limit.h"

#define CA_CONFIG_MAX_SIZE (64 * 1024)
#define CA_CONFIG_FILE "ca.conf"

#define CA_DEFAULT_THREADS 8
#define CA_DEFAULT_IO_THREADS 2
#define CA_DEFAULT_CONNECTIONS 512
#define CA_DEFAULT_CONNECTIONS_PER_ADDRESS 64
#define CA_DEFAULT_HEADER_TIMEOUT 5
#define CA_DEFAULT_REQUEST_TIMEOUT 30
#define CA_MAX_THREADS 256
#define CA_MAX_IO_THREADS 64
#define CA_MAX_CONNECTIONS 65536
#define CA_MAX_REQUEST_TIMEOUT 3600

typedef struct ca_kv {
        char *key;
        char *value;
} ca_kv;

typedef struct ca_provisioner {
        char *name;           /* from [provisioner "NAME"] */
        char *type;           /* "acme" or "x5c" (required) */
        char **challenges;    /* NULL-terminated, e.g. "http-01" */
        unsigned http01_port;   /* default 80 */
        unsigned tlsalpn01_port;/* default 443 */
        char *dns_resolver;   /* "ADDR:PORT" or NULL (system resolver) */
        ca_kv *kv;            /* every key as written, in file order */
        size_t n_kv;
} ca_provisioner;

/* [limits]: request rates (429 with Retry-After past them; "off" or 0
 * turns one off) and the purge of expired ACME state. */
/* [posture "NAME"]: the posture policy of the provisioner or account
 * NAME (docs/posture.md), its keys as written; ca/posture/ reads them. */
typedef struct ca_posture_section {
        char *name;
        ca_kv *kv;
        size_t n_kv;
} ca_posture_section;

typedef struct ca_limits {
        ca_rate new_account_per_address; /* ACME newAccount, per client address */
        ca_rate new_order_per_account;   /* ACME newOrder, per account */
        ca_rate new_order_per_address;   /* ACME newOrder, per client address */
        ca_rate attest_per_address;      /* POST /attestation/attest, per client address */
        uint64_t purge_interval;         /* seconds between purges; 0: never */
        uint64_t purge_after;            /* seconds an expired row is kept */
} ca_limits;

typedef struct ca_config {
        char *listen;         /* "ADDR:PORT" */
        char **dns_names;     /* NULL-terminated, at least one */
        char *database;       /* as written; ca_config_database_url() resolves it */
        /* The HTTPS server ([server]): threads, connection caps, deadlines
         * in seconds (see http.h). */
        unsigned threads, io_threads, connections, connections_per_address;
        uint64_t header_timeout, request_timeout;
        /* Certificate lifetimes in seconds, by issuing CA. */
        uint64_t lifetime_tls, lifetime_agent, lifetime_account, lifetime_attestation,
                lifetime_acme;
        ca_limits limits;
        ca_provisioner *provisioners;
        size_t n_provisioners;
        ca_posture_section *postures;
        size_t n_postures;
        /* [revocation], in seconds but the port; base_url NULL: derived
         * (ca_config_revocation_base()). */
        unsigned http_port;
        char *revocation_base_url;
        uint64_t crl_delay, crl_resign, crl_validity, ocsp_validity, responder_lifetime;
        /* [console]; NULL or 0 when not set (the console's defaults apply). */
        char *console_ui_dir, *console_url;
        uint64_t console_session_lifetime, console_session_idle;
} ca_config;

/* Parses len bytes of config text (at most CA_CONFIG_MAX_SIZE). On error
 * returns -EINVAL (or -ENOMEM, -E2BIG: too large, more than 64
 * provisioners) and, if ret_error is not NULL, a malloc'ed message
 * "line N: what is wrong" (without the line for what is missing). */
int ca_config_parse(const char *text, size_t len, ca_config **ret, char **ret_error);
/* Reads DIR/ca.conf relative to dirfd and parses it; logs the error. */
int ca_config_load(int dirfd, ca_config **ret);
void ca_config_free(ca_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ca_config *, ca_config_free);

/* The provisioner of that name, or NULL. */
const ca_provisioner *ca_config_provisioner(const ca_config *c, const char *name);
/* Value of any key of a provisioner section, or NULL. */
const char *ca_provisioner_get(const ca_provisioner *p, const char *key);
/* 1 if the provisioner offers that challenge type, else 0. */
int ca_provisioner_has_challenge(const ca_provisioner *p, const char *type);

/* Database URL for store_open(): relative file names are made absolute
 * against dir. Malloc'ed into *ret; 0 or -ENOMEM. */
int ca_config_database_url(const ca_config *c, const char *dir, char **ret);

/* The http:// base URL of the CRLs and the OCSP responder, without a
 * trailing slash: [revocation] base_url, else http://DNS[:http_port] with
 * the first of dns_names (no port when it is 80). Malloc'ed; 0 or -ENOMEM. */
int ca_config_revocation_base(const ca_config *c, char **ret);
/* The plain-HTTP listen address: the host of [server] listen with
 * http_port. Malloc'ed; 0 or -errno. */
int ca_config_revocation_listen(const ca_config *c, char **ret);

/* "ADDR:PORT" / "[V6]:PORT" / ":PORT" -> host (malloc'ed, "" for any) and port.
 * 0 or -EINVAL. */
int ca_parse_listen(const char *s, char **ret_host, unsigned *ret_port);
