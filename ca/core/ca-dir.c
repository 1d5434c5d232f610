/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening the CA directory and its database (ca-dir.h).
 */
#include <fcntl.h>

#include "audit.h"
#include "ca-dir.h"
#include "certificates.h"
#include "log.h"

int ca_dir_open(const char *dir, int *ret_fd) {
        int fd;

        if (!dir)
                return log_error_errno(-EINVAL, "--dir is required.");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the CA directory \"%s\": %m", dir);
        *ret_fd = fd;
        return 0;
}

int ca_store_open(const ca_config *cfg, const char *dir, store **ret) {
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_free_ char *url = NULL, *shown = NULL;
        int r;

        r = ca_config_database_url(cfg, dir, &url);
        if (r >= 0)
                r = store_url_for_log(url, &shown);
        if (r < 0)
                return log_oom();
        r = store_open(url, &st);
        if (r < 0)
                return log_error_errno(r, "Failed to open the database \"%s\": %m", shown);
        r = certificates_store_migrate(st);
        if (r >= 0)
                r = audit_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the database schema to \"%s\": %m", shown);
        *ret = TAKE_PTR(st);
        return 0;
}
