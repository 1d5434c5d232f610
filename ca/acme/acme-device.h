/* SPDX-License-Identifier: Apache-2.0 */
/*
 * finalize of a device provisioner's order (acme-device.c, protocols.md
 * section 2).
 */
#pragma once

#include <stdint.h>

#include "acme-context.h"

/* The CSR key must be the key attested for the order (else unauthorized),
 * a non-empty CN must be the identifier (else badCSR), and the device must
 * still be active (else unauthorized). On success *ret_device_id is the
 * inventory id and *ret_cn the CN to issue with (malloc'ed, NULL for
 * none). 0, -EPROTO with c->problem set, or -errno. */
int acme_device_csr_check(acme_ctx *c, const acme_order_row *o, X509_REQ *csr, const acme_identifier *ids,
                          size_t n_ids, int64_t *ret_device_id, char **ret_cn);
/* Inside finalize's transaction: holds the device's lock (devices_lock,
 * shared) and checks again that the device is active, so that a disable
 * racing with the issuance, at any instance, either refuses it or revokes
 * it. 0, -EPROTO with c->problem set, or -errno. */
int acme_device_hold_active(acme_ctx *c, int64_t device_id);
