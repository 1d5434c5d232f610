/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Telling certificate names apart by their shape (san-name.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "macro.h"
#include "san-name.h"

bool ca_printable_ascii(const char *s) {
        for (; *s; s++)
                if (*s < 0x21 || *s > 0x7e)
                        return false;
        return true;
}

static bool dns_name_valid(const char *s) {
        size_t len = strlen(s), label = 0;

        if (len == 0 || len > CA_SAN_NAME_MAX)
                return false;
        if (strncmp(s, "*.", 2) == 0)
                s += 2;
        if (!*s || *s == '.')
                return false;
        for (; *s; s++) {
                if (*s == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_')
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0;
}

int ca_san_classify(const char *name, x509_san_type *ret) {
        unsigned char addr[16];
        const char *colon;

        if (!name || !*name || strlen(name) > CA_SAN_NAME_MAX || !ca_printable_ascii(name))
                return -EINVAL;
        if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1) {
                *ret = X509_SAN_IP;
                return 0;
        }
        colon = strchr(name, ':');
        if (strchr(name, '@') && !colon) {
                const char *at = strchr(name, '@');
                if (at == name || !at[1] || strchr(at + 1, '@'))
                        return -EINVAL;
                *ret = X509_SAN_EMAIL;
                return 0;
        }
        if (colon) {
                if (colon == name || !isalpha((unsigned char) name[0]) || !colon[1])
                        return -EINVAL;
                for (const char *p = name; p < colon; p++)
                        if (!isalnum((unsigned char) *p) && *p != '+' && *p != '-' && *p != '.')
                                return -EINVAL;
                *ret = X509_SAN_URI;
                return 0;
        }
        if (!dns_name_valid(name))
                return -EINVAL;
        *ret = X509_SAN_DNS;
        return 0;
}
