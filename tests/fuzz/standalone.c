/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs a fuzz target without libFuzzer, for `make check`: every file of its
 * seed corpus (tests/fuzz/corpus/<target>/), then a fixed number of
 * deterministic mutations of each (bit flips, truncations, extensions), so
 * the sanitizer build exercises the parsers on hostile input every time.
 * With --enable-fuzzing the targets link against libFuzzer instead.
 * Output is TAP, one line per corpus file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUTATIONS_PER_SEED 300
#define MAX_SEED (256 * 1024)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
        /* xorshift64*: deterministic so a failure reproduces. */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1dULL;
}

static void run_mutations(const uint8_t *seed, size_t n) {
        uint8_t *buf = malloc(n + 64);

        if (!buf)
                abort();
        for (unsigned i = 0; i < MUTATIONS_PER_SEED; i++) {
                size_t len = n;

                memcpy(buf, seed, n);
                switch (rng() % 4) {
                case 0: /* flip a few bits */
                        for (unsigned k = 0; k < 1 + rng() % 4 && len > 0; k++)
                                buf[rng() % len] ^= (uint8_t) (1u << (rng() % 8));
                        break;
                case 1: /* truncate */
                        len = len ? rng() % len : 0;
                        break;
                case 2: /* extend with noise */
                        for (unsigned k = 0, e = 1 + rng() % 63; k < e; k++)
                                buf[len++] = (uint8_t) rng();
                        break;
                default: /* overwrite a byte with an interesting value */
                        if (len > 0) {
                                static const uint8_t v[] = { 0x00, 0xff, 0x7f, 0x80, '"', '{', '.', '=' };
                                buf[rng() % len] = v[rng() % sizeof(v)];
                        }
                        break;
                }
                /* Copy to an exact-size allocation so ASan sees overreads. */
                uint8_t *exact = malloc(len ? len : 1);
                if (!exact)
                        abort();
                memcpy(exact, buf, len);
                LLVMFuzzerTestOneInput(exact, len);
                free(exact);
        }
        free(buf);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *dir = NULL;
        const char *srcdir = getenv("top_srcdir");
        char *self = basename(argv[0]);
        struct dirent **names = NULL;
        unsigned count = 0;
        int n;

        if (strncmp(self, "lt-", 3) == 0)
                self += 3;
        if (argc > 1) {
                /* Explicit files: run each once (reproducing a crash). */
                for (int i = 1; i < argc; i++) {
                        _cleanup_free_ char *data = NULL;
                        size_t len;
                        int r = read_file_at(AT_FDCWD, argv[i], MAX_SEED, &data, &len);
                        if (r < 0) {
                                fprintf(stderr, "Failed to read \"%s\": %s\n", argv[i], strerror(-r));
                                return 1;
                        }
                        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
                }
                return 0;
        }

        if (asprintf(&dir, "%s/tests/fuzz/corpus/%s", srcdir ? srcdir : ".", self) < 0)
                return 1;
        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0) {
                printf("not ok 1 - corpus \"%s\" missing\n1..1\n", dir);
                return 1;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t len;

                if (names[i]->d_name[0] == '.') {
                        free(names[i]);
                        continue;
                }
                if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0)
                        return 1;
                if (read_file_at(AT_FDCWD, path, MAX_SEED, &data, &len) < 0) {
                        printf("not ok %u - read %s\n", ++count, names[i]->d_name);
                        free(names[i]);
                        continue;
                }
                /* Exact-size copy, as above. */
                uint8_t *exact = malloc(len ? len : 1);
                if (!exact)
                        return 1;
                memcpy(exact, data, len);
                LLVMFuzzerTestOneInput(exact, len);
                free(exact);
                run_mutations((const uint8_t *) data, len);
                /* Reaching here means no crash and no sanitizer report. */
                printf("ok %u - %s: seed and %d mutations\n", ++count, names[i]->d_name,
                       MUTATIONS_PER_SEED);
                free(names[i]);
        }
        free(names);
        if (count == 0) {
                printf("not ok 1 - corpus \"%s\" is empty\n1..1\n", dir);
                return 1;
        }
        printf("1..%u\n", count);
        return 0;
}
