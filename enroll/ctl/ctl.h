/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl verbs. Each verb lives in its own file, takes the arguments
 * after the verb name (argv[0] is the verb) and returns 0 or -errno after
 * logging what failed (exit status 1), or a positive exit status of its
 * own, documented in deviceidctl(8), when callers need to tell failures
 * apart (attest, enroll, status).
 */
#pragma once

#include <errno.h>
#include <time.h>

int verb_identity(int argc, char *argv[]);
int verb_import(int argc, char *argv[]);
int verb_remove(int argc, char *argv[]);
int verb_keyring(int argc, char *argv[]);
int verb_attest(int argc, char *argv[]);
int verb_enroll(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
