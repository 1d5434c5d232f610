/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deviceid-ca commands of the program itself (init.c, serve.c); the
 * device command is the inventory's (ca/inventory/device-cli.h).
 */
#pragma once

/* Each returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
