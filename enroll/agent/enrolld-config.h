/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-enrolld configuration (INI on common/conf.h, from a buffer:
 * pure, strict, fuzzed by tests/fuzz/fuzz-enrolld-config.c), documented
 * in deviceid-enrolld(8):
 *
 *   [ca]
 *   url = https://ca.example.org:8443
 *   root = /etc/deviceid/root.pem
 *
 *   [device]
 *   key_alg = ecc            # or rsa
 *
 *   [attestation-ca]         # each CA role elsewhere (all optional)
 *   url = https://att.example.org/attestation
 *   root = /etc/deviceid/att-root.pem
 *   [acme]
 *   directory = https://acme.example.org/acme/agents/directory
 *   root = ...
 *   [account-ca]
 *   url = https://step.example.org:9000
 *   root = ...               # TLS anchors
 *   issuer = /etc/deviceid/account-root.pem  # what account chains end in
 *   provisioner = devices    # X5C provisioner of [account] sections
 *   list = auto              # ask GET /1.0/accounts: yes, no, or auto
 *                            # (when there is no [account] section)
 *
 *   [account "wifi"]
 *   sub = wifi               # the CN; default: the account name
 *   sans = wifi.example.org, wifi   # DNS SANs; default: the CA's ([sub])
 *   key = software           # or tpm
 *
 *   [posture]
 *   pcr_selection = 0-7      # sha256 PCRs the posture reports quote
 *                            # ([sha256:]N[-M][,...], 0-23; docs/posture.md)
 *
 *   [renewal]
 *   renew_at = 0.66          # fraction of the lifetime, 0.1 to 0.95
 *   retry_min = 5s
 *   retry_max = 10m
 *   check_interval = 60s
 *
 * Unknown sections and keys, duplicate keys and duplicate accounts are
 * errors. Durations are numbers with s, m, h, d units, combinable (1m30s),
 * or plain seconds.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enroll/client/sign-client.h"
#include "macro.h"

#define ENROLLD_CONFIG_MAX_SIZE (64 * 1024)
#define ENROLLD_CONFIG_MAX_ACCOUNTS 16
#define ENROLLD_CONFIG_MAX_URL 512
#define ENROLLD_CONFIG_MAX_PATH 4096
#define ENROLLD_MAX_DURATION (7 * 86400) /* seconds, any duration key */

#define ENROLLD_DEFAULT_RENEW_AT 0.66
#define ENROLLD_MIN_RENEW_AT 0.1
#define ENROLLD_MAX_RENEW_AT 0.95
#define ENROLLD_DEFAULT_RETRY_MIN 5
#define ENROLLD_DEFAULT_RETRY_MAX 600
#define ENROLLD_DEFAULT_CHECK_INTERVAL 60

typedef enum enrolld_list_mode {
        ENROLLD_LIST_AUTO,
        ENROLLD_LIST_YES,
        ENROLLD_LIST_NO,
} enrolld_list_mode;

typedef struct enrolld_config {
        char *ca_url;     /* https://HOST[:PORT] */
        char *ca_root;    /* path of the PEM root bundle */
        /* Optional addresses of each role (NULL: [ca]). */
        char *attest_url, *attest_root;
        char *acme_directory, *acme_root;
        char *account_url, *account_root, *account_issuer, *account_provisioner;
        enrolld_list_mode account_list;
        bool device_rsa;  /* key_alg = rsa (default ecc) */
        sign_client_account accounts[ENROLLD_CONFIG_MAX_ACCOUNTS]; /* in file order */
        size_t n_accounts;
        double renew_at;
        uint64_t retry_min;      /* seconds, >= 1 */
        uint64_t retry_max;      /* seconds, >= retry_min */
        uint64_t check_interval; /* seconds, >= 1 */
        uint32_t posture_pcrs;   /* sha256 PCR mask of posture reports; 0: the default (0-7) */
} enrolld_config;

/* Parses len bytes. 0 and *ret (free with enrolld_config_free), or
 * -EINVAL (syntax, unknown section or key, duplicate, bad value, [ca] url
 * or root missing), -E2BIG (over ENROLLD_CONFIG_MAX_SIZE or
 * ENROLLD_CONFIG_MAX_ACCOUNTS), -EBADMSG (a NUL byte), -ENOMEM; then
 * *ret_error (if not NULL) is a malloc'ed one-line explanation naming the
 * line ("line 3: ..."). Pure. */
int enrolld_config_parse(const char *buf, size_t len, enrolld_config **ret, char **ret_error);

/* Whether the daemon asks the Account CA for its accounts: list = yes,
 * or auto without [account] sections. Pure. */
bool enrolld_config_uses_account_list(const enrolld_config *c);

/* The account named name, or NULL. */
const sign_client_account *enrolld_config_find_account(const enrolld_config *c, const char *name);

void enrolld_config_free(enrolld_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(enrolld_config *, enrolld_config_free);
