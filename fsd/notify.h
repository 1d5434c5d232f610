/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The notifier thread of deviceid-fsd: it serves the control socket
 * (control.h), takes the signals, polls the keyring as a fallback and to
 * notice expiry, and runs each reload (reload.h), whose name changes are
 * VFS calls on the daemon's private read-write view of the mount. It is
 * not a FUSE worker, so its own filesystem calls are served by the
 * workers instead of deadlocking.
 */
#pragma once

#include <pthread.h>

#include "fsd/config.h"
#include "fsd/fsd.h"

typedef struct fsd_notifier fsd_notifier;

typedef struct fsd_notifier_params {
        fsd_ctx *ctx;
        const fsd_config *cfg;
        const char *mountpoint;
        const char *socket_path;
        pthread_t main_thread; /* runs the session loop; woken with SIGUSR1 to end it */
        int rw_fd;             /* the read-write view of the mount (taken over) */
        int ready_fd;          /* the holder's pipe: ready_byte once serving, then STATUS= lines; or -1 */
        char ready_byte;
        bool took_over;        /* the connection was served before: the kernel's caches may be stale */
} fsd_notifier_params;

/* Starts the thread. It opens the control socket, reloads (after a
 * takeover it first invalidates every name the kernel may hold), writes
 * server.pid, reports readiness (ready_fd, $NOTIFY_SOCKET) and then
 * serves until SIGTERM/SIGINT (which it takes through a signalfd: block
 * them before starting any thread) or until fsd_notifier_stop(). A
 * SIGTERM from the holder (the parent) ends the session loop: the holder
 * stops or upgrades. One from anyone else is passed to the holder, which
 * stops everything. "upgrade" on the control socket sends the holder
 * SIGUSR2. On a fatal error it ends the session loop itself. */
int fsd_notifier_start(const fsd_notifier_params *p, fsd_notifier **ret);

/* Called by the main thread once the session loop returned: stops and
 * joins the thread. Returns the thread's setup result (0 or -errno). */
int fsd_notifier_stop(fsd_notifier *n);
