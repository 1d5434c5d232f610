/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA's trust anchors, parsed once when the server starts and handed
 * to the services as ready stacks of certificates: the root (admin client
 * certificates, certificates this CA issued) and the bundles ca.conf names
 * for provisioners (an x5c provisioner's "roots", a device provisioner's
 * "attestation_roots"). Nothing reads or parses a certificate file per
 * request or per service. Read-only after load, so threads share it.
 */
#pragma once

#include <openssl/x509.h>

#include "certificates.h"
#include "config.h"
#include "issuer.h"
#include "macro.h"

#define CA_TRUST_FILE_MAX (256 * 1024)
#define CA_TRUST_MAX_CERTS 64

/* What a certificate path may end at (anchors, never empty) and what it
 * may pass through on the way (intermediates, possibly empty). For
 * x509_chain_verify() and x5c_token_verify_leaf(). */
typedef struct ca_anchors {
        STACK_OF(X509) *anchors;
        STACK_OF(X509) *intermediates;
} ca_anchors;

typedef struct ca_trust ca_trust;

/* Builds every set, from the certificates iss loaded and the files cfg
 * names (relative to dirfd, at most CA_TRUST_FILE_MAX bytes and
 * CA_TRUST_MAX_CERTS certificates each):
 *  - x5c provisioners: "roots" (default: the Agent CA); its self-signed
 *    certificates are anchors, the others intermediates; the root is
 *    always an anchor;
 *  - acme provisioners offering device-attest-01: "attestation_roots"
 *    (default: the root), every certificate of it an anchor.
 * Logs what is wrong; 0 or -errno. */
int ca_trust_load(int dirfd, const ca_config *cfg, const issuer *iss, ca_trust **ret);
void ca_trust_free(ca_trust *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(ca_trust *, ca_trust_free);

/* The root alone: what admin client certificates chain to. */
const ca_anchors *ca_trust_root(const ca_trust *t);
/* The root of k (issuer_ca_root()), through intermediate k: what a
 * certificate this CA issued from k chains to. NULL for an invalid k. */
const ca_anchors *ca_trust_issued_by(const ca_trust *t, ca_kind k);
/* The set of the provisioner of that name; NULL if it has none. */
const ca_anchors *ca_trust_provisioner(const ca_trust *t, const char *name);
