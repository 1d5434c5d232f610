/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM context: the TCTI it is opened on and ESAPI, reference counted;
 * re-opened in place after a failure that breaks it (references held by
 * signers stay valid); what the last failed call was.
 */
#include <stdio.h>
#include <tss2/tss2_rc.h>

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

/* Opens the TCTI and ESAPI of t->tcti_conf into t. */
static int open_contexts(tpm_ctx *t) {
        const char *conf = t->tcti_conf;
        int r;

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
                Tss2_TctiLdr_Finalize(&t->tcti);
                t->tcti = NULL;
                return r;
        }
        return 0;
}

static void close_contexts(tpm_ctx *t) {
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti)
                Tss2_TctiLdr_Finalize(&t->tcti);
        t->esys = NULL;
        t->tcti = NULL;
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
        r = open_contexts(t);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

int tpm_reopen(tpm_ctx *t) {
        int r;

        close_contexts(t);
        r = open_contexts(t);
        if (r < 0) {
                /* last_error keeps the failure that broke it. */
                t->broken = true;
                return r;
        }
        t->broken = false;
        return 0;
}

int tpm_call(tpm_ctx *t, TSS2_RC rc, const char *call) {
        int r = tpm_rc(rc, call);

        /* In a broken context every call fails the same way: the call
         * that broke it is the cause worth telling. */
        if (r < 0 && !t->broken) {
                (void) snprintf(t->last_error, sizeof(t->last_error), "%s: 0x%x %s", call, (unsigned) rc,
                                Tss2_RC_Decode(rc));
                if (tpm_rc_breaks_context(rc))
                        t->broken = true;
        }
        return r;
}

bool tpm_broken(const tpm_ctx *t) {
        return t->broken || !t->esys;
}

const char *tpm_last_error(const tpm_ctx *t) {
        return t->last_error[0] ? t->last_error : NULL;
}

bool tpm_is_raw(const tpm_ctx *t) {
        const char *conf = t->tcti_conf, *path;

        /* The simulators: a socket straight into the TPM. */
        if (startswith(conf, "swtpm:") || startswith(conf, "mssim:"))
                return true;
        /* A TPM character device other than the kernel's resource
         * manager (/dev/tpmrmN). "device" alone or "device:" picks a
         * default node: not known, so not raw. */
        path = startswith(conf, "device:");
        return path && *path && !strstr(path, "tpmrm");
}

tpm_ctx *tpm_ref(tpm_ctx *t) {
        if (t)
                t->n_ref++;
        return t;
}

tpm_ctx *tpm_unref(tpm_ctx *t) {
        if (!t || --t->n_ref > 0)
                return NULL;
        close_contexts(t);
        free(t->tcti_conf);
        free(t);
        return NULL;
}

const char *tpm_tcti(const tpm_ctx *t) {
        return t->tcti_conf;
}
