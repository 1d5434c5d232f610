/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the list endpoints and commands (devices,
 * certificates, audit): a portable SQL LIKE pattern for "contains" search
 * and the parsing of paging parameters. Pure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define QUERY_SEARCH_MAX 256 /* bytes of a search string */

/* "%" + s with %, _ and \ escaped by \ + "%", lower-cased (ASCII), for
 * `LOWER(col) LIKE ? ESCAPE '\'`. -EINVAL if s is longer than
 * QUERY_SEARCH_MAX or holds control characters; -ENOMEM. */
int query_like_contains(const char *s, char **ret);

/* A decimal count from a query string: NULL gives def; digits only, at
 * most max. 0 or -EINVAL. */
int query_parse_count(const char *s, uint64_t def, uint64_t max, uint64_t *ret);
