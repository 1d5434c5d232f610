/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of the fsd control socket (protocol in keyring.h and
 * docs/keyring.md): one "reload" message over SOCK_SEQPACKET, one answer.
 * Kernel key watches (CONFIG_WATCH_QUEUE) are not available everywhere,
 * so the writer tells the reader explicitly and waits for it.
 */
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "log.h"
#include "time-util.h"
#include "writer.h"

#define NOTIFY_REQUEST "reload"
#define NOTIFY_MAX_ANSWER 512

int keyring_notify_readers(const char *socket_path, int timeout_ms) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        char answer[NOTIFY_MAX_ANSWER + 1];
        struct timeval tv;
        int64_t deadline;
        ssize_t n;

        if (!socket_path || !*socket_path)
                socket_path = getenv(KEYRING_FSD_SOCKET_ENV);
        if (!socket_path || !*socket_path)
                socket_path = KEYRING_FSD_SOCKET;
        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        if (timeout_ms <= 0)
                return -EINVAL;
        memcpy(sa.sun_path, socket_path, strlen(socket_path));
        deadline = (int64_t) now_monotonic_ms() + timeout_ms;

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* connect() on a unix socket waits for backlog room up to SO_SNDTIMEO. */
        tv = (struct timeval) { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : negative_errno();

                return log_debug_errno(r, "Connecting to \"%s\" failed: %m", socket_path);
        }
        n = send(fd, NOTIFY_REQUEST, strlen(NOTIFY_REQUEST), MSG_NOSIGNAL);
        if (n < 0)
                return log_debug_errno(errno, "Sending to \"%s\" failed: %m", socket_path);

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int64_t left = deadline - (int64_t) now_monotonic_ms();
                int k;

                if (left <= 0)
                        return log_debug_errno(ETIMEDOUT, "No answer from \"%s\" within %d ms.", socket_path,
                                               timeout_ms);
                k = poll(&p, 1, (int) left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k > 0)
                        break;
        }
        n = recv(fd, answer, NOTIFY_MAX_ANSWER, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
                return log_debug_errno(errno, "Receiving from \"%s\" failed: %m", socket_path);
        if (n == 0)
                return log_debug_errno(EBADMSG, "\"%s\" closed without answering.", socket_path);
        if (n > NOTIFY_MAX_ANSWER)
                return log_debug_errno(EBADMSG, "Over-long answer from \"%s\".", socket_path);
        answer[n] = '\0';
        if (streq(answer, "ok"))
                return 0;
        if (strncmp(answer, "error", 5) == 0 && (answer[5] == '\0' || answer[5] == ' ')) {
                /* The text is fsd's own; keep it printable in our log. */
                for (char *c = answer; *c; c++)
                        if ((unsigned char) *c < 0x20 || *c == 0x7f)
                                *c = '?';
                return log_debug_errno(EIO, "deviceid-fsd could not reload: %s", answer);
        }
        return log_debug_errno(EBADMSG, "Unexpected answer from \"%s\".", socket_path);
}
