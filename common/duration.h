/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durations as the configuration files and the /1.0/sign API write them:
 * "90s", "15m", "24h", "30d", combined ("1h30m", "1d2h3m4s"), or a bare
 * number of seconds on its own ("90"). Pure.
 */
#pragma once

#include <stdint.h>

/* Parses s into seconds, at most max. -EINVAL for anything else: empty,
 * a unit without a number, an unknown unit, a bare number after a unit
 * ("5h30"), blanks, signs, or a total over max (overflow included). Zero
 * is accepted; callers that need a positive duration check for it. */
int duration_parse(const char *s, uint64_t max, uint64_t *ret);
