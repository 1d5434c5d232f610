/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca device ...`: the inventory from the command line
 * (device-cli.c).
 */
#pragma once

/* Returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_device(int argc, char **argv);
