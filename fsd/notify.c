/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The notifier thread (contract in notify.h): one poll loop over the
 * stop request from main, the signals, the control socket (control.c)
 * and the periodic keyring poll; it reloads (reload.c) when a publisher
 * asks, on SIGHUP, and at each poll, and tells the service manager what
 * it serves (STATUS=; readiness is the holder's, holder.h).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fsd/control.h"
#include "fsd/notify.h"
#include "fsd/reload.h"
#include "log.h"
#include "time-util.h"

struct fsd_notifier {
        fsd_notifier_params p;
        pthread_t thread;
        int stop_fd;   /* eventfd: main asks us to end */
        int signal_fd; /* SIGTERM, SIGINT, SIGHUP */
        fsd_control *control;
        int rw_fd;
        atomic_bool main_done;
        int setup_result;
};

/* Minimal sd_notify(): one datagram to $NOTIFY_SOCKET, if set. */
static void notify_socket(const char *msg) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        socklen_t salen;
        size_t len;

        if (!path || (path[0] != '/' && path[0] != '@') || (len = strlen(path)) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, path, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) < 0)
                log_debug_errno(errno, "Notifying the service manager failed, ignoring: %m");
}

/* Under a holder, through its pipe (one line per message; the holder
 * passes it on, so that the unit needs no NotifyAccess=all); else to the
 * service manager directly. Never blocks: a full pipe drops the line. */
static void notify_systemd(fsd_notifier *n, const char *msg) {
        char line[600];
        int len;

        if (n->p.ready_fd < 0) {
                notify_socket(msg);
                return;
        }
        len = snprintf(line, sizeof(line), "%s\n", msg);
        if (len > 0 && (size_t) len < sizeof(line) && write(n->p.ready_fd, line, (size_t) len) < 0)
                log_debug_errno(errno, "Passing \"%s\" to the holder failed, ignoring: %m", msg);
}

/* STATUS= for systemctl status: what is served, and the last problem. */
static void notify_status(fsd_notifier *n, const char *problem) {
        char msg[512];
        size_t files;

        pthread_rwlock_rdlock(&n->p.ctx->lock);
        files = n->p.ctx->fs.n_current;
        pthread_rwlock_unlock(&n->p.ctx->lock);
        snprintf(msg, sizeof(msg), "STATUS=Serving %zu file%s under %s%s%s", files, files == 1 ? "" : "s",
                 n->p.mountpoint, problem ? "; " : "", problem ? problem : "");
        notify_systemd(n, msg);
}

/* After a takeover: the kernel may hold names the predecessor changed
 * without telling it (killed mid-reload, or a renewal while no server
 * ran). Dropping every name from its dentry cache makes the next open
 * look it up again; inode numbers that did not change stay valid. */
static void invalidate_names(fsd_notifier *n) {
        fsd_ctx *ctx = n->p.ctx;
        char (*names)[FSD_NAME_MAX + 1] = NULL;
        size_t k = 0;

        pthread_rwlock_rdlock(&ctx->lock);
        names = calloc(ctx->fs.n_current + 1, sizeof(*names));
        for (size_t i = 0; names && i < ctx->fs.n_current; i++)
                strcpy(names[k++], ctx->fs.current[i]->name);
        pthread_rwlock_unlock(&ctx->lock);
        for (size_t i = 0; i < k; i++) {
                int r = fuse_lowlevel_notify_inval_entry(ctx->se, FSD_ROOT_INO, names[i], strlen(names[i]));

                if (r < 0 && r != -ENOENT)
                        log_debug_errno(r, "Invalidating \"%s\" failed, ignoring: %m", names[i]);
        }
        (void) fuse_lowlevel_notify_inval_inode(ctx->se, FSD_ROOT_INO, 0, 0);
        free(names);
}

static void write_pid_file(fsd_notifier *n) {
        _cleanup_free_ char *path = fsd_server_pid_path(n->p.socket_path), *tmp = NULL;
        _cleanup_close_ int fd = -1;
        char buf[32];
        int len;

        if (!path || asprintf(&tmp, "%s.tmp", path) < 0)
                return;
        len = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || write(fd, buf, (size_t) len) != len || rename(tmp, path) < 0)
                log_warning_errno(errno, "Failed to write \"%s\", ignoring: %m", path);
}

static int setup(fsd_notifier *n) {
        int r;

        r = fsd_control_open(n->p.socket_path, &n->control);
        if (r < 0)
                return r;
        if (n->p.took_over)
                invalidate_names(n);
        /* The table may have changed between the initial load and now. */
        (void) fsd_reload(n->p.ctx, n->p.cfg, n->rw_fd, true, NULL);
        return 0;
}

/* Ends the session loop in the main thread: it sleeps in sem_wait(),
 * which a signal interrupts. Repeated because the first one may come
 * before it sleeps. */
static void end_session_loop(fsd_notifier *n) {
        fuse_session_exit(n->p.ctx->se);
        while (!atomic_load(&n->main_done)) {
                pthread_kill(n->p.main_thread, SIGUSR1);
                (void) poll(NULL, 0, 20);
        }
}

/* A reload a publisher asked for (or SIGHUP): logged, and answered. */
static void reload_asked(fsd_notifier *n) {
        _cleanup_free_ char *err = NULL;
        _cleanup_free_ char *answer = NULL;
        int r = fsd_reload(n->p.ctx, n->p.cfg, n->rw_fd, true, &err);

        if (r < 0)
                log_warning_errno(r, "Reload failed: %s", err ? err : "(no details)");
        else if (r > 0)
                log_info("Reloaded: %d name(s) changed.", r);
        if (r != 0)
                notify_status(n, r < 0 ? "the last reload failed" : NULL);
        if (r < 0 && asprintf(&answer, "error %s", err ? err : strerror(-r)) < 0)
                answer = NULL;
        fsd_control_answer_asked(n->control, r >= 0 ? "ok" : answer ? answer : "error");
}

/* The periodic reload: the fallback for a publisher that did not notify,
 * and expiry. A failure is logged when it changes. */
static void reload_periodic(fsd_notifier *n, int *last_error) {
        _cleanup_free_ char *err = NULL;
        int r = fsd_reload(n->p.ctx, n->p.cfg, n->rw_fd, true, &err);

        if (r < 0 && r != *last_error) {
                log_warning_errno(r, "Periodic reload failed, keeping the current files: %s",
                                  err ? err : "(no details)");
                notify_status(n, "the last reload failed");
        } else if (r > 0) {
                log_info("Periodic reload: %d name(s) changed.", r);
                notify_status(n, NULL);
        }
        *last_error = r < 0 ? r : 0;
}

/* Reads one signal: true if it asks us to end (SIGTERM, SIGINT from the
 * holder), false for SIGHUP (*reload set), nothing, or a stop request
 * from elsewhere (passed to the holder, which stops us in turn). */
static bool read_signal(fsd_notifier *n, bool *reload) {
        struct signalfd_siginfo si;

        if (read(n->signal_fd, &si, sizeof(si)) != sizeof(si))
                return false;
        if (si.ssi_signo == SIGHUP) {
                *reload = true;
                return false;
        }
        if ((pid_t) si.ssi_pid != getppid()) {
                log_info("Received signal %u, asking the holder to stop.", si.ssi_signo);
                (void) kill(getppid(), SIGTERM);
                return false;
        }
        log_info("Received signal %u from the holder, leaving the connection to it.", si.ssi_signo);
        return true;
}

static void serve(fsd_notifier *n) {
        int64_t interval = (int64_t) n->p.cfg->poll_interval_sec * 1000;
        int64_t next_poll = (int64_t) now_monotonic_ms() + interval;
        int last_poll_error = 0;

        for (;;) {
                struct pollfd pfd[2 + FSD_CONTROL_MAX_POLL_FDS];
                int64_t now = (int64_t) now_monotonic_ms(), left = next_poll - now;
                bool reload = false;
                size_t nc;
                int k;

                pfd[0] = (struct pollfd) { .fd = n->stop_fd, .events = POLLIN };
                pfd[1] = (struct pollfd) { .fd = n->signal_fd, .events = POLLIN };
                nc = fsd_control_poll_fds(n->control, now, pfd + 2, &left);
                k = poll(pfd, 2 + nc, left < 0 ? 0 : (int) left);
                if (k < 0 && errno != EINTR) {
                        log_error_errno(errno, "poll() failed in the notifier: %m");
                        break;
                }
                if (k > 0 && pfd[0].revents)
                        break;
                if (k > 0 && pfd[1].revents && read_signal(n, &reload)) {
                        fsd_control_hang_up(n->control, "error shutting down");
                        end_session_loop(n);
                        return;
                }
                if (k > 0)
                        fsd_control_process(n->control, pfd + 2, nc, (int64_t) now_monotonic_ms());
                if (fsd_control_take_upgrade(n->control)) {
                        log_info("Upgrade asked on the control socket: telling the holder.");
                        (void) kill(getppid(), SIGUSR2);
                }

                if (reload || fsd_control_reload_asked(n->control)) {
                        reload_asked(n);
                        next_poll = (int64_t) now_monotonic_ms() + interval;
                } else if ((int64_t) now_monotonic_ms() >= next_poll) {
                        reload_periodic(n, &last_poll_error);
                        next_poll = (int64_t) now_monotonic_ms() + interval;
                }
        }
        fsd_control_hang_up(n->control, NULL);
}

static void *notifier_main(void *userdata) {
        fsd_notifier *n = userdata;
        sigset_t ss;

        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &ss, NULL);
        atomic_store(&n->p.ctx->notifier_tid, (int) gettid());

        n->setup_result = setup(n);
        if (n->setup_result < 0) {
                end_session_loop(n);
                return NULL;
        }
        if (n->p.ready_fd >= 0) {
                (void) fcntl(n->p.ready_fd, F_SETFL, O_NONBLOCK);
                if (write(n->p.ready_fd, &n->p.ready_byte, 1) < 0)
                        log_debug_errno(errno, "Telling the holder we serve failed, ignoring: %m");
        }
        /* After the holder knows: whoever reads it may signal the holder. */
        write_pid_file(n);
        notify_status(n, NULL);
        log_info("Serving \"%s\"; control socket \"%s\".", n->p.mountpoint, n->p.socket_path);
        serve(n);
        return NULL;
}

static void notifier_free(fsd_notifier *n) {
        if (!n)
                return;
        safe_close(n->stop_fd);
        safe_close(n->signal_fd);
        safe_close(n->p.ready_fd);
        fsd_control_close(n->control, NULL);
        safe_close(n->rw_fd);
        free(n);
}

int fsd_notifier_start(const fsd_notifier_params *p, fsd_notifier **ret) {
        fsd_notifier *n = calloc(1, sizeof(*n));
        sigset_t ss;
        int r;

        if (!n)
                return log_oom();
        n->p = *p;
        n->rw_fd = p->rw_fd;
        n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        n->signal_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
        if (n->stop_fd < 0 || n->signal_fd < 0) {
                r = log_error_errno(errno, "Failed to create the notifier's descriptors: %m");
                notifier_free(n);
                return r;
        }
        r = pthread_create(&n->thread, NULL, notifier_main, n);
        if (r != 0) {
                notifier_free(n);
                return log_error_errno(r, "Failed to start the notifier thread: %m");
        }
        *ret = n;
        return 0;
}

int fsd_notifier_stop(fsd_notifier *n) {
        uint64_t one = 1;
        int r;

        if (!n)
                return 0;
        atomic_store(&n->main_done, true);
        if (write(n->stop_fd, &one, sizeof(one)) < 0)
                log_debug_errno(errno, "Waking the notifier failed, ignoring: %m");
        pthread_join(n->thread, NULL);
        r = n->setup_result;
        n->rw_fd = safe_close(n->rw_fd);
        n->control = fsd_control_close(n->control, n->p.socket_path);
        notifier_free(n);
        return r;
}
