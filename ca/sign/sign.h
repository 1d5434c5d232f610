/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Account CA (protocols.md section 3): account certificates for
 * devices that prove themselves with an X5C one-time token signed by
 * their device certificate's key (POST /1.0/sign), and renewal of an
 * account certificate by its holder over mTLS (POST /1.0/renew).
 *
 * sign_ca is the logic without HTTP. A refusal is a decision reported as
 * an HTTP status and a message for the client (sign_refusal); any other
 * failure is an internal error (-errno). Refusals are not logged here:
 * the HTTP shell (sign-api.c) logs each outcome once.
 *
 * A token's "iss" names a [provisioner] of ca.conf, or else an account of
 * the inventory: then the account decides subject, SANs and lifetime
 * (sign-account.h) and the token and CSR may ask for nothing else (400).
 *
 * Issued certificates: Account CA, subject CN = the token's "sub", SANs =
 * the token's "sans" (default [sub]), or the account's; the CSR contributes only its key
 * (its own names are ignored, as step-ca's x5c provisioner does); KU
 * digitalSignature (+keyEncipherment for RSA keys), EKU clientAuth only
 * (the device chooses the names, so a serverAuth certificate would let it
 * impersonate any server); linked to the device, so that disabling or
 * removing the device revokes them.
 */
#pragma once

#include <stdint.h>
#include <time.h>

#include "ca/core/config.h"
#include "ca/core/issuer.h"
#include "ca/core/refusal.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"
#include "json.h"

#define ACCOUNTS_PATH "/1.0/accounts"

/* status: 400, 401, 403, 503 */
typedef ca_refusal sign_refusal;

typedef struct sign_ca sign_ca;

/* Sets up every x5c provisioner of cfg: its roots (from trust, which
 * parsed ca.conf's "roots" bundle; see ca_trust_load()) and its accepted
 * audiences: "https://NAME/1.0/sign#x5c/PROV" and
 * "https://NAME:PORT/1.0/sign#x5c/PROV" for every [server] dns_names NAME,
 * PORT being the listen port. Borrowed st, iss, trust and cfg must
 * outlive the result. The [posture] policies of cfg are read here
 * (pcr_file relative to dirfd). Logs what is wrong. 0 (also when there is no x5c
 * provisioner: then every token is refused) or -errno. */
int sign_ca_new(store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg, int dirfd, sign_ca **ret);
void sign_ca_free(sign_ca *ca);
DEFINE_TRIVIAL_CLEANUP_FUNC(sign_ca *, sign_ca_free);

/* What was issued, for the response and the log. */
typedef struct sign_result {
        issued_cert cert;
        char *provisioner;   /* x5c provisioner, NULL on renewal */
        char *subject;       /* the CN */
        char *device_ek_uri;
        int64_t device_id;
} sign_result;
void sign_result_done(sign_result *r);

/* POST /1.0/sign with body (len bytes) at now. Checks in order: the body
 * (400), the token's shape (401), its provisioner (iss), signature,
 * audience and times (401), its leaf as a device certificate of the
 * provisioner roots (401), the CSR (400), the cnf binding (401), the
 * leaf in the certificate store: issued by the Agent CA of this
 * deviceid-ca with the same DER and linked to a device (401), the device
 * known and active (403), the leaf not revoked (401) and naming the
 * device's EK URI (401), the validity asked for (400; 401 if the device
 * certificate expires within 5 minutes). Then, in one
 * transaction: the jti is recorded (a used one: 401), the device is
 * checked again and the certificate issued. 0 and *ret (free with
 * sign_result_done); -EPERM when refused with ret_refusal->status set
 * (0 after any other outcome); other -errno on internal errors (-EBUSY:
 * database busy). */
int sign_ca_sign(sign_ca *ca, const char *body, size_t len, time_t now, sign_result *ret,
                 sign_refusal *ret_refusal);

/* GET /1.0/accounts (docs/accounts.md): authorization is the request's
 * Authorization header, "Bearer " and an X5C token signed by the device
 * key with iss "accounts", aud "https://NAME[:PORT]/1.0/accounts", sub the
 * device's EK URI and a single-use jti; its leaf checked as for
 * /1.0/sign. 0 and *ret, the list (sign_account_list()); -EPERM with
 * *ret_refusal (401, 403); -errno. */
int sign_ca_accounts(sign_ca *ca, const char *authorization, time_t now, json_object **ret,
                     sign_refusal *ret_refusal);

/* POST /1.0/renew: client_chain is the TLS client's chain (leaf first;
 * NULL: none, 401). The leaf must chain to root.pem through the Account
 * CA, be in the store as an Account CA certificate with the same DER and
 * a device link (401); the device must be active (403); the certificate
 * unrevoked (401); and the device must hold an unrevoked, unexpired device certificate (Agent CA, same
 * device) valid for at least 5 more minutes (401). The new certificate
 * has the same key, subject and SANs, notBefore now - 60 s, and lives
 * lifetime_account, clamped to the latest such device certificate's
 * notAfter. Returns as sign_ca_sign(). */
int sign_ca_renew(sign_ca *ca, STACK_OF(X509) *client_chain, time_t now, sign_result *ret,
                  sign_refusal *ret_refusal);

/* Schema of the used-token table (store module "x5c"). */
int sign_store_migrate(store *st);
