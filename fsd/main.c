/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-fsd: serves the current certificates and keys from the kernel
 * keyring as a read-only FUSE filesystem (default /run/deviceid). This
 * file is the shell: arguments, configuration, daemonizing, signals, and
 * the two roles: the holder (holder.c, the process started by the user)
 * and the server it runs ("--server": the FUSE handlers and the
 * multi-threaded session loop on the connection the holder keeps).
 */
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "fsd/fsd.h"
#include "fsd/holder.h"
#include "fsd/notify.h"
#include "fsd/reload.h"
#include "fsd/takeover.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/deviceid/fsd.conf"
#define DEFAULT_MOUNT "/run/deviceid"
#define MAX_WORKERS 64
#define IDLE_WORKERS 8

typedef struct args {
        const char *config;
        bool config_given;
        const char *mountpoint;
        const char *socket_path;
        bool foreground;
        bool fd_store;
        bool server;
} args;

static void help(void) {
        printf("Usage: deviceid-fsd [OPTIONS]\n\n"
               "Serve the deviceid certificates and keys as a read-only filesystem.\n\n"
               "  -c, --config FILE          configuration (default %s)\n"
               "  -m, --mount DIR            mount point (default %s)\n"
               "  -s, --control-socket PATH  reload socket (default $%s or %s)\n"
               "  -f, --foreground           do not fork into the background\n"
               "      --fd-store             keep the connection in systemd's file descriptor store\n"
               "                             and the mount in place on SIGTERM (restarts keep it)\n"
               "  -h, --help                 this text\n",
               DEFAULT_CONFIG, DEFAULT_MOUNT, KEYRING_FSD_SOCKET_ENV, KEYRING_FSD_SOCKET);
}

static int parse_args(int argc, char **argv, args *a) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "mount", required_argument, NULL, 'm' },
                { "control-socket", required_argument, NULL, 's' },
                { "foreground", no_argument, NULL, 'f' },
                { "fd-store", no_argument, NULL, 'S' },
                { "server", no_argument, NULL, 'X' }, /* internal: started by the holder */
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *env = getenv(KEYRING_FSD_SOCKET_ENV);
        int c;

        *a = (args) {
                .config = DEFAULT_CONFIG,
                .mountpoint = DEFAULT_MOUNT,
                .socket_path = env && *env ? env : KEYRING_FSD_SOCKET,
        };
        while ((c = getopt_long(argc, argv, "c:m:s:fh", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        a->config = optarg;
                        a->config_given = true;
                        break;
                case 'm':
                        a->mountpoint = optarg;
                        break;
                case 's':
                        a->socket_path = optarg;
                        break;
                case 'f':
                        a->foreground = true;
                        break;
                case 'S':
                        a->fd_store = true;
                        break;
                case 'X':
                        a->server = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument \"%s\".", argv[optind]);
        if (a->mountpoint[0] != '/' || a->socket_path[0] != '/')
                return log_error_errno(EINVAL, "Mount point and control socket must be absolute paths.");
        return 1;
}

static int load_config(const args *a, fsd_config **ret) {
        _cleanup_free_ char *buf = NULL, *err = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, a->config, FSD_CONFIG_MAX_SIZE, &buf, &len);
        if (r == -ENOENT && !a->config_given) {
                log_debug("No \"%s\", using the defaults.", a->config);
                return fsd_config_new_default(ret);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read configuration \"%s\": %m", a->config);
        r = fsd_config_parse(buf, len, ret, &err);
        if (r < 0)
                return log_error_errno(r, "Configuration \"%s\" refused: %s", a->config, err ? err : "(no details)");
        r = fsd_config_resolve(*ret, &err);
        if (r < 0) {
                fsd_config_free(TAKE_PTR(*ret));
                return log_error_errno(r, "Configuration \"%s\": %s", a->config, err ? err : "(no details)");
        }
        return 0;
}

/* Forks; the parent waits until the child is serving (one byte on the
 * pipe) or gone (EOF), and exits accordingly. Returns the child's end. */
static int daemonize(int *ret_ready_fd) {
        int p[2], fd;
        pid_t pid;
        char c;

        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(errno, "pipe2() failed: %m");
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "fork() failed: %m");
        if (pid > 0) {
                safe_close(p[1]);
                _exit(read(p[0], &c, 1) == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
        }
        safe_close(p[0]);
        if (setsid() < 0)
                return log_error_errno(errno, "setsid() failed: %m");
        if (chdir("/") < 0)
                return log_error_errno(errno, "chdir(\"/\") failed: %m");
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
                return log_error_errno(errno, "Failed to redirect to /dev/null: %m");
        safe_close(fd);
        *ret_ready_fd = p[1];
        return 0;
}

static void on_sigusr1(int sig) {
        (void) sig; /* only interrupts the session loop's wait */
}

/* The server: the FUSE handlers on the connection the holder passed
 * (FSD_SERVER_*_FD). The first server of a connection answers its
 * FUSE_INIT; a successor replays it and has the kernel resend what its
 * predecessor left unanswered (takeover.h). */
static int run_server(const args *a, const fsd_config *cfg) {
        char *fargv[] = { (char *) "deviceid-fsd", (char *) "-o",
                          (char *) "allow_other,default_permissions,fsname=deviceid,subtype=deviceid,"
                                   "nosuid,nodev,noexec",
                          NULL };
        struct fuse_args fargs = FUSE_ARGS_INIT(3, fargv);
        struct fuse_loop_config *lc = NULL;
        fsd_notifier *notifier = NULL;
        bool took_over = false, has_resend = true;
        char devfd[32];
        fsd_ctx ctx;
        _cleanup_free_ char *err = NULL;
        int r, loop_r;

        if (fcntl(FSD_SERVER_FUSE_FD, F_GETFD) < 0 || fcntl(FSD_SERVER_VIEW_FD, F_GETFD) < 0 ||
            fcntl(FSD_SERVER_STATE_FD, F_GETFD) < 0)
                return log_error_errno(EBADF, "--server is started by deviceid-fsd itself, with its descriptors.");
        for (int fd = FSD_SERVER_FUSE_FD; fd <= FSD_SERVER_READY_FD; fd++)
                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
        r = fsd_ctx_init(&ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to set up: %m");
        r = fsd_reload(&ctx, cfg, -1, false, &err);
        if (r == -EPERM || r == -ENOSYS) {
                /* A seccomp filter (containers) refuses keyctl(): serving an
                 * empty directory would hide that. */
                r = log_error_errno(r, "The kernel refuses the keyring system calls (%m): a container must allow "
                                       "add_key, keyctl and request_key (see deviceid-fsd(8), CONTAINERS).");
                goto out_ctx;
        }
        if (r < 0) {
                /* Serve what we can: the poll retries, and a publisher's
                 * notification reloads. */
                log_warning_errno(r, "Initial keyring read failed, starting empty: %s", err ? err : "");
        }

        ctx.se = fuse_session_new(&fargs, &fsd_ops, sizeof(fsd_ops), &ctx);
        fuse_opt_free_args(&fargs); /* parsing may have copied them */
        if (!ctx.se) {
                r = log_error_errno(EIO, "Failed to create the FUSE session.");
                goto out_ctx;
        }
        /* libfuse takes an open /dev/fuse as "/dev/fd/N" and mounts nothing. */
        snprintf(devfd, sizeof(devfd), "/dev/fd/%d", FSD_SERVER_FUSE_FD);
        if (fuse_session_mount(ctx.se, devfd) != 0) {
                r = log_error_errno(EIO, "Failed to use the FUSE connection.");
                goto out_session;
        }
        r = fsd_takeover_has_state(FSD_SERVER_STATE_FD);
        if (r > 0) {
                r = fsd_takeover_resume(ctx.se, FSD_SERVER_STATE_FD);
                if (r < 0)
                        goto out_session;
                /* The kernel holds references this store never counted. */
                fsd_fs_adopt(&ctx.fs);
                took_over = true;
        } else if (r == 0)
                r = fsd_takeover_first_init(ctx.se, FSD_SERVER_STATE_FD, &has_resend);
        if (r < 0)
                goto out_session;
        log_info("%s \"%s\"%s.", took_over ? "Took over the connection of" : "Serving a new connection of",
                 a->mountpoint, has_resend ? "" : " (no takeover possible on this kernel)");

        r = fsd_notifier_start(&(fsd_notifier_params) {
                                       .ctx = &ctx,
                                       .cfg = cfg,
                                       .mountpoint = a->mountpoint,
                                       .socket_path = a->socket_path,
                                       .main_thread = pthread_self(),
                                       .rw_fd = FSD_SERVER_VIEW_FD,
                                       .ready_fd = FSD_SERVER_READY_FD,
                                       .ready_byte = has_resend ? 'R' : 'N',
                                       .took_over = took_over,
                               },
                               &notifier);
        if (r < 0)
                goto out_session;

        lc = fuse_loop_cfg_create();
        if (!lc) {
                r = log_oom();
                fuse_session_exit(ctx.se);
        } else {
                /* Hundreds of readers are served from the page cache; the
                 * workers only see misses, lookups and the notifier. */
                fuse_loop_cfg_set_max_threads(lc, MAX_WORKERS);
                fuse_loop_cfg_set_idle_threads(lc, IDLE_WORKERS);
                fuse_loop_cfg_set_clone_fd(lc, 0); /* a cloned fd would die with us, and its requests */
                loop_r = fuse_session_loop_mt(ctx.se, lc);
                if (loop_r < 0)
                        log_error_errno(loop_r, "The FUSE session ended with an error: %m");
                fuse_loop_cfg_destroy(lc);
        }
        r = fsd_notifier_stop(notifier);

out_session:
        fuse_session_destroy(ctx.se); /* closes our copy of the connection only */
out_ctx:
        fsd_ctx_done(&ctx);
        return r;
}

int main(int argc, char **argv) {
        _cleanup_(fsd_config_freep) fsd_config *cfg = NULL;
        struct sigaction sa = { .sa_handler = on_sigusr1 };
        int ready_fd = -1;
        sigset_t ss;
        args a;
        int r;

        log_parse_environment();
        /* We hold private keys in memory: no core dumps of them. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return log_error_errno(errno, "prctl(PR_SET_DUMPABLE) failed: %m"), EXIT_FAILURE;
        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = load_config(&a, &cfg);
        if (r < 0)
                return EX_CONFIG; /* the unit's RestartPreventExitStatus= */

        /* SIGTERM, SIGINT, SIGHUP go to the notifier's signalfd; SIGUSR1
         * (no SA_RESTART) wakes the session loop. Before any thread. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (pthread_sigmask(SIG_BLOCK, &ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) < 0 ||
            signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return log_error_errno(errno, "Failed to set up signals: %m"), EXIT_FAILURE;

        if (a.server) {
                r = run_server(&a, cfg);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (!a.foreground && daemonize(&ready_fd) < 0)
                return EXIT_FAILURE;
        r = fsd_holder_run(&(fsd_holder_params) {
                .config = a.config_given ? a.config : NULL,
                .mountpoint = a.mountpoint,
                .socket_path = a.socket_path,
                .fd_store = a.fd_store,
                .ready_fd = ready_fd,
        });
        return r < 0 ? EXIT_FAILURE : r;
}
