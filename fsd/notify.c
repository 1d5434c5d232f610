/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The notifier thread (contract in notify.h). Order of a reload that
 * changes something, chosen so that nobody who reacts to an event can
 * still see old bytes, and an open descriptor keeps its generation:
 *   1. read the keyring, build the new file list (pure);
 *   2. stage each new generation as an inode not yet reachable by its
 *      name (the old ones stay current and readable);
 *   3. for each changed name, keys first and status.json last, make a
 *      real VFS call on the daemon's read-write view of the mount: a new
 *      name is mknodat(), a replaced one renameat() of the staged
 *      inode's temporary name over it, a removed one unlinkat(). The
 *      FUSE worker serving the call commits that one change to the
 *      table, and the kernel updates its caches and raises the inotify
 *      events a real filesystem raises (IN_CREATE, IN_MOVED_FROM/TO,
 *      IN_DELETE for the directory; IN_ATTRIB and IN_DELETE_SELF for the
 *      replaced or removed file). Should a call fail, the change is made
 *      in the table and the kernel told by invalidation and a touch;
 *   4. answer "ok" to whoever asked.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "fsd/mount.h"
#include "fsd/notify.h"
#include "log.h"
#include "time-util.h"

#define MAX_CLIENTS 32
#define MAX_REQUEST 64
#define REVOKED_RETRIES 3
/* A client that connects and says nothing loses its slot after this. */
#define CLIENT_IDLE_MS 5000

struct fsd_notifier {
        fsd_notifier_params p;
        pthread_t thread;
        int stop_fd;   /* eventfd: main asks us to end */
        int signal_fd; /* SIGTERM, SIGINT, SIGHUP */
        int listen_fd;
        int rw_fd;
        bool covered;
        atomic_bool main_done;
        int setup_result;
};

static void entries_free(keyring_entry **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                keyring_entry_free(v[i]);
        free(v);
}

/* All current entries; a missing keyring is an empty one. */
static int read_keyring(keyring_entry ***ret, size_t *ret_n, char **ret_error) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        keyring_entry **v = NULL;
        size_t n = 0, cap;
        int r;

        r = keyring_open(false, &k);
        if (r == -ENOKEY) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0) {
                if (asprintf(ret_error, "cannot open the keyring: %s", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = keyring_list(k, &names);
        if (r < 0) {
                if (asprintf(ret_error, "cannot list keyring \"%s\": %s", keyring_get_name(k), strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        for (cap = 0; names[cap]; cap++)
                ;
        v = calloc(cap + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; names[i]; i++) {
                keyring_entry *e = NULL;

                r = keyring_get(k, names[i], &e);
                /* Revoked under us: a publish replaced it between list and get. */
                for (unsigned t = 0; r == -EKEYREVOKED && t < REVOKED_RETRIES; t++)
                        r = keyring_get(k, names[i], &e);
                if (r == -ENOENT)
                        continue; /* removed or expired meanwhile */
                if (r < 0) {
                        if (asprintf(ret_error, "cannot read entry \"%s\": %s", names[i], strerror(-r)) < 0)
                                *ret_error = NULL;
                        entries_free(v, n);
                        return r;
                }
                v[n++] = e;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void touch_at(int dirfd, const char *name, int flags) {
        int r = utimensat(dirfd, name, NULL, flags);

        if (r < 0 && errno == EINVAL && (flags & AT_EMPTY_PATH)) {
                /* Kernels before 5.8 lack AT_EMPTY_PATH here: go through
                 * the descriptor's /proc link instead. */
                char p[64];

                snprintf(p, sizeof(p), "/proc/self/fd/%d", dirfd);
                r = utimensat(AT_FDCWD, p, NULL, 0);
        }
        if (r < 0)
                log_debug_errno(errno, "Touching \"%s\" failed, ignoring: %m", *name ? name : ".");
}

/* Keys and bundles change before the certificate they go with, and
 * status.json last: whoever reacts to a certificate's event finds the
 * matching key already in place. */
static int change_rank(const char *name) {
        size_t n = strlen(name);

        if (streq(name, FSD_STATUS_NAME))
                return 2;
        if ((n > 8 && streq(name + n - 8, ".key.pem")) || (n > 11 && streq(name + n - 11, ".bundle.pem")))
                return 0;
        return 1;
}

static int change_cmp(const void *a, const void *b) {
        const fsd_change *x = a, *y = b;
        int rx = change_rank(x->name), ry = change_rank(y->name);

        return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

static int spec_name_cmp(const void *key, const void *elem) {
        return strcmp(key, ((const fsd_spec *) elem)->name);
}

/* specs are sorted by name. */
static fsd_spec *specs_find(fsd_specs *specs, const char *name) {
        return specs->n ? bsearch(name, specs->v, specs->n, sizeof(*specs->v), spec_name_cmp) : NULL;
}

/* One name change as a real VFS call on the read-write view, which a FUSE
 * worker serves by committing what was staged (ops.c): the kernel raises
 * the inotify events of a real filesystem. */
static int change_name(int rw_fd, const fsd_change *c) {
        char tmp[FSD_NAME_MAX + sizeof(FSD_STAGE_PREFIX FSD_STAGE_SUFFIX)];

        if (!c->old_ino)
                return mknodat(rw_fd, c->name, S_IFREG | 0400, 0) < 0 ? negative_errno() : 0;
        if (!c->new_ino)
                return unlinkat(rw_fd, c->name, 0) < 0 ? negative_errno() : 0;
        snprintf(tmp, sizeof(tmp), "%s%s%s", FSD_STAGE_PREFIX, c->name, FSD_STAGE_SUFFIX);
        return renameat(rw_fd, tmp, rw_fd, c->name) < 0 ? negative_errno() : 0;
}

/* When a VFS call failed: make the change in the table directly and tell
 * the kernel by invalidation (watchers of the old file get IN_DELETE_SELF)
 * plus a touch of the name and the directory (IN_ATTRIB); watchers waiting
 * for the name to appear see only the directory's IN_ATTRIB. */
static void change_fallback(fsd_ctx *ctx, int rw_fd, const fsd_change *c, struct timespec now) {
        size_t len = strlen(c->name);
        int r = -ENOENT;

        pthread_rwlock_wrlock(&ctx->lock);
        if (c->new_ino)
                (void) fsd_fs_commit(&ctx->fs, c->name, now, false, NULL);
        else
                (void) fsd_fs_unlink(&ctx->fs, c->name, now);
        pthread_rwlock_unlock(&ctx->lock);

        if (c->old_ino)
                r = fuse_lowlevel_notify_delete(ctx->se, FSD_ROOT_INO, c->old_ino, c->name, len);
        if (r < 0) {
                r = fuse_lowlevel_notify_inval_entry(ctx->se, FSD_ROOT_INO, c->name, len);
                if (r < 0 && r != -ENOENT)
                        log_debug_errno(r, "Invalidating \"%s\" failed, ignoring: %m", c->name);
        }
        (void) fuse_lowlevel_notify_inval_inode(ctx->se, FSD_ROOT_INO, 0, 0);
        if (c->new_ino)
                touch_at(rw_fd, c->name, AT_SYMLINK_NOFOLLOW);
        touch_at(rw_fd, "", AT_EMPTY_PATH);
}

int fsd_reload(fsd_ctx *ctx, const fsd_config *cfg, int rw_fd, bool notify, char **ret_error) {
        _cleanup_(fsd_specs_done) fsd_specs specs = {};
        _cleanup_free_ fsd_change *plan = NULL, *ch = NULL;
        _cleanup_free_ char *err = NULL;
        keyring_entry **entries = NULL;
        size_t n_entries = 0, n_plan = 0, n_ch = 0;
        struct timespec now;
        int r;

        r = read_keyring(&entries, &n_entries, &err);
        if (r < 0)
                goto fail;
        r = fsd_specs_build((const keyring_entry *const *) entries, n_entries, cfg, &specs);
        entries_free(entries, n_entries); /* erases the key copies */
        if (r < 0) {
                if (asprintf(&err, "cannot build the file list: %s", strerror(-r)) < 0)
                        err = NULL;
                goto fail;
        }

        clock_gettime(CLOCK_REALTIME, &now);
        if (!notify) {
                /* Not mounted yet: nobody to tell, swap the whole table. */
                pthread_rwlock_wrlock(&ctx->lock);
                r = fsd_fs_apply(&ctx->fs, &specs, now, &ch, &n_ch);
                pthread_rwlock_unlock(&ctx->lock);
                if (r < 0)
                        goto fail;
                return (int) n_ch;
        }

        pthread_rwlock_wrlock(&ctx->lock);
        r = fsd_fs_plan(&ctx->fs, &specs, &plan, &n_plan);
        for (size_t i = 0; r >= 0 && i < n_plan; i++)
                if (plan[i].new_ino) {
                        fsd_spec *sp = specs_find(&specs, plan[i].name);

                        r = sp ? fsd_fs_stage(&ctx->fs, sp, &plan[i].new_ino) : -EINVAL;
                }
        if (r < 0)
                fsd_fs_unstage_all(&ctx->fs);
        pthread_rwlock_unlock(&ctx->lock);
        if (r < 0)
                goto fail;
        if (n_plan == 0)
                return 0;
        qsort(plan, n_plan, sizeof(*plan), change_cmp);

        /* Never under the lock: a worker serves each call. */
        for (size_t i = 0; i < n_plan; i++) {
                log_debug("\"%s\": inode %llu -> %llu.", plan[i].name, (unsigned long long) plan[i].old_ino,
                          (unsigned long long) plan[i].new_ino);
                r = change_name(rw_fd, &plan[i]);
                if (r < 0) {
                        log_warning_errno(r, "Changing \"%s\" on the mount failed (%m), invalidating instead: "
                                             "watchers of the directory may miss it.", plan[i].name);
                        change_fallback(ctx, rw_fd, &plan[i], now);
                }
        }
        pthread_rwlock_wrlock(&ctx->lock);
        fsd_fs_unstage_all(&ctx->fs); /* nothing, unless a fallback failed too */
        pthread_rwlock_unlock(&ctx->lock);
        return (int) n_plan;

fail:
        if (ret_error) {
                if (!err && asprintf(&err, "%s", strerror(-r)) < 0)
                        err = NULL;
                *ret_error = TAKE_PTR(err);
        }
        return r;
}

/* Minimal sd_notify(): one datagram to $NOTIFY_SOCKET, if set. */
static void notify_systemd(const char *msg) {
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

/* STATUS= for systemctl status: what is served, and the last problem. */
static void notify_status(fsd_notifier *n, const char *problem) {
        char msg[512];
        size_t files;

        pthread_rwlock_rdlock(&n->p.ctx->lock);
        files = n->p.ctx->fs.n_current;
        pthread_rwlock_unlock(&n->p.ctx->lock);
        snprintf(msg, sizeof(msg), "STATUS=Serving %zu file%s under %s%s%s", files, files == 1 ? "" : "s",
                 n->p.mountpoint, problem ? "; " : "", problem ? problem : "");
        notify_systemd(msg);
}

static int listen_control(const char *path, int *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -1;
        char *slash;

        if (!dir)
                return log_oom();
        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(ENAMETOOLONG, "Control socket path \"%s\" is too long.", path);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Failed to create \"%s\": %m", dir);
        }
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create the control socket: %m");
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove old \"%s\": %m", path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "Failed to bind the control socket \"%s\": %m", path);
        if (chmod(path, 0600) < 0)
                return log_error_errno(errno, "Failed to restrict \"%s\": %m", path);
        if (listen(fd, MAX_CLIENTS) < 0)
                return log_error_errno(errno, "Failed to listen on \"%s\": %m", path);
        *ret = TAKE_FD(fd);
        return 0;
}

typedef struct client {
        int fd;
        bool pending;     /* asked for a reload, waits for the answer */
        int64_t since_ms; /* accepted at */
} client;

static void client_drop(client *c) {
        c->fd = safe_close(c->fd);
        c->pending = false;
}

static void client_answer(client *c, const char *msg) {
        if (send(c->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                log_debug_errno(errno, "Answering a control client failed, ignoring: %m");
        client_drop(c);
}

/* Reads one request; returns true if it asked for a reload. */
static bool client_read(client *c) {
        char buf[MAX_REQUEST];
        struct ucred cred;
        socklen_t cl = sizeof(cred);
        ssize_t n;

        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return false;
        if (n <= 0) {
                client_drop(c);
                return false;
        }
        if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
            (cred.uid != 0 && cred.uid != geteuid())) {
                client_answer(c, "error permission denied");
                return false;
        }
        if ((size_t) n == strlen("reload") && memcmp(buf, "reload", (size_t) n) == 0) {
                c->pending = true;
                return true;
        }
        client_answer(c, "error unknown request");
        return false;
}

static int setup(fsd_notifier *n) {
        int r;

        r = fsd_mount_cover_ro(n->p.mountpoint, &n->rw_fd);
        if (r < 0)
                return r;
        n->covered = true;
        r = listen_control(n->p.socket_path, &n->listen_fd);
        if (r < 0)
                return r;
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

static void serve(fsd_notifier *n) {
        client clients[MAX_CLIENTS];
        int64_t interval = (int64_t) n->p.cfg->poll_interval_sec * 1000;
        int64_t next_poll = (int64_t) now_monotonic_ms() + interval;
        int last_poll_error = 0;

        for (size_t i = 0; i < MAX_CLIENTS; i++)
                clients[i] = (client) { .fd = -1 };

        for (;;) {
                struct pollfd pfd[3 + MAX_CLIENTS];
                client *owner[3 + MAX_CLIENTS];
                size_t np = 0;
                bool reload = false, any_pending = false;
                int64_t left = next_poll - (int64_t) now_monotonic_ms();
                int k;

                for (size_t i = 0; i < MAX_CLIENTS; i++)
                        if (clients[i].fd >= 0) {
                                if (!clients[i].pending &&
                                    (int64_t) now_monotonic_ms() - clients[i].since_ms > CLIENT_IDLE_MS)
                                        client_drop(&clients[i]);
                                else if (left > CLIENT_IDLE_MS)
                                        left = CLIENT_IDLE_MS;
                        }

                pfd[np++] = (struct pollfd) { .fd = n->stop_fd, .events = POLLIN };
                pfd[np++] = (struct pollfd) { .fd = n->signal_fd, .events = POLLIN };
                pfd[np++] = (struct pollfd) { .fd = n->listen_fd, .events = POLLIN };
                for (size_t i = 0; i < MAX_CLIENTS; i++)
                        if (clients[i].fd >= 0) {
                                owner[np] = &clients[i];
                                pfd[np++] = (struct pollfd) { .fd = clients[i].fd, .events = POLLIN };
                        }
                k = poll(pfd, np, left < 0 ? 0 : (int) left);
                if (k < 0 && errno != EINTR) {
                        log_error_errno(errno, "poll() failed in the notifier: %m");
                        break;
                }
                if (k > 0 && pfd[0].revents)
                        break;
                if (k > 0 && pfd[1].revents) {
                        struct signalfd_siginfo si;

                        if (read(n->signal_fd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGHUP)
                                        reload = true;
                                else {
                                        log_info("Received signal %u, unmounting.", si.ssi_signo);
                                        for (size_t i = 0; i < MAX_CLIENTS; i++)
                                                if (clients[i].fd >= 0)
                                                        client_answer(&clients[i], "error shutting down");
                                        end_session_loop(n);
                                        return;
                                }
                        }
                }
                if (k > 0 && pfd[2].revents) {
                        for (;;) {
                                int fd = accept4(n->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                                size_t i;

                                if (fd < 0)
                                        break;
                                for (i = 0; i < MAX_CLIENTS && clients[i].fd >= 0; i++)
                                        ;
                                if (i == MAX_CLIENTS) {
                                        /* Full: the oldest silent client makes room. */
                                        size_t oldest = MAX_CLIENTS;

                                        for (size_t j = 0; j < MAX_CLIENTS; j++)
                                                if (!clients[j].pending &&
                                                    (oldest == MAX_CLIENTS ||
                                                     clients[j].since_ms < clients[oldest].since_ms))
                                                        oldest = j;
                                        if (oldest == MAX_CLIENTS) {
                                                safe_close(fd); /* all waiting for a reload */
                                                break;
                                        }
                                        client_drop(&clients[oldest]);
                                        i = oldest;
                                }
                                clients[i] = (client) { .fd = fd,
                                                        .since_ms = (int64_t) now_monotonic_ms() };
                        }
                }
                for (size_t j = 3; k > 0 && j < np; j++)
                        if (pfd[j].revents && owner[j]->fd == pfd[j].fd && !owner[j]->pending)
                                (void) client_read(owner[j]);
                for (size_t i = 0; i < MAX_CLIENTS; i++)
                        any_pending = any_pending || (clients[i].fd >= 0 && clients[i].pending);

                if (any_pending || reload) {
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
                        for (size_t i = 0; i < MAX_CLIENTS; i++)
                                if (clients[i].fd >= 0 && clients[i].pending)
                                        client_answer(&clients[i], r >= 0 ? "ok" : answer ? answer : "error");
                        next_poll = (int64_t) now_monotonic_ms() + interval;
                } else if ((int64_t) now_monotonic_ms() >= next_poll) {
                        /* Fallback for a publisher that did not notify, and expiry. */
                        _cleanup_free_ char *err = NULL;
                        int r = fsd_reload(n->p.ctx, n->p.cfg, n->rw_fd, true, &err);

                        if (r < 0 && r != last_poll_error) {
                                log_warning_errno(r, "Periodic reload failed, keeping the current files: %s",
                                                  err ? err : "(no details)");
                                notify_status(n, "the last reload failed");
                        } else if (r > 0) {
                                log_info("Periodic reload: %d name(s) changed.", r);
                                notify_status(n, NULL);
                        }
                        last_poll_error = r < 0 ? r : 0;
                        next_poll = (int64_t) now_monotonic_ms() + interval;
                }
        }
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (clients[i].fd >= 0)
                        client_drop(&clients[i]);
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
                /* In the background: start-up errors went to the caller's
                 * stderr; from now on nobody reads it (use --foreground
                 * under a service manager to keep the log). */
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (null >= 0) {
                        (void) dup2(null, STDERR_FILENO);
                        safe_close(null);
                }
                if (write(n->p.ready_fd, "R", 1) < 0)
                        log_debug_errno(errno, "Telling the parent we are ready failed, ignoring: %m");
                n->p.ready_fd = safe_close(n->p.ready_fd);
        }
        notify_systemd("READY=1");
        notify_status(n, NULL);
        log_info("Serving \"%s\"; control socket \"%s\".", n->p.mountpoint, n->p.socket_path);
        serve(n);
        notify_systemd("STOPPING=1");
        return NULL;
}

static void notifier_free(fsd_notifier *n) {
        if (!n)
                return;
        safe_close(n->stop_fd);
        safe_close(n->signal_fd);
        safe_close(n->listen_fd);
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
        n->listen_fd = n->rw_fd = -1;
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
        if (n->covered)
                (void) fsd_mount_uncover(n->p.mountpoint);
        if (n->listen_fd >= 0)
                (void) unlink(n->p.socket_path);
        notifier_free(n);
        return r;
}
