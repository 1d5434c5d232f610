/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measuring half of the deviceid-fsd benchmark (bench/fsd_bench.py
 * sets up the keyring, the mount and tmpfs, and runs this): THREADS
 * threads each open + read + close FILE in a loop for SECONDS, and the
 * total rate is printed as one JSON object. With VALID files given, every
 * read must equal one of them whole (a renewal storm check): reads that
 * match none are counted as "bad".
 *
 *   fsd-bench FILE THREADS SECONDS [VALID...]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE (64 * 1024)
#define MAX_VALID 64

static const char *path;
static atomic_bool stop;
static char *valid[MAX_VALID];
static size_t valid_len[MAX_VALID], n_valid;

typedef struct worker {
        pthread_t t;
        uint64_t reads, bad, errors;
} worker;

static bool is_valid(const char *buf, size_t len) {
        for (size_t i = 0; i < n_valid; i++)
                if (valid_len[i] == len && memcmp(valid[i], buf, len) == 0)
                        return true;
        return false;
}

static void *run(void *arg) {
        worker *w = arg;
        char *buf = malloc(MAX_FILE);

        if (!buf)
                return NULL;
        while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                size_t len = 0;
                ssize_t n;

                if (fd < 0) {
                        w->errors++;
                        continue;
                }
                while (len < MAX_FILE && (n = read(fd, buf + len, MAX_FILE - len)) > 0)
                        len += (size_t) n;
                close(fd);
                w->reads++;
                if (n_valid && !is_valid(buf, len))
                        w->bad++;
        }
        free(buf);
        return NULL;
}

static char *slurp(const char *p, size_t *ret_len) {
        char *buf = malloc(MAX_FILE);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        size_t len = 0;
        ssize_t n;

        if (!buf || fd < 0) {
                free(buf);
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        while (len < MAX_FILE && (n = read(fd, buf + len, MAX_FILE - len)) > 0)
                len += (size_t) n;
        close(fd);
        *ret_len = len;
        return buf;
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        uint64_t reads = 0, bad = 0, errors = 0;
        worker *w;
        double t0, t1, seconds;
        int threads;

        if (argc < 4) {
                fprintf(stderr, "Usage: fsd-bench FILE THREADS SECONDS [VALID...]\n");
                return 2;
        }
        path = argv[1];
        threads = atoi(argv[2]);
        seconds = atof(argv[3]);
        if (threads < 1 || threads > 1024 || seconds <= 0)
                return 2;
        for (int i = 4; i < argc && n_valid < MAX_VALID; i++) {
                valid[n_valid] = slurp(argv[i], &valid_len[n_valid]);
                if (!valid[n_valid]) {
                        fprintf(stderr, "Cannot read \"%s\".\n", argv[i]);
                        return 1;
                }
                n_valid++;
        }
        w = calloc((size_t) threads, sizeof(*w));
        if (!w)
                return 1;
        t0 = now();
        for (int i = 0; i < threads; i++)
                if (pthread_create(&w[i].t, NULL, run, &w[i]) != 0)
                        return 1;
        usleep((useconds_t) (seconds * 1e6));
        atomic_store(&stop, true);
        for (int i = 0; i < threads; i++) {
                pthread_join(w[i].t, NULL);
                reads += w[i].reads;
                bad += w[i].bad;
                errors += w[i].errors;
        }
        t1 = now();
        printf("{\"file\":\"%s\",\"threads\":%d,\"seconds\":%.3f,\"reads\":%llu,\"reads_per_sec\":%.0f,"
               "\"bad\":%llu,\"errors\":%llu}\n",
               path, threads, t1 - t0, (unsigned long long) reads, (double) reads / (t1 - t0),
               (unsigned long long) bad, (unsigned long long) errors);
        for (size_t i = 0; i < n_valid; i++)
                free(valid[i]);
        free(w);
        return 0;
}
