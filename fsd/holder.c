/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The holder of deviceid-fsd (contract in holder.h): one process, one
 * poll loop over a signalfd. It never reads the FUSE connection, so it
 * never blocks on it and survives whatever the server does.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "fsd/control.h"
#include "fsd/fsd.h"
#include "fsd/holder.h"
#include "fsd/mount.h"
#include "fsd/takeover.h"
#include "log.h"
#include "time-util.h"

/* A server that dies before serving this many times in a row is not
 * started again. */
#define MAX_FAILED_STARTS 3
/* How often a running server is checked for a thread group whose leader
 * is gone while one thread still waits in the kernel (see server_gone). */
#define CHECK_MS 200
#define DELETED " (deleted)"

typedef struct holder {
        const fsd_holder_params *p;
        char exe[PATH_MAX];
        int fuse_fd, view_fd, state_fd, signal_fd;
        struct fuse_session *se; /* the session that mounted, if we did */
        bool covered;
        pid_t server;       /* 0: none */
        int server_ready_fd; /* read end of the server's ready pipe */
        bool server_ready;
        bool takeover_ok;    /* the kernel offers FUSE_NOTIFY_RESEND */
        uint64_t gone_ms;    /* when the last server went, for the takeover time */
        unsigned failed_starts;
        bool ever_served;    /* some server served this connection */
        int exit_status;     /* > 0: the first server's, to exit with */
        bool upgrade_asked;  /* SIGUSR2 came: hand over once the server serves */
        bool handover;       /* we asked the server to go (upgrade) */
        bool stopping;
        bool unmounted;
} holder;

/* Our descriptors in the service manager's fd store, by FDNAME=. */
static const char *const fd_names[] = { "fuse", "view", "state" };

/* The connection from the service manager's fd store (a restart under
 * systemd): 1 if all three descriptors came, 0 if none. */
static int adopt_from_fd_store(holder *h) {
        char **names = NULL;
        int n, r = 0;

        n = sd_listen_fds_with_names(true, &names);
        if (n <= 0)
                return 0;
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;

                if (streq(names[i], "fuse"))
                        h->fuse_fd = fd;
                else if (streq(names[i], "view"))
                        h->view_fd = fd;
                else if (streq(names[i], "state"))
                        h->state_fd = fd;
                else {
                        safe_close(fd);
                        fd = -1;
                }
                if (fd >= 0)
                        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
                free(names[i]);
        }
        free(names);
        if (h->fuse_fd >= 0 && h->view_fd >= 0 && h->state_fd >= 0 && fsd_takeover_has_state(h->state_fd) > 0)
                r = 1;
        else {
                /* Out of the store too: else the connection would live on
                 * without a server, and the stale check would wait on it. */
                log_warning("The service manager handed over an incomplete connection, mounting afresh.");
                for (size_t i = 0; i < ELEMENTSOF(fd_names); i++) {
                        char msg[64];

                        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", fd_names[i]);
                        (void) sd_notify(false, msg);
                }
                h->fuse_fd = safe_close(h->fuse_fd);
                h->view_fd = safe_close(h->view_fd);
                h->state_fd = safe_close(h->state_fd);
        }
        return r;
}

static int mount_fresh(holder *h) {
        char *fargv[] = { (char *) "deviceid-fsd", (char *) "-o",
                          (char *) "allow_other,default_permissions,fsname=deviceid,subtype=deviceid,"
                                   "nosuid,nodev,noexec",
                          NULL };
        struct fuse_args fargs = FUSE_ARGS_INIT(3, fargv);
        static const struct fuse_lowlevel_ops none = {};
        int r;

        r = fsd_mount_prepare(h->p->mountpoint);
        if (r < 0)
                return r;
        h->se = fuse_session_new(&fargs, &none, sizeof(none), NULL);
        fuse_opt_free_args(&fargs);
        if (!h->se)
                return log_error_errno(EIO, "Failed to create the FUSE session.");
        if (fuse_session_mount(h->se, h->p->mountpoint) != 0)
                return log_error_errno(EIO, "Failed to mount \"%s\".", h->p->mountpoint);
        h->fuse_fd = fuse_session_fd(h->se);
        /* Before the cover: this descriptor is the read-write view. */
        r = fsd_mount_open_view(h->p->mountpoint, &h->view_fd);
        if (r < 0)
                return r;
        h->state_fd = memfd_create("deviceid-fsd-state", MFD_CLOEXEC);
        if (h->state_fd < 0)
                return log_error_errno(errno, "memfd_create() failed: %m");
        return 0;
}

static void fd_store_push(holder *h) {
        int fds[] = { h->fuse_fd, h->view_fd, h->state_fd };

        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                char msg[64];
                int r;

                /* FDPOLL=0: systemd cannot poll an O_PATH descriptor (it
                 * refuses it with EBADF), and need not watch the others. */
                snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", fd_names[i]);
                r = sd_pid_notify_with_fds(0, false, msg, &fds[i], 1);
                if (r <= 0)
                        log_warning_errno(r < 0 ? r : ENOTCONN,
                                          "Could not keep \"%s\" in the service manager's fd store (%m): a restart "
                                          "will remount.", fd_names[i]);
        }
}

/* In the child: the descriptors at their fixed numbers, then exec. */
_noreturn_ static void exec_server(holder *h, pid_t holder_pid, int ready_w) {
        int src[] = { h->fuse_fd, h->view_fd, h->state_fd, ready_w }, tmp[4];
        const char *argv[12];
        size_t n = 0;
        sigset_t none;

        /* Killed with the holder: only the holder's successor (with the fd
         * store) may continue the connection. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != holder_pid)
                _exit(EXIT_FAILURE);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        for (size_t i = 0; i < ELEMENTSOF(src); i++)
                if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10)) < 0)
                        _exit(EXIT_FAILURE);
        for (int i = 0; i < 4; i++)
                if (dup2(tmp[i], FSD_SERVER_FUSE_FD + i) < 0)
                        _exit(EXIT_FAILURE);
        argv[n++] = h->exe;
        argv[n++] = "--server";
        argv[n++] = "--foreground";
        argv[n++] = "--mount";
        argv[n++] = h->p->mountpoint;
        argv[n++] = "--control-socket";
        argv[n++] = h->p->socket_path;
        if (h->p->config) {
                argv[n++] = "--config";
                argv[n++] = h->p->config;
        }
        argv[n] = NULL;
        execv(h->exe, (char **) argv);
        _exit(127);
}

static int start_server(holder *h) {
        pid_t pid, self = getpid();
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(errno, "pipe2() failed: %m");
        pid = fork();
        if (pid < 0) {
                safe_close(p[0]);
                safe_close(p[1]);
                return log_error_errno(errno, "fork() failed: %m");
        }
        if (pid == 0)
                exec_server(h, self, p[1]);
        safe_close(p[1]);
        h->server = pid;
        h->server_ready_fd = p[0];
        h->server_ready = false;
        log_debug("Started server %d (%s).", (int) pid, h->exe);
        return 0;
}

/* The server's pipe: first "R" when it serves ("N": serving, but this
 * kernel cannot resend), then STATUS= lines for the service manager. */
static void server_reported(holder *h) {
        char buf[4096], *line, *save = NULL;
        ssize_t n = read(h->server_ready_fd, buf, sizeof(buf) - 1);

        if (n <= 0) {
                h->server_ready_fd = safe_close(h->server_ready_fd);
                return; /* it died, or went: the SIGCHLD will tell */
        }
        buf[n] = '\0';
        line = buf;
        if (!h->server_ready) {
                h->server_ready = true;
                h->ever_served = true;
                h->failed_starts = 0;
                h->takeover_ok = buf[0] == 'R';
                line++;
                if (h->gone_ms) {
                        log_info("Server %d serves the connection %llu ms after its predecessor went.",
                                 (int) h->server, (unsigned long long) (now_monotonic_ms() - h->gone_ms));
                        h->gone_ms = 0;
                }
        }
        for (line = strtok_r(line, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (strncmp(line, "STATUS=", 7) == 0)
                        (void) sd_notify(false, line);
}

/* Whether the server's thread-group leader has exited although the group
 * is not reaped yet: a thread killed while it waited for its own FUSE
 * request (a name change on the mount) stays until a successor answers. */
static bool server_gone(pid_t pid) {
        char path[64], buf[512];
        const char *paren;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        safe_close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        paren = strrchr(buf, ')');
        return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* What to do once the server went (reaped, or its leader gone). */
static int after_server(holder *h, int status, bool reaped) {
        bool was_ready = h->server_ready;

        h->server = 0;
        h->server_ready_fd = safe_close(h->server_ready_fd);
        h->gone_ms = now_monotonic_ms();
        if (h->stopping)
                return 0;
        if (!h->ever_served) {
                /* The first server said why on its own (configuration,
                 * keyring): the holder fails with its status, once. */
                h->exit_status = reaped && WIFEXITED(status) && WEXITSTATUS(status) > 0 ? WEXITSTATUS(status)
                                                                                       : EXIT_FAILURE;
                log_notice("The server exited before serving (status %d).", h->exit_status);
                return -ECHILD;
        }
        if (reaped && WIFEXITED(status) && WEXITSTATUS(status) == EX_CONFIG)
                return log_error_errno(EINVAL, "The server refused its configuration: stopping.");
        if (!was_ready && ++h->failed_starts >= MAX_FAILED_STARTS)
                return log_error_errno(EIO, "The server failed to start %u times in a row: stopping.",
                                       h->failed_starts);
        if (was_ready && !h->takeover_ok)
                return log_error_errno(EOPNOTSUPP, "The server is gone and this kernel cannot resend its requests "
                                                   "to a successor: giving the mount up (the next start replaces "
                                                   "it).");
        if (h->handover)
                log_info("The server handed over: starting \"%s\".", h->exe);
        else if (reaped && WIFSIGNALED(status))
                log_warning("The server was killed by signal %d: starting a successor on the same connection.",
                            WTERMSIG(status));
        else if (reaped)
                log_warning("The server exited (status %d): starting a successor on the same connection.",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        else
                log_warning("The server is gone (some of its threads are still exiting): starting a successor "
                            "on the same connection.");
        h->handover = false;
        return start_server(h);
}

static int reap(holder *h) {
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                if (pid == h->server) {
                        int r = after_server(h, status, true);

                        if (r < 0)
                                return r;
                }
        /* Anything else reaped is a server we already replaced. */
        return 0;
}

static void upgrade_if_asked(holder *h) {
        if (!h->upgrade_asked || h->server <= 0 || !h->server_ready || h->handover || h->stopping)
                return;
        log_info("Upgrade asked: server %d hands over.", (int) h->server);
        h->upgrade_asked = false;
        h->handover = true;
        (void) kill(h->server, SIGTERM);
}

static int on_signal(holder *h) {
        struct signalfd_siginfo si;

        if (read(h->signal_fd, &si, sizeof(si)) != sizeof(si))
                return 0;
        switch (si.ssi_signo) {
        case SIGCHLD:
                return reap(h);
        case SIGHUP:
                if (h->server > 0)
                        (void) kill(h->server, SIGHUP);
                return 0;
        case SIGUSR2:
                /* A server still starting hands over once it serves. */
                h->upgrade_asked = true;
                upgrade_if_asked(h);
                return 0;
        default:
                log_info("Received signal %u, stopping.", si.ssi_signo);
                h->stopping = true;
                if (h->server > 0)
                        (void) kill(h->server, SIGTERM);
                return 0;
        }
}

/* Until the first server serves: then the cover, readiness, the fd store. */
static int wait_first(holder *h, bool adopted) {
        while (!h->server_ready) {
                struct pollfd pfd[2] = {
                        { .fd = h->signal_fd, .events = POLLIN },
                        { .fd = h->server_ready_fd, .events = POLLIN },
                };
                int r;

                if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                        return log_error_errno(errno, "poll() failed: %m");
                if (pfd[1].revents)
                        server_reported(h);
                if (pfd[0].revents) {
                        r = on_signal(h);
                        if (r < 0)
                                return r;
                        if (h->stopping)
                                return -ECANCELED;
                }
        }
        if (!adopted) {
                int r = fsd_mount_cover(h->p->mountpoint);

                if (r < 0)
                        return r;
                h->covered = true;
        } else
                h->covered = true; /* made by the first instance */
        if (!h->takeover_ok)
                log_notice("This kernel has no FUSE_NOTIFY_RESEND (Linux 6.9 or later): if the server dies, the "
                           "mount goes stale and is replaced at the next start (see deviceid-fsd(8)).");
        if (h->p->fd_store && !adopted)
                fd_store_push(h); /* adopted: they are still there */
        (void) sd_notify(false, "READY=1");
        if (h->p->ready_fd >= 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (null >= 0) {
                        (void) dup2(null, STDERR_FILENO);
                        safe_close(null);
                }
                if (write(h->p->ready_fd, "R", 1) < 0)
                        log_debug_errno(errno, "Telling the parent we are ready failed, ignoring: %m");
        }
        return 0;
}

static int loop(holder *h) {
        upgrade_if_asked(h); /* asked while the first server started */
        while (!(h->stopping && h->server == 0)) {
                struct pollfd pfd[2] = {
                        { .fd = h->signal_fd, .events = POLLIN },
                        { .fd = h->server_ready_fd, .events = POLLIN },
                };
                int k, r;

                k = poll(pfd, h->server_ready_fd >= 0 ? 2 : 1, h->server > 0 ? CHECK_MS : -1);
                if (k < 0 && errno != EINTR)
                        return log_error_errno(errno, "poll() failed: %m");
                if (k > 0 && h->server_ready_fd >= 0 && pfd[1].revents) {
                        server_reported(h);
                        upgrade_if_asked(h);
                }
                if (k > 0 && pfd[0].revents) {
                        r = on_signal(h);
                        if (r < 0)
                                return r;
                }
                if (k == 0 && h->server > 0 && server_gone(h->server)) {
                        if (h->stopping)
                                break;
                        r = after_server(h, 0, false);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Whether the service manager is restarting our unit (a queued "restart"
 * job), as opposed to stopping it: only then is the mount left to the
 * next instance. Asked on systemd's private socket (root only), which
 * needs no D-Bus daemon. */
static bool restart_queued(void) {
        _cleanup_free_ char *unit = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        bool found = false;
        int r;

        if (sd_pid_get_unit(0, &unit) < 0)
                return false;
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "ListJobs", &error, &reply, NULL);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(usssoo)");
        while (r >= 0) {
                const char *u, *type, *state, *job, *upath;
                uint32_t id;

                r = sd_bus_message_read(reply, "(usssoo)", &id, &u, &type, &state, &job, &upath);
                if (r <= 0)
                        break;
                if (streq(u, unit) && strstr(type, "restart"))
                        found = true;
        }
        if (r < 0)
                log_debug_errno(r, "Asking the service manager for a restart job failed, ignoring: %m");
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        return found;
}

/* Ends the connection for whoever still waits on it (a server thread
 * stuck in the kernel keeps the descriptor, and so the connection, alive
 * after the unmount). Through fusectl (/sys/fs/fuse/connections), if
 * mounted; the connection's number is the mount's device minor, which
 * statx gives without asking the server (AT_STATX_DONT_SYNC, no mask). */
static void abort_connection(holder *h) {
        struct statx stx;
        char path[64];
        int fd;

        if (h->view_fd < 0 || statx(h->view_fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, 0, &stx) < 0)
                return;
        snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort", stx.stx_dev_minor);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "1", 1) != 1)
                log_debug_errno(errno, "Aborting the FUSE connection (\"%s\") failed, ignoring: %m", path);
        safe_close(fd);
}

static void unmount_all(holder *h) {
        _cleanup_free_ char *pid_path = fsd_server_pid_path(h->p->socket_path);

        if (pid_path)
                (void) unlink(pid_path);
        h->unmounted = true;
        if (h->p->fd_store && !h->failed_starts && restart_queued()) {
                log_info("Restarting: leaving \"%s\" mounted for the next instance (file descriptor store).",
                         h->p->mountpoint);
                return;
        }
        if (h->covered)
                (void) fsd_mount_uncover(h->p->mountpoint);
        if (h->se) {
                /* libfuse's own unmount (lazy, as root), which also frees
                 * what its mount kept; it closes the connection. */
                fuse_session_unmount(h->se);
                h->fuse_fd = -1;
                log_info("Unmounted \"%s\".", h->p->mountpoint);
        } else if (umount2(h->p->mountpoint, MNT_DETACH) < 0)
                log_warning_errno(errno, "Failed to unmount \"%s\", ignoring: %m", h->p->mountpoint);
        else
                log_info("Unmounted \"%s\".", h->p->mountpoint);
        abort_connection(h);
}

int fsd_holder_run(const fsd_holder_params *p) {
        holder h = {
                .p = p,
                .fuse_fd = -1,
                .view_fd = -1,
                .state_fd = -1,
                .signal_fd = -1,
                .server_ready_fd = -1,
        };
        bool adopted = false;
        ssize_t n;
        sigset_t ss;
        int r;

        n = readlink("/proc/self/exe", h.exe, sizeof(h.exe) - 1);
        if (n <= 0)
                return log_error_errno(errno, "Cannot find our own binary: %m");
        h.exe[n] = '\0';
        /* After an upgrade the old file is gone: start what is installed. */
        if ((size_t) n > strlen(DELETED) && streq(h.exe + n - strlen(DELETED), DELETED))
                h.exe[n - strlen(DELETED)] = '\0';

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGUSR2);
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 ||
            (h.signal_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                return log_error_errno(errno, "Failed to set up signals: %m");

        r = adopt_from_fd_store(&h);
        if (r > 0) {
                adopted = true;
                log_info("Took the connection of \"%s\" back from the service manager.", p->mountpoint);
        } else {
                r = mount_fresh(&h);
                if (r < 0)
                        goto out;
        }
        r = start_server(&h);
        if (r < 0)
                goto out;
        r = wait_first(&h, adopted);
        if (r >= 0) {
                log_info("Holding \"%s\"; server %d serves it.", p->mountpoint, (int) h.server);
                r = loop(&h);
        }
        if (h.server > 0) {
                h.stopping = true;
                (void) kill(h.server, SIGTERM);
                while (waitpid(h.server, NULL, 0) < 0 && errno == EINTR)
                        ;
                h.server = 0;
        }
        (void) sd_notify(false, "STOPPING=1");
        if (r == -ECANCELED)
                r = 0;
        if (r == -ECHILD && h.exit_status > 0)
                r = h.exit_status;
        if (r != 0)
                h.failed_starts = 1; /* do not leave a broken mount behind */
        unmount_all(&h);
out:
        if (h.se && h.fuse_fd >= 0 && r != 0 && !h.unmounted)
                fuse_session_unmount(h.se);
        safe_close(h.server_ready_fd);
        safe_close(h.view_fd);
        safe_close(h.state_fd);
        safe_close(h.signal_fd);
        if (h.se)
                fuse_session_destroy(h.se); /* closes the connection */
        else
                safe_close(h.fuse_fd);
        return r;
}
