/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /1.0/sign bodies and validity periods (sign-req.h). No I/O.
 */
#include <ctype.h>
#include <string.h>

#include "duration.h"
#include "sign-req.h"

void sign_request_done(sign_request *r) {
        if (!r)
                return;
        json_object_put(r->json);
        *r = (sign_request) {};
}

static int digits(const char *s, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return 0;
}

/* RFC 3339 date-time: YYYY-MM-DD"T"HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static int rfc3339_parse(const char *s, time_t *ret) {
        struct tm tm = {};
        int year, mon, day, h, m, sec, oh = 0, om = 0, sign = 0;
        size_t len = strlen(s);
        const char *p;
        time_t t;

        if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
            s[16] != ':')
                return -EINVAL;
        if (digits(s, 4, &year) < 0 || digits(s + 5, 2, &mon) < 0 || digits(s + 8, 2, &day) < 0 ||
            digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &m) < 0 || digits(s + 17, 2, &sec) < 0)
                return -EINVAL;
        if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60)
                return -EINVAL;
        p = s + 19;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                while (isdigit((unsigned char) *p))
                        p++;
        }
        if (*p == 'Z' || *p == 'z') {
                if (p[1])
                        return -EINVAL;
        } else if (*p == '+' || *p == '-') {
                sign = *p == '+' ? 1 : -1;
                if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) < 0 || digits(p + 4, 2, &om) < 0 ||
                    oh > 23 || om > 59)
                        return -EINVAL;
        } else
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = h;
        tm.tm_min = m;
        tm.tm_sec = sec > 59 ? 59 : sec;
        t = timegm(&tm);
        if (t == (time_t) -1 || tm.tm_mday != day) /* normalised: Feb 30 and friends */
                return -EINVAL;
        *ret = t - sign * (oh * 3600 + om * 60);
        return 0;
}

int sign_time_parse(const char *s, sign_time *ret) {
        sign_time t = { .set = true };

        if (!s || !*s || strlen(s) > SIGN_TIME_MAX)
                return -EINVAL;
        if (isdigit((unsigned char) s[0]) && strlen(s) >= 20 && s[4] == '-') {
                if (rfc3339_parse(s, &t.at) < 0)
                        return -EINVAL;
        } else {
                if (duration_parse(s, 100ULL * 365 * 86400, &t.duration) < 0 || t.duration == 0)
                        return -EINVAL;
                t.relative = true;
        }
        *ret = t;
        return 0;
}

static int get_time(json_object *o, const char *key, sign_time *ret) {
        const char *s = NULL;
        int r;

        r = json_get_string_opt(o, key, &s);
        if (r < 0)
                return -EBADMSG;
        if (r == 0 || !*s) { /* step's client sends "" for "not given" */
                *ret = (sign_time) {};
                return 0;
        }
        return sign_time_parse(s, ret) < 0 ? -EBADMSG : 0;
}

#define REFUSE(why)                  \
        do {                         \
                if (ret_why)         \
                        *ret_why = (why); \
                return -EBADMSG;     \
        } while (0)

int sign_request_parse(const char *body, size_t len, sign_request *ret, const char **ret_why) {
        _cleanup_(sign_request_done) sign_request req = {};
        int r;

        if (!body || !ret)
                return -EINVAL;
        r = json_parse_object(body, len, SIGN_BODY_MAX, &req.json);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("the body is not a JSON object");
        if (json_get_string(req.json, "csr", &req.csr_pem) < 0)
                REFUSE("\"csr\" (a PEM certificate request) is missing or not a string");
        req.csr_pem_len = strlen(req.csr_pem);
        if (req.csr_pem_len == 0 || req.csr_pem_len > SIGN_CSR_PEM_MAX)
                REFUSE("\"csr\" is empty or longer than 16 KiB");
        if (json_get_string(req.json, "ott", &req.ott) < 0)
                REFUSE("\"ott\" (the one-time token) is missing or not a string");
        req.ott_len = strlen(req.ott);
        if (req.ott_len == 0 || req.ott_len > SIGN_OTT_MAX)
                REFUSE("\"ott\" is empty or longer than 16 KiB");
        if (json_object_object_get_ex(req.json, POSTURE_EVENTLOG_MEMBER, NULL)) {
                const char *log = NULL;

                if (json_get_string(req.json, POSTURE_EVENTLOG_MEMBER, &log) < 0 ||
                    strlen(log) > POSTURE_EVENTLOG_B64_MAX)
                        REFUSE("\"eventlog\" is not a string of at most 256 KiB in base64");
                req.has_eventlog = true;
        }
        if (get_time(req.json, "notBefore", &req.not_before) < 0)
                REFUSE("\"notBefore\" is neither an RFC 3339 time nor a duration");
        if (get_time(req.json, "notAfter", &req.not_after) < 0)
                REFUSE("\"notAfter\" is neither an RFC 3339 time nor a duration");
        *ret = req;
        req = (sign_request) {};
        return 0;
}

#undef REFUSE
#define REFUSE(err, why)             \
        do {                         \
                if (ret_why)         \
                        *ret_why = (why); \
                return (err);        \
        } while (0)

int sign_validity(const sign_time *not_before, const sign_time *not_after, time_t now, uint64_t def_lifetime,
                  uint64_t max_lifetime, time_t limit, time_t *ret_not_before, time_t *ret_not_after,
                  const char **ret_why) {
        int64_t nb, na;

        if (!not_before || !not_after || !ret_not_before || !ret_not_after)
                return -EINVAL;
        if (!not_before->set)
                nb = (int64_t) now - SIGN_BACKDATE;
        else if (not_before->relative)
                nb = (int64_t) now + (int64_t) not_before->duration;
        else
                nb = (int64_t) not_before->at;
        if (nb < (int64_t) now - SIGN_BACKDATE)
                REFUSE(-EINVAL, "\"notBefore\" lies in the past");

        if (not_after->set) {
                na = not_after->relative ? nb + (int64_t) not_after->duration : (int64_t) not_after->at;
                if (na > (int64_t) limit)
                        REFUSE(-EINVAL, "\"notAfter\" is past the device certificate's notAfter");
        } else {
                na = nb + (int64_t) def_lifetime;
                if (na > (int64_t) limit)
                        na = (int64_t) limit;
        }
        if (na - nb < SIGN_MIN_LIFETIME) {
                if (!not_after->set && na == (int64_t) limit)
                        REFUSE(-ERANGE, "the device certificate expires in less than 5 minutes");
                REFUSE(-EINVAL, "the requested lifetime is shorter than 5 minutes");
        }
        /* Measured from now when notBefore is the implicit backdated one,
         * so that an explicit notAfter of now + max is accepted. */
        if ((uint64_t) (na - (nb > (int64_t) now ? nb : (int64_t) now)) > max_lifetime)
                REFUSE(-EINVAL, "the requested lifetime is longer than the Account CA's maximum");
        *ret_not_before = (time_t) nb;
        *ret_not_after = (time_t) na;
        return 0;
}
