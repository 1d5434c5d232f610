/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control socket of deviceid-fsd (contract in control.h). Every
 * descriptor is non-blocking: the notifier thread never waits for a
 * client, and a client that says nothing loses its slot.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fsd/control.h"
#include "log.h"

#define MAX_REQUEST 64
/* A client that connects and says nothing loses its slot after this. */
#define CLIENT_IDLE_MS 5000

typedef struct client {
        int fd;
        bool pending;     /* asked for a reload, waits for the answer */
        int64_t since_ms; /* accepted at */
} client;

struct fsd_control {
        int listen_fd;
        client clients[FSD_CONTROL_MAX_CLIENTS];
        /* The client behind each descriptor of the last poll_fds (index 0
         * is the listening socket). */
        client *polled[FSD_CONTROL_MAX_POLL_FDS];
        bool upgrade;
};

char *fsd_server_pid_path(const char *socket_path) {
        const char *slash = strrchr(socket_path, '/');
        char *p = NULL;

        if (asprintf(&p, "%.*s/server.pid", slash ? (int) (slash - socket_path) : 1, slash ? socket_path : ".") < 0)
                return NULL;
        return p;
}

bool fsd_control_take_upgrade(fsd_control *c) {
        bool u = c->upgrade;

        c->upgrade = false;
        return u;
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
        if (listen(fd, FSD_CONTROL_MAX_CLIENTS) < 0)
                return log_error_errno(errno, "Failed to listen on \"%s\": %m", path);
        *ret = TAKE_FD(fd);
        return 0;
}

int fsd_control_open(const char *path, fsd_control **ret) {
        fsd_control *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return log_oom();
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                c->clients[i] = (client) { .fd = -1 };
        r = listen_control(path, &c->listen_fd);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static void client_drop(client *c) {
        c->fd = safe_close(c->fd);
        c->pending = false;
}

static void client_answer(client *c, const char *msg) {
        if (send(c->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                log_debug_errno(errno, "Answering a control client failed, ignoring: %m");
        client_drop(c);
}

void fsd_control_hang_up(fsd_control *c, const char *msg) {
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0) {
                        if (msg)
                                client_answer(&c->clients[i], msg);
                        else
                                client_drop(&c->clients[i]);
                }
}

fsd_control *fsd_control_close(fsd_control *c, const char *path) {
        if (!c)
                return NULL;
        fsd_control_hang_up(c, NULL);
        if (path)
                (void) unlink(path);
        safe_close(c->listen_fd);
        free(c);
        return NULL;
}

/* Reads one request; a reload request leaves the client waiting. */
static void client_read(fsd_control *ctl, client *c) {
        char buf[MAX_REQUEST];
        struct ucred cred;
        socklen_t cl = sizeof(cred);
        ssize_t n;

        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                client_drop(c);
                return;
        }
        if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
            (cred.uid != 0 && cred.uid != geteuid())) {
                client_answer(c, "error permission denied");
                return;
        }
        if ((size_t) n == strlen("reload") && memcmp(buf, "reload", (size_t) n) == 0) {
                c->pending = true;
                return;
        }
        if ((size_t) n == strlen("upgrade") && memcmp(buf, "upgrade", (size_t) n) == 0) {
                ctl->upgrade = true;
                client_answer(c, "ok");
                return;
        }
        client_answer(c, "error unknown request");
}

size_t fsd_control_poll_fds(fsd_control *c, int64_t now_ms, struct pollfd *pfd, int64_t *timeout_ms) {
        size_t np = 0;

        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0) {
                        if (!c->clients[i].pending && now_ms - c->clients[i].since_ms > CLIENT_IDLE_MS)
                                client_drop(&c->clients[i]);
                        else if (*timeout_ms > CLIENT_IDLE_MS)
                                *timeout_ms = CLIENT_IDLE_MS;
                }
        c->polled[np] = NULL;
        pfd[np++] = (struct pollfd) { .fd = c->listen_fd, .events = POLLIN };
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0) {
                        c->polled[np] = &c->clients[i];
                        pfd[np++] = (struct pollfd) { .fd = c->clients[i].fd, .events = POLLIN };
                }
        return np;
}

/* A free slot, or the oldest silent client's; NULL if all wait for a
 * reload. */
static client *client_slot(fsd_control *c) {
        client *oldest = NULL;

        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd < 0)
                        return &c->clients[i];
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (!c->clients[i].pending && (!oldest || c->clients[i].since_ms < oldest->since_ms))
                        oldest = &c->clients[i];
        if (oldest)
                client_drop(oldest);
        return oldest;
}

static void accept_clients(fsd_control *c, int64_t now_ms) {
        for (;;) {
                int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                client *slot;

                if (fd < 0)
                        return;
                slot = client_slot(c);
                if (!slot) {
                        safe_close(fd);
                        return;
                }
                *slot = (client) { .fd = fd, .since_ms = now_ms };
        }
}

void fsd_control_process(fsd_control *c, const struct pollfd *pfd, size_t n, int64_t now_ms) {
        if (n > 0 && pfd[0].revents)
                accept_clients(c, now_ms);
        /* A slot accept_clients() reused holds another descriptor now. */
        for (size_t j = 1; j < n; j++)
                if (pfd[j].revents && c->polled[j]->fd == pfd[j].fd && !c->polled[j]->pending)
                        client_read(c, c->polled[j]);
}

bool fsd_control_reload_asked(const fsd_control *c) {
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0 && c->clients[i].pending)
                        return true;
        return false;
}

void fsd_control_answer_asked(fsd_control *c, const char *msg) {
        for (size_t i = 0; i < FSD_CONTROL_MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0 && c->clients[i].pending)
                        client_answer(&c->clients[i], msg);
}
