/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca serve`: loads the CA directory and runs the HTTPS server in
 * the foreground (/health, the admin API, the web console, the Attestation
 * CA, the Account CA, the ACME provisioners) and the plain-HTTP server of
 * CRLs and OCSP (ca/revoke/) until SIGTERM, then stops both gracefully.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

#include "ca/acme/acme-hook.h"
#include "ca/attest/attest-api.h"
#include "ca/console/cert-api.h"
#include "ca/console/console-api.h"
#include "ca/core/ca-dir.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/trust.h"
#include "ca/inventory/accounts-api.h"
#include "ca/inventory/admin-api.h"
#include "ca/inventory/inventory.h"
#include "ca/revoke/revoke.h"
#include "ca/sign/sign-api.h"
#include "cli.h"
#include "log.h"

#define TLS_FILE_MAX (64 * 1024)
#define SERVE_MALLOC_ARENAS 2

static http_response *handle_health(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "status", "ok") < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static void stop_revocation(void *userdata) {
        revoke_service_stop(userdata);
}

/* On a configuration that cannot be read or parsed, *ret_bad_config is
 * set: the exit status then says so (EX_CONFIG), so that systemd does not
 * restart the server for nothing. */
static int run_server(const char *dir, const char *listen_override, const char *ui_dir, bool *ret_bad_config) {
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_(issuer_freep) issuer *iss = NULL;
        _cleanup_(revoke_service_freep) revoke_service *rv = NULL;
        _cleanup_(ca_trust_freep) ca_trust *trust = NULL;
        _cleanup_(http_server_freep) http_server *srv = NULL;
        _cleanup_free_ char *cert_pem = NULL, *host = NULL, *revocation_base = NULL, *http_listen = NULL;
        _cleanup_pkey_ EVP_PKEY *tls_key = NULL;
        char *key_pem = NULL;
        size_t len, key_len = 0;
        unsigned port;
        int r;

        r = ca_dir_open(dir, &dirfd);
        if (r < 0)
                return r;
        r = ca_config_load(dirfd, &cfg);
        if (r < 0) {
                *ret_bad_config = true;
                return r;
        }
        if (listen_override) {
                if (ca_parse_listen(listen_override, &host, &port) < 0)
                        return log_error_errno(-EINVAL, "Invalid --listen \"%s\" (want ADDR:PORT).", listen_override);
                free(cfg->listen);
                cfg->listen = strdup(listen_override);
                if (!cfg->listen)
                        return log_oom();
        }
        r = inventory_store_open(cfg, dir, &st);
        if (r < 0)
                return r;
        r = issuer_load(dirfd, st, &iss);
        if (r < 0)
                return r;
        r = ca_trust_load(dirfd, cfg, iss, &trust);
        if (r < 0)
                return r;
        /* Every certificate issued from here on names its CRL and OCSP. */
        r = ca_config_revocation_base(cfg, &revocation_base);
        if (r >= 0)
                r = ca_config_revocation_listen(cfg, &http_listen);
        if (r < 0)
                return log_error_errno(r, "Invalid [revocation] settings: %m");
        r = issuer_set_revocation_base(iss, revocation_base);
        if (r < 0)
                return log_error_errno(r, "Unusable revocation base URL \"%s\": %m", revocation_base);
        r = revoke_service_new(cfg, st, iss, dirfd, &rv);
        if (r < 0)
                return r;

        r = read_file_at(dirfd, "tls.pem", TLS_FILE_MAX, &cert_pem, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"tls.pem\": %m");
        /* Checks the mode and that it parses; MHD wants the PEM text. */
        r = issuer_load_key(dirfd, "tls.key", &tls_key);
        if (r < 0)
                return r;
        r = crypto_key_to_pem_pkcs8(tls_key, &key_pem, &key_len);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the TLS key: %m");

        http_server_config hc = {
                .listen = cfg->listen,
                .cert_pem = cert_pem,
                .key_pem = key_pem,
                .client_ca_pem = issuer_root_pem(iss),
                .workers = cfg->threads,
                .io_threads = cfg->io_threads,
                .max_connections = cfg->connections,
                .connections_per_address = cfg->connections_per_address,
                .header_timeout_ms = cfg->header_timeout * 1000,
                .request_timeout_ms = cfg->request_timeout * 1000,
        };
        r = http_server_new(&hc, &srv);
        erase_and_free(key_pem, key_len);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the HTTPS server: %m");

        console_options co = {
                .ui_dir = ui_dir ?: cfg->console_ui_dir ?: CA_UI_DIR,
                .limits = { .lifetime = cfg->console_session_lifetime, .idle = cfg->console_session_idle },
                .admin_roots = ca_trust_root(trust),
        };
        r = console_register(srv, st, iss, &co);
        if (r < 0)
                return r;
        r = http_server_route(srv, "GET", "/health", false, handle_health, NULL);
        if (r >= 0)
                r = admin_api_register(srv, st);
        if (r >= 0)
                r = cert_api_register(srv, st, iss, cfg);
        if (r >= 0)
                r = accounts_api_register(srv, st, cfg);
        if (r < 0)
                return log_error_errno(r, "Failed to register routes: %m");
        r = attest_routes_register(srv, st, iss, cfg);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the Attestation CA: %m");
        r = sign_routes_register(srv, st, iss, trust, cfg, dirfd);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the Account CA: %m");
        r = acme_routes_register(srv, st, iss, trust, cfg, dirfd);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the ACME server: %m");

        r = revoke_service_start(rv, http_listen);
        if (r < 0)
                return r;
        r = http_server_add_shutdown_hook(srv, stop_revocation, rv);
        if (r < 0)
                return log_oom();

        r = http_server_start(srv);
        if (r < 0)
                return log_error_errno(r, "Failed to listen on \"%s\": %m", cfg->listen);
        log_info("deviceid-ca listening on %s (port %u), CA directory \"%s\".", cfg->listen,
                 http_server_port(srv), dir);
        (void) sd_notifyf(0, "STATUS=Serving on %s (port %u), CA directory %s", cfg->listen, http_server_port(srv),
                          dir);

        r = http_server_run(srv);
        if (r < 0)
                return log_error_errno(r, "Server failed: %m");
        log_info("deviceid-ca stopped.");
        return 0;
}

int cmd_serve(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "listen", required_argument, NULL, 'l' },
                { "ui-dir", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *dir = NULL, *listen = NULL, *ui_dir = NULL;
        bool bad_config = false;
        sigset_t mask;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'l':
                        listen = optarg;
                        break;
                case 'u':
                        ui_dir = optarg;
                        break;
                case 'h':
                        printf("deviceid-ca serve --dir DIR [--listen ADDR:PORT] [--ui-dir DIR]\n");
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc || !dir) {
                log_error("serve needs --dir DIR and no other arguments.");
                return 2;
        }
        /* glibc gives threads malloc arenas of their own, up to 8 per CPU,
         * each keeping what its thread freed: with a few dozen threads
         * that is most of the resident set. Two arenas keep lock
         * contention low at a fraction of it (docs/ca.md, "Memory"). */
        (void) mallopt(M_ARENA_MAX, SERVE_MALLOC_ARENAS);
        /* Before any thread exists (ACME may start some at registration),
         * so that only http_server_run() receives SIGTERM/SIGINT. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0)
                return 1;
        if (run_server(dir, listen, ui_dir, &bad_config) >= 0)
                return 0;
        return bad_config ? EX_CONFIG : 1;
}
