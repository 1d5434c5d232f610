/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The holder: the long-lived process of deviceid-fsd that owns the FUSE
 * connection but serves nothing. It mounts (or, restarted by systemd,
 * gets the connection back from the service manager's file descriptor
 * store), keeps the /dev/fuse descriptor, the daemon's read-write view of
 * the mount and the takeover state (takeover.h), and runs the server as a
 * child ("deviceid-fsd --server", which inherits them). When the server
 * dies it starts a new one on the same connection; on SIGUSR2 (or the
 * control socket's "upgrade") it has the running server hand over and
 * starts the binary now installed. SIGTERM/SIGINT stop the server and
 * unmount (with --fd-store: leave the mount to the next instance).
 */
#pragma once

#include <stdbool.h>

/* The descriptors a server finds at start (holder -> server). */
#define FSD_SERVER_FUSE_FD 3  /* /dev/fuse, the connection */
#define FSD_SERVER_VIEW_FD 4  /* O_PATH, the FUSE mount root under the read-only cover */
#define FSD_SERVER_STATE_FD 5 /* memfd, the saved FUSE_INIT */
#define FSD_SERVER_READY_FD 6 /* pipe: "R" serving, "N" serving but no takeover possible */

typedef struct fsd_holder_params {
        const char *config;   /* NULL: the default */
        const char *mountpoint;
        const char *socket_path;
        bool fd_store;        /* push the connection to the service manager, keep the mount on SIGTERM */
        int ready_fd;         /* daemonizing parent: one byte once serving; or -1 */
} fsd_holder_params;

/* Runs the holder until SIGTERM/SIGINT or an unrecoverable server
 * failure. Returns 0, -errno (logged), or the exit status of a first
 * server that exited before serving (it logged why; 78 for a refused
 * configuration), for the holder to exit with. */
int fsd_holder_run(const fsd_holder_params *p);
