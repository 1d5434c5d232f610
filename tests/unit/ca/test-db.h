/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The database of the unit tests that exercise the CA's storage: the store
 * URL in DEVICEID_TEST_DATABASE when it is set, else a SQLite file in the
 * test's own directory. make check runs them on SQLite;
 * tests/integration/test_ca_store.py runs them again on a fresh
 * PostgreSQL database each, so one suite covers both backends.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#define TEST_DB_ENV "DEVICEID_TEST_DATABASE"

/* Writes the URL into buf; returns true for PostgreSQL. */
static inline bool test_db_url(const char *dir, char *buf, size_t size) {
        const char *env = getenv(TEST_DB_ENV);

        if (env && *env) {
                snprintf(buf, size, "%s", env);
                return strncmp(env, "postgres", 8) == 0;
        }
        snprintf(buf, size, "sqlite:%s/test.db", dir);
        return false;
}
