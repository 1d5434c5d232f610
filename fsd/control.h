/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control socket of deviceid-fsd: the server side of the "reload"
 * protocol in keyring/keyring.h. A publisher connects (SOCK_SEQPACKET),
 * sends "reload" and waits for "ok" or "error REASON", which it gets once
 * the reload it asked for is done; "upgrade" is answered "ok" at once and
 * makes the server hand over to the installed binary (holder.h). Only
 * root and the daemon's own user are heard. This module keeps the socket
 * and its clients; the notifier thread (notify.c) polls them with its
 * other descriptors and decides when to reload.
 */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define FSD_CONTROL_MAX_CLIENTS 32
/* The most descriptors fsd_control_poll_fds() hands out. */
#define FSD_CONTROL_MAX_POLL_FDS (1 + FSD_CONTROL_MAX_CLIENTS)

typedef struct fsd_control fsd_control;

/* Listens on path (its directory is made 0700 if missing; an old socket
 * is replaced; the new one is 0600). Logs what fails. */
int fsd_control_open(const char *path, fsd_control **ret);
/* Closes every client and the socket, and removes path (if not NULL).
 * Accepts NULL; returns NULL. */
fsd_control *fsd_control_close(fsd_control *c, const char *path);

/* Drops clients silent for too long, then fills pfd (room for
 * FSD_CONTROL_MAX_POLL_FDS) with the listening socket and every client
 * that has not asked yet. Returns how many; lowers *timeout_ms so that
 * the next idle client is dropped in time. */
size_t fsd_control_poll_fds(fsd_control *c, int64_t now_ms, struct pollfd *pfd, int64_t *timeout_ms);
/* Acts on what poll() reported for the n descriptors of the last
 * fsd_control_poll_fds(): accepts new clients (the oldest silent one
 * makes room when all slots are taken), reads requests, refuses unknown
 * ones and strangers. */
void fsd_control_process(fsd_control *c, const struct pollfd *pfd, size_t n, int64_t now_ms);
/* Whether some client asked for a reload that is not answered yet. */
bool fsd_control_reload_asked(const fsd_control *c);
/* Answers msg to every client that asked for a reload, and closes it. */
void fsd_control_answer_asked(fsd_control *c, const char *msg);
/* Answers msg (if not NULL) to every client, and closes it. */
void fsd_control_hang_up(fsd_control *c, const char *msg);

/* The file next to the control socket that holds the PID of the process
 * serving the mount ("server.pid"); malloc'ed, NULL on OOM. */
char *fsd_server_pid_path(const char *socket_path);

/* Whether a client asked for an upgrade ("upgrade", answered "ok" at
 * once) since the last call. */
bool fsd_control_take_upgrade(fsd_control *c);
