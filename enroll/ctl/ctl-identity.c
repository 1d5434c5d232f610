/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl identity: what an administrator needs to register this
 * device in the CA's inventory: the EK URI, the EK public key, whether the
 * TPM holds an EK certificate, and the TPM info. Talks to the TPM directly
 * (no daemon), so it works before the agent is ever started.
 */
#include <getopt.h>

#include "crypto.h"
#include "enroll/ctl/ctl.h"
#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-info.h"
#include "json.h"
#include "log.h"

static void identity_help(FILE *f) {
        fprintf(f,
                "Usage: deviceidctl identity [--tcti TCTI] [--ek-type TYPE] [--json]\n\n"
                "  --tcti TCTI     TPM to use (tctildr syntax; default $DEVICEID_TCTI or %s)\n"
                "  --ek-type TYPE  rsa2048, ecc256 or ecc384 instead of the default EK choice\n"
                "  --json          machine-readable output\n",
                TPM_DEFAULT_TCTI);
}

static int identity_json(const tpm_ek *ek, const char *uri, const char *pem, const tpm_info *info) {
        _cleanup_json_ json_object *o = NULL, *ti = NULL;
        _cleanup_free_ char *s = NULL;
        char handle[16];
        int r;

        o = json_object_new_object();
        ti = json_object_new_object();
        if (!o || !ti)
                return log_oom();
        r = json_add_int64(ti, "version", 2);
        if (r >= 0)
                r = json_add_string(ti, "manufacturer", info->manufacturer_dec);
        if (r >= 0)
                r = json_add_string(ti, "manufacturerId", info->manufacturer_id);
        if (r >= 0)
                r = json_add_string(ti, "model", info->model);
        if (r >= 0)
                r = json_add_string(ti, "firmwareVersion", info->firmware);
        if (r >= 0)
                r = json_add_string(o, "ekUri", uri);
        if (r >= 0)
                r = json_add_string(o, "ekType", tpm_ek_type_to_string(ek->type));
        if (r >= 0 && ek->handle != 0) {
                snprintf(handle, sizeof(handle), "0x%08x", (unsigned) ek->handle);
                r = json_add_string(o, "ekHandle", handle);
        }
        if (r >= 0)
                r = json_add_string(o, "ekPublicKey", pem);
        if (r >= 0)
                r = json_add_bool(o, "ekCertificatePresent", ek->cert != NULL);
        if (r >= 0 && ek->cert)
                r = json_add_b64(o, "ekCertificate", B64_STD, ek->cert, ek->cert_len);
        if (r >= 0) {
                r = json_add_object(o, "tpmInfo", TAKE_PTR(ti));
        }
        if (r >= 0)
                r = json_to_string_dup(o, &s);
        if (r < 0)
                return log_oom();
        printf("%s\n", s);
        return 0;
}

static void identity_text(const tpm_ek *ek, const char *uri, const char *pem, const tpm_info *info) {
        printf("EK URI:          %s\n", uri);
        if (ek->handle != 0)
                printf("EK:              %s, persistent handle 0x%08x\n",
                       tpm_ek_type_to_string(ek->type), (unsigned) ek->handle);
        else
                printf("EK:              %s, recreated from the TCG template\n",
                       tpm_ek_type_to_string(ek->type));
        printf("EK certificate:  %s\n", ek->cert ? "present" : "absent");
        printf("TPM:             %s \"%s\" (manufacturer %s), firmware %s\n", info->manufacturer_id,
               info->model, info->manufacturer_dec, info->firmware);
        printf("EK public key:\n%s", pem);
}

int verb_identity(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "tcti", required_argument, NULL, 'T' },
                { "ek-type", required_argument, NULL, 'e' },
                { "json", no_argument, NULL, 'j' },
                {}
        };
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        _cleanup_free_ char *uri = NULL, *pem = NULL;
        const char *tcti = NULL;
        int ek_type = -1, c, r;
        bool json = false;
        tpm_info info;

        while ((c = getopt_long(argc, argv, "hT:e:j", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        identity_help(stdout);
                        return 0;
                case 'T':
                        tcti = optarg;
                        break;
                case 'e':
                        ek_type = tpm_ek_type_from_string(optarg);
                        if (ek_type < 0)
                                return log_error_errno(ek_type, "Unknown EK type \"%s\".", optarg);
                        break;
                case 'j':
                        json = true;
                        break;
                default:
                        identity_help(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                identity_help(stderr);
                return log_error_errno(EINVAL, "Unexpected argument \"%s\".", argv[optind]);
        }

        r = tpm_open(tcti, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to open the TPM via \"%s\": %m",
                                       tpm_tcti_resolve(tcti));
        r = tpm_get_info(t, &info);
        if (r < 0)
                return log_error_errno(r, "Failed to read TPM properties via \"%s\": %m",
                                       tpm_tcti(t));
        if (ek_type >= 0)
                r = tpm_ek_read(t, ek_type, &ek);
        else
                r = tpm_ek_default(t, &ek);
        if (r < 0)
                return log_error_errno(r, "Failed to read the endorsement key via \"%s\": %m",
                                       tpm_tcti(t));
        r = tpm_ek_uri(ek, &uri);
        if (r < 0)
                return log_error_errno(r, "Failed to compute the EK URI: %m");
        r = crypto_pubkey_to_pem(ek->pkey, &pem);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the EK public key: %m");

        if (json)
                return identity_json(ek, uri, pem, &info);
        identity_text(ek, uri, pem, &info);
        return 0;
}
