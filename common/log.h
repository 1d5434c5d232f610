/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for every deviceid program. Lines go to stderr with a "<N>"
 * syslog priority prefix so journald files them at the right level when a
 * unit runs us; on a terminal the prefix is left out.
 *
 * House rule: log once, where the decision is made. Library code logs at
 * debug at most and returns -errno; the caller that decides logs with
 * log_*_errno(), which returns the negative error so the call can be the
 * return statement: `return log_error_errno(r, "Failed to open \"%s\": %m", p);`
 * The %m conversion prints strerror() of the given error, not of errno.
 */
#pragma once

#include <syslog.h>

#include "macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
/* Parses "debug", "info", ... or a number 0-7; returns the level or -EINVAL. */
int log_level_from_string(const char *s);
/* Reads DEVICEID_LOG_LEVEL from the environment, if set. */
void log_parse_environment(void);

/* Writes one line if level <= max level. Returns -abs(error), or 0 if error
 * is 0, so it can be returned directly. Preserves errno. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* Out of memory: logs and returns -ENOMEM. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
