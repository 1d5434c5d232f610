/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure parser of a DNS response (RFC 1035 section 4) for dns-01: the TXT
 * records of the answer section. Bounded: at most DNS_TXT_MAX_RECORDS
 * records, names walked with a hop limit, every read checked against
 * the message length.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DNS_TXT_MAX_RECORDS 64
#define DNS_TXT_MAX_LEN 4096

/* Fills *ret with a NULL-terminated array of malloc'ed TXT values (the
 * character-strings of one record concatenated), possibly empty.
 * Returns 0, -EBADMSG for a malformed message, or -ENOMEM. */
int dns_txt_parse(const uint8_t *msg, size_t len, char ***ret);
void dns_txt_free(char **v);
