/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The URLs of the agent's CA clients (url.h). Pure.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enroll/client/url.h"
#include "macro.h"

int client_url(const char *base_url, const char *path, char **ret) {
        size_t n;

        if (!base_url || !path || !ret)
                return -EINVAL;
        if (strncasecmp(base_url, "https://", 8) != 0 && strncasecmp(base_url, "http://", 7) != 0)
                return -EINVAL;
        for (const char *p = base_url; *p; p++)
                if ((unsigned char) *p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#')
                        return -EINVAL;
        n = strlen(base_url);
        while (n > 0 && base_url[n - 1] == '/')
                n--;
        path += strspn(path, "/");
        if (asprintf(ret, "%.*s/%s", (int) n, base_url, path) < 0)
                return -ENOMEM;
        return 0;
}
