/* SPDX-License-Identifier: Apache-2.0 */
/* deviceidctl import/remove/keyring: placeholder until the keyring agent lands. */
#include "enroll/ctl.h"
#include "log.h"

int verb_import(int argc, char *argv[]) {
        return log_error_errno(EOPNOTSUPP, "\"import\" is not built yet.");
}

int verb_remove(int argc, char *argv[]) {
        return log_error_errno(EOPNOTSUPP, "\"remove\" is not built yet.");
}

int verb_keyring(int argc, char *argv[]) {
        return log_error_errno(EOPNOTSUPP, "\"keyring\" is not built yet.");
}
