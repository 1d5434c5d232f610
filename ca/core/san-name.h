/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a requested certificate name is: an IP address, an email address,
 * a URI or a DNS name, told apart by its shape. Shared by the Account
 * CA's token parser (ca/sign/x5c-token.c) and the account templates of the
 * inventory (ca/inventory/account-template.c), which must agree on it.
 * Pure.
 */
#pragma once

#include <stdbool.h>

#include "x509.h"

#define CA_SAN_NAME_MAX 253 /* bytes */

/* True if every byte is printable ASCII other than space (0x21..0x7e). */
bool ca_printable_ascii(const char *s);

/* Classifies name (1..CA_SAN_NAME_MAX printable ASCII bytes): an IPv4 or
 * IPv6 literal is X509_SAN_IP; "local@domain" without ':' an email; a
 * "scheme:rest" a URI; else it must be a DNS name (labels of letters,
 * digits, '-' and '_', at most 63 bytes each, an optional leading "*.").
 * 0 and *ret, or -EINVAL. */
int ca_san_classify(const char *name, x509_san_type *ret);
