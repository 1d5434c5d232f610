/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of keyring_notify_readers(), the client side of the fsd
 * control socket, against small forked servers on a real SOCK_SEQPACKET
 * socket: "ok", "error <text>", garbage, silence, a socket nobody listens
 * on, and a missing socket.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "keyring/writer.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/test-keyring-notify-XXXXXX";

static int bind_socket(const char *path, bool do_listen) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || (do_listen && listen(fd, 4) < 0)) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Forks a server that accepts one client, checks it sent "reload", and
 * answers `answer` (NULL: never answers). Exit status 0 if the request was
 * right. */
static pid_t serve_once(int lfd, const char *answer) {
        pid_t pid = fork();

        if (pid != 0)
                return pid;
        {
                char buf[64];
                ssize_t n;
                int c = accept(lfd, NULL, NULL);

                if (c < 0)
                        _exit(2);
                n = recv(c, buf, sizeof(buf), 0);
                if (n != 6 || memcmp(buf, "reload", 6) != 0)
                        _exit(3);
                if (!answer)
                        pause();
                else if (send(c, answer, strlen(answer), 0) < 0)
                        _exit(4);
                close(c);
                _exit(0);
        }
}

static int reap(pid_t pid, bool kill_it) {
        int status = 0;

        if (kill_it)
                kill(pid, SIGKILL);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void) {
        char path[sizeof(dir) + 16], missing[sizeof(dir) + 16];
        int lfd, fd;
        pid_t pid;

        if (!mkdtemp(dir)) {
                printf("Bail out! mkdtemp failed\n");
                return 1;
        }
        snprintf(path, sizeof(path), "%s/control.sock", dir);
        snprintf(missing, sizeof(missing), "%s/missing.sock", dir);

        lfd = bind_socket(path, true);
        ok(lfd >= 0, "control socket bound");

        pid = serve_once(lfd, "ok");
        is_ok(keyring_notify_readers(path, 5000), "\"ok\" answer is success");
        is_int(reap(pid, false), 0, "server got exactly \"reload\"");

        pid = serve_once(lfd, "error keyring unreadable");
        is_err(keyring_notify_readers(path, 5000), -EIO, "\"error ...\" answer is -EIO");
        is_int(reap(pid, false), 0, "server got the request");

        pid = serve_once(lfd, "error");
        is_err(keyring_notify_readers(path, 5000), -EIO, "bare \"error\" is -EIO");
        reap(pid, false);

        pid = serve_once(lfd, "okay");
        is_err(keyring_notify_readers(path, 5000), -EBADMSG, "other answer is -EBADMSG");
        reap(pid, false);

        pid = serve_once(lfd, "errors happen");
        is_err(keyring_notify_readers(path, 5000), -EBADMSG, "\"errors\" is not an error answer");
        reap(pid, false);

        pid = serve_once(lfd, "");
        is_err(keyring_notify_readers(path, 5000), -EBADMSG, "empty answer is -EBADMSG");
        reap(pid, false);

        pid = serve_once(lfd, NULL);
        is_err(keyring_notify_readers(path, 200), -ETIMEDOUT, "no answer is -ETIMEDOUT");
        reap(pid, true);

        setenv(KEYRING_FSD_SOCKET_ENV, path, 1);
        pid = serve_once(lfd, "ok");
        is_ok(keyring_notify_readers(NULL, 5000), "socket taken from $DEVICEID_FSD_SOCKET");
        is_int(reap(pid, false), 0, "server behind the env path got the request");
        unsetenv(KEYRING_FSD_SOCKET_ENV);
        close(lfd);

        is_err(keyring_notify_readers(missing, 1000), -ENOENT, "missing socket is -ENOENT");
        fd = bind_socket(path, false);
        ok(fd >= 0, "socket bound but not listening");
        is_err(keyring_notify_readers(path, 1000), -ECONNREFUSED, "nobody listening is -ECONNREFUSED");
        close(fd);
        is_err(keyring_notify_readers(path, 0), -EINVAL, "timeout 0 refused");

        (void) unlink(path);
        (void) rmdir(dir);
        return tap_done();
}
