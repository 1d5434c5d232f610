/* SPDX-License-Identifier: Apache-2.0 */
/* deviceidctl identity: placeholder until the TPM layer lands. */
#include "ctl.h"
#include "log.h"

int verb_identity(int argc, char *argv[]) {
        return log_error_errno(EOPNOTSUPP, "\"identity\" is not built yet.");
}
