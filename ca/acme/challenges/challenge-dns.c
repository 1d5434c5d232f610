/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-01 (RFC 8555 section 8.4): look up TXT _acme-challenge.<name> and
 * expect base64url(SHA-256(keyAuthorization)) among the values. The
 * query goes through the libc resolver (res_nquery on a private
 * res_state), aimed at the provisioner's dns_resolver ("ADDR:PORT", IPv4)
 * when one is configured, else at the system's resolvers.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include "b64.h"
#include "challenge-dns-txt.h"
#include "challenge.h"
#include "crypto.h"
#include "log.h"

#define DNS_ANSWER_MAX 16384

static int resolver_address(const char *spec, struct sockaddr_in *ret) {
        _cleanup_free_ char *host = NULL;
        const char *colon = strrchr(spec, ':');
        unsigned long port = 53;

        if (colon) {
                char *end;

                host = strndup(spec, (size_t) (colon - spec));
                port = strtoul(colon + 1, &end, 10);
                if (*end || port == 0 || port > 65535)
                        return -EINVAL;
        } else
                host = strdup(spec);
        if (!host)
                return -ENOMEM;
        *ret = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        if (inet_pton(AF_INET, host, &ret->sin_addr) != 1)
                return -EINVAL;
        return 0;
}

static int dns01_validate(const challenge_ctx *ctx, json_object *payload, acme_problem *problem) {
        struct __res_state rs;
        _cleanup_free_ char *qname = NULL, *expected = NULL;
        _cleanup_free_ uint8_t *answer = NULL;
        uint8_t digest[32];
        char **txts = NULL;
        bool found = false;
        int n, r;

        r = crypto_sha256(ctx->key_authorization, strlen(ctx->key_authorization), digest);
        if (r < 0)
                return r;
        r = b64_encode(B64_URL, digest, sizeof(digest), &expected);
        if (r < 0)
                return r;
        if (asprintf(&qname, "_acme-challenge.%s", ctx->id_value) < 0)
                return -ENOMEM;
        answer = malloc(DNS_ANSWER_MAX);
        if (!answer)
                return -ENOMEM;

        memset(&rs, 0, sizeof(rs));
        if (res_ninit(&rs) < 0)
                return -EIO;
        if (ctx->provisioner && ctx->provisioner->dns_resolver) {
                struct sockaddr_in sa;

                r = resolver_address(ctx->provisioner->dns_resolver, &sa);
                if (r < 0) {
                        res_nclose(&rs);
                        (void) acme_problem_set(problem, ACME_ERR_SERVER_INTERNAL,
                                                "dns_resolver \"%s\" is not IPv4ADDR:PORT.",
                                                ctx->provisioner->dns_resolver);
                        return 0;
                }
                rs.nscount = 1;
                rs.nsaddr_list[0] = sa;
        }
        rs.retrans = 2;
        rs.retry = 2;
        rs.options &= ~(unsigned long) (RES_DNSRCH | RES_DEFNAMES);
        n = res_nquery(&rs, qname, ns_c_in, ns_t_txt, answer, DNS_ANSWER_MAX);
        if (n < 0) {
                int h = rs.res_h_errno;

                res_nclose(&rs);
                if (h == HOST_NOT_FOUND || h == NO_DATA)
                        (void) acme_problem_set(problem, ACME_ERR_DNS, "No TXT record at \"%s\".", qname);
                else
                        (void) acme_problem_set(problem, ACME_ERR_DNS, "Looking up TXT \"%s\" failed: %s", qname,
                                                hstrerror(h));
                return 0;
        }
        res_nclose(&rs);

        r = dns_txt_parse(answer, (size_t) (n > DNS_ANSWER_MAX ? DNS_ANSWER_MAX : n), &txts);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void) acme_problem_set(problem, ACME_ERR_DNS, "Malformed DNS answer for \"%s\".", qname);
                return 0;
        }
        for (size_t i = 0; txts[i]; i++)
                if (streq(txts[i], expected))
                        found = true;
        dns_txt_free(txts);
        if (!found) {
                (void) acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE,
                                        "No TXT record at \"%s\" matches the key authorization.", qname);
                return 0;
        }
        return 1;
}

const challenge_type challenge_dns01 = {
        .name = "dns-01",
        .id_mask = ACME_ID_MASK(ACME_ID_DNS),
        .wildcard_ok = true,
        .sync = false,
        .validate = dns01_validate,
};
