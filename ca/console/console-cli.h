/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's commands: `deviceid-ca admin login-link` (admin-cli.c)
 * and `deviceid-ca audit list` (audit-cli.c).
 */
#pragma once

/* Each returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_admin(int argc, char **argv);
int cmd_audit(int argc, char **argv);
