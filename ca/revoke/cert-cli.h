/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca cert ...`: the certificates table from the command line.
 */
#pragma once

/* Returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_cert(int argc, char **argv);
