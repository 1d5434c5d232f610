/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS response parsing for dns-01 (see challenge-dns-txt.h). Written by
 * hand rather than with ns_parserr so that the one parser of untrusted
 * DNS bytes is small, bounded and fuzzed.
 */
#include "challenge-dns-txt.h"
#include "macro.h"

#define DNS_HEADER_LEN 12
#define DNS_TYPE_TXT 16
#define DNS_CLASS_IN 1

void dns_txt_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static uint16_t u16(const uint8_t *p) {
        return (uint16_t) ((p[0] << 8) | p[1]);
}

/* Skips a (possibly compressed) name starting at *off. */
static int skip_name(const uint8_t *msg, size_t len, size_t *off) {
        size_t o = *off;

        for (unsigned labels = 0; labels < 128; labels++) {
                uint8_t b;

                if (o >= len)
                        return -EBADMSG;
                b = msg[o];
                if (b == 0) {
                        *off = o + 1;
                        return 0;
                }
                if ((b & 0xc0) == 0xc0) {
                        if (o + 2 > len)
                                return -EBADMSG;
                        *off = o + 2;
                        return 0;
                }
                if (b & 0xc0)
                        return -EBADMSG;
                o += 1 + (size_t) b;
        }
        return -EBADMSG;
}

int dns_txt_parse(const uint8_t *msg, size_t len, char ***ret) {
        char **v = NULL;
        size_t n = 0, off = DNS_HEADER_LEN;
        unsigned qd, an;
        int r = 0;

        if (!msg || len < DNS_HEADER_LEN || len > 65535)
                return -EBADMSG;
        qd = u16(msg + 4);
        an = u16(msg + 6);
        v = calloc(1, sizeof(char *));
        if (!v)
                return -ENOMEM;

        for (unsigned i = 0; i < qd; i++) {
                r = skip_name(msg, len, &off);
                if (r < 0 || off + 4 > len) {
                        r = -EBADMSG;
                        goto fail;
                }
                off += 4;
        }
        for (unsigned i = 0; i < an; i++) {
                uint16_t type, class, rdlen;
                size_t end;

                r = skip_name(msg, len, &off);
                if (r < 0 || off + 10 > len) {
                        r = -EBADMSG;
                        goto fail;
                }
                type = u16(msg + off);
                class = u16(msg + off + 2);
                rdlen = u16(msg + off + 8);
                off += 10;
                if (off + rdlen > len) {
                        r = -EBADMSG;
                        goto fail;
                }
                end = off + rdlen;
                if (type == DNS_TYPE_TXT && class == DNS_CLASS_IN) {
                        char *s, **nv;
                        size_t sl = 0;

                        if (n >= DNS_TXT_MAX_RECORDS || rdlen > DNS_TXT_MAX_LEN) {
                                r = -EBADMSG;
                                goto fail;
                        }
                        s = malloc((size_t) rdlen + 1);
                        if (!s) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        for (size_t o = off; o < end;) {
                                size_t cl = msg[o];

                                if (o + 1 + cl > end) {
                                        free(s);
                                        r = -EBADMSG;
                                        goto fail;
                                }
                                memcpy(s + sl, msg + o + 1, cl);
                                sl += cl;
                                o += 1 + cl;
                        }
                        s[sl] = '\0';
                        if (strlen(s) != sl) { /* embedded NUL: cannot be a key authorization digest */
                                free(s);
                                off = end;
                                continue;
                        }
                        nv = realloc(v, (n + 2) * sizeof(char *));
                        if (!nv) {
                                free(s);
                                r = -ENOMEM;
                                goto fail;
                        }
                        v = nv;
                        v[n++] = s;
                        v[n] = NULL;
                }
                off = end;
        }
        *ret = v;
        return 0;
fail:
        dns_txt_free(v);
        return r;
}
