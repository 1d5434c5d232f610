/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay of a TCG crypto-agile event log (tpm2quote.h). tpm2-tss has no
 * public unmarshaller for these records (they are little-endian firmware
 * structures, not TPM ones), so this reads them with bounds checks of its
 * own: TCG PC Client Platform Firmware Profile 1.05, sections 10.2.1
 * (TCG_PCClientPCREvent), 10.2.2 (TCG_PCR_EVENT2), 10.4.5.1
 * (TCG_EfiSpecIDEvent) and 10.4.5.3 (StartupLocality).
 */
#include <string.h>
#include <openssl/evp.h>

#include "log.h"
#include "tpm2quote.h"
#include "tpm2util.h"

#define EV_NO_ACTION 0x3u
#define SPEC_ID_SIGNATURE "Spec ID Event03"
#define STARTUP_LOCALITY "StartupLocality"

typedef struct reader {
        const uint8_t *p, *end;
} reader;

static bool take(reader *r, size_t n, const uint8_t **ret) {
        if ((size_t) (r->end - r->p) < n)
                return false;
        if (ret)
                *ret = r->p;
        r->p += n;
        return true;
}

static bool u32le(reader *r, uint32_t *ret) {
        const uint8_t *b;

        if (!take(r, 4, &b))
                return false;
        *ret = (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
        return true;
}

static bool u16le(reader *r, uint16_t *ret) {
        const uint8_t *b;

        if (!take(r, 2, &b))
                return false;
        *ret = (uint16_t) (b[0] | b[1] << 8);
        return true;
}

static int bad(const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return log_debug_errno(EBADMSG, "Event log refused: %s", why);
}

typedef struct spec {
        uint16_t alg[TPM2_EVENTLOG_MAX_ALGS];
        uint16_t size[TPM2_EVENTLOG_MAX_ALGS];
        uint32_t n;
} spec;

/* The header event: SHA-1 format, EV_NO_ACTION, the Spec ID structure. */
static int read_header(reader *r, spec *s, const char **ret_why) {
        const uint8_t *ev, *sig;
        uint32_t pcr, type, size;
        reader e;

        if (!u32le(r, &pcr) || !u32le(r, &type) || !take(r, 20, NULL) || !u32le(r, &size))
                return bad(ret_why, "the header event is truncated");
        if (pcr != 0 || type != EV_NO_ACTION)
                return bad(ret_why, "the first event is not the Spec ID event");
        if (size > TPM2_EVENTLOG_MAX_EVENT_DATA || !take(r, size, &ev))
                return bad(ret_why, "the Spec ID event is truncated or too large");
        e = (reader) { ev, ev + size };
        if (!take(&e, 16, &sig) || memcmp(sig, SPEC_ID_SIGNATURE, sizeof(SPEC_ID_SIGNATURE)) != 0)
                return bad(ret_why, "not a crypto-agile log (no \"Spec ID Event03\")");
        if (!take(&e, 8, NULL) || !u32le(&e, &s->n))
                return bad(ret_why, "the Spec ID event is truncated");
        if (s->n == 0 || s->n > TPM2_EVENTLOG_MAX_ALGS)
                return bad(ret_why, "the Spec ID event lists no or too many algorithms");
        for (uint32_t i = 0; i < s->n; i++) {
                if (!u16le(&e, &s->alg[i]) || !u16le(&e, &s->size[i]))
                        return bad(ret_why, "the Spec ID event is truncated");
                if (s->size[i] == 0 || s->size[i] > TPM2_SHA512_DIGEST_SIZE)
                        return bad(ret_why, "the Spec ID event gives a bad digest size");
                if (tpm2_hash_alg_size(s->alg[i]) != 0 && tpm2_hash_alg_size(s->alg[i]) != s->size[i])
                        return bad(ret_why, "the Spec ID event's digest size disagrees with its algorithm");
        }
        return 0;
}

static int extend(TPM2_ALG_ID alg, uint8_t *pcr, const uint8_t *digest, size_t len) {
        uint8_t buf[2 * TPM2_SHA512_DIGEST_SIZE];
        unsigned n = 0;
        int nid = tpm2_hash_alg_to_nid(alg);

        if (nid < 0)
                return -EOPNOTSUPP;
        memcpy(buf, pcr, len);
        memcpy(buf + len, digest, len);
        if (EVP_Digest(buf, 2 * len, pcr, &n, EVP_get_digestbynid(nid), NULL) != 1 || n != len)
                return -ENOMEM;
        return 0;
}

int tpm2_eventlog_replay(const uint8_t *log, size_t len, TPM2_ALG_ID alg, tpm2_pcr_values *ret,
                         const char **ret_why) {
        size_t dlen = tpm2_hash_alg_size(alg);
        tpm2_pcr_values v = { .alg = alg };
        reader r = { log, log + len };
        bool have_alg = false;
        unsigned events = 0;
        spec s = {};
        int k;

        if (!log || !ret || dlen == 0)
                return -EINVAL;
        if (len > TPM2_EVENTLOG_MAX)
                return bad(ret_why, "the event log is too large");
        k = read_header(&r, &s, ret_why);
        if (k < 0)
                return k;
        for (uint32_t i = 0; i < s.n; i++)
                have_alg = have_alg || s.alg[i] == alg;
        if (!have_alg) {
                if (ret_why)
                        *ret_why = "the event log has no digests of the bank";
                return -EOPNOTSUPP;
        }
        while (r.p < r.end) {
                const uint8_t *digest = NULL, *data;
                uint32_t pcr, type, count, size;

                if (++events > TPM2_EVENTLOG_MAX_EVENTS)
                        return bad(ret_why, "the event log has too many events");
                if (!u32le(&r, &pcr) || !u32le(&r, &type) || !u32le(&r, &count))
                        return bad(ret_why, "an event is truncated");
                if (count == 0 || count > s.n)
                        return bad(ret_why, "an event has no or too many digests");
                for (uint32_t i = 0; i < count; i++) {
                        const uint8_t *d;
                        uint16_t a;
                        uint32_t j;

                        if (!u16le(&r, &a))
                                return bad(ret_why, "an event is truncated");
                        for (j = 0; j < s.n && s.alg[j] != a; j++)
                                ;
                        if (j == s.n)
                                return bad(ret_why, "an event has a digest of an algorithm the header does not list");
                        if (!take(&r, s.size[j], &d))
                                return bad(ret_why, "an event is truncated");
                        if (a == alg)
                                digest = d;
                }
                if (!u32le(&r, &size) || size > TPM2_EVENTLOG_MAX_EVENT_DATA || !take(&r, size, &data))
                        return bad(ret_why, "an event's data is truncated or too large");
                if (pcr >= TPM2_QUOTE_MAX_PCRS)
                        return bad(ret_why, "an event names a PCR above 23");
                if (type == EV_NO_ACTION) {
                        /* Not extended; the startup locality sets PCR 0's
                         * starting value (before any extension of it). */
                        if (pcr == 0 && size == 17 && memcmp(data, STARTUP_LOCALITY, sizeof(STARTUP_LOCALITY)) == 0 &&
                            !(v.mask & 1))
                                v.v[0][dlen - 1] = data[16];
                        continue;
                }
                if (!digest)
                        return bad(ret_why, "an event lacks the bank's digest");
                k = extend(alg, v.v[pcr], digest, dlen);
                if (k < 0)
                        return k;
                v.mask |= UINT32_C(1) << pcr;
        }
        *ret = v;
        if (ret_why)
                *ret_why = NULL;
        return 0;
}
