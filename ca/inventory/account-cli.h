/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca account add|edit|list|show|remove`: the accounts of the CA
 * (accounts.h) from the command line, on the database directly, as the
 * device command does.
 */
#pragma once

/* Returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_account(int argc, char **argv);
