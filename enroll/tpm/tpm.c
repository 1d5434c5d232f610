/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM context: the TCTI it is opened on and ESAPI, reference counted.
 */
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-rc.h"
#include "log.h"

static const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

const char *tpm_tcti_resolve(const char *tcti) {
        if (!tcti || !*tcti)
                tcti = getenv("DEVICEID_TCTI");
        if (!tcti || !*tcti)
                tcti = TPM_DEFAULT_TCTI;
        return tcti;
}

int tpm_open(const char *tcti, tpm_ctx **ret) {
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        const char *conf = tpm_tcti_resolve(tcti);
        int r;

        if (!ret)
                return -EINVAL;

        /* The TSS logs its own errors to stderr, also for the expected
         * ones (an absent persistent handle). We decode and log every
         * return code ourselves; keep its log for debugging only. */
        if (log_get_max_level() < LOG_DEBUG)
                (void) setenv("TSS2_LOG", "all+none", 0);

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->n_ref = 1;
        t->tcti_conf = strdup(conf);
        if (!t->tcti_conf)
                return -ENOMEM;

        r = tpm_rc(Tss2_TctiLdr_Initialize(conf, &t->tcti), "Tss2_TctiLdr_Initialize");
        if (r < 0) {
                const char *path = startswith(conf, "device:");

                t->tcti = NULL;
                /* The loader reports every failure to open as an I/O
                 * error. For a device node, say why (absent, no
                 * permission); for a socket or daemon, "not reachable". */
                if (path && access(path, R_OK | W_OK) < 0)
                        return negative_errno();
                return r == -EIO || r == -ENOENT ? -ECONNREFUSED : r;
        }
        r = tpm_rc(Esys_Initialize(&t->esys, t->tcti, NULL), "Esys_Initialize");
        if (r < 0) {
                t->esys = NULL;
                return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

tpm_ctx *tpm_ref(tpm_ctx *t) {
        if (t)
                t->n_ref++;
        return t;
}

tpm_ctx *tpm_unref(tpm_ctx *t) {
        if (!t || --t->n_ref > 0)
                return NULL;
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti)
                Tss2_TctiLdr_Finalize(&t->tcti);
        free(t->tcti_conf);
        free(t);
        return NULL;
}

const char *tpm_tcti(const tpm_ctx *t) {
        return t->tcti_conf;
}
