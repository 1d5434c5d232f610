/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture policies of ca.conf (docs/posture.md): one [posture "NAME"]
 * section per x5c provisioner or account NAME that wants a posture report
 * with each /1.0/sign request. Read once when the server starts, from the
 * sections ca/core/config.c kept; the PCR file parser is pure and fuzzed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/core/config.h"
#include "tpm2quote.h"

#define POSTURE_PCR_FILE_MAX (64 * 1024)
#define POSTURE_PCR_FILE_VALUES 8 /* allowed values per PCR */

typedef enum posture_pcr_mode {
        POSTURE_PCRS_NONE,     /* the quote must verify; its values are not compared */
        POSTURE_PCRS_ENROLLED, /* equal to the device's baseline (its first report, or accepted) */
        POSTURE_PCRS_FILE,     /* each one of the values the file allows for it */
} posture_pcr_mode;

/* The allowed values of pcr_file: for each PCR of the selection, 1 to
 * POSTURE_PCR_FILE_VALUES values. */
typedef struct posture_pcr_allowed {
        unsigned n[TPM2_QUOTE_MAX_PCRS];
        uint8_t v[TPM2_QUOTE_MAX_PCRS][POSTURE_PCR_FILE_VALUES][TPM2_SHA512_DIGEST_SIZE];
} posture_pcr_allowed;

typedef struct posture_policy {
        char *name;
        posture_pcr_mode pcrs;
        TPM2_ALG_ID bank;  /* sha256 */
        uint32_t mask;     /* pcr_selection; default 0-7 */
        posture_pcr_allowed *allowed; /* POSTURE_PCRS_FILE */
        bool secure_boot;  /* required */
        bool disk_encryption;
        char *min_kernel;  /* NULL: any */
        bool revoke;       /* on_failure = revoke */
} posture_policy;

typedef struct posture_policies {
        posture_policy *v;
        size_t n;
} posture_policies;

/* Reads the [posture] sections of cfg (pcr_file relative to dirfd).
 * 0, or -errno with *ret_error (malloc'ed) naming the section, key and
 * what is wrong. */
int posture_policies_load(int dirfd, const ca_config *cfg, posture_policies **ret, char **ret_error);
void posture_policies_free(posture_policies *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(posture_policies *, posture_policies_free);

/* The policy of provisioner or account name; NULL: none (no report asked). */
const posture_policy *posture_policy_find(const posture_policies *p, const char *name);

/* A pcr_file: lines "N = HEX[,HEX...]" (N a PCR 0-23, HEX the digest of
 * bank), '#' comments and blank lines; at most POSTURE_PCR_FILE_MAX
 * bytes. Every PCR of mask must be listed, no other. -EINVAL with a
 * static reason in *ret_why. Pure. */
int posture_pcr_file_parse(const char *text, size_t len, TPM2_ALG_ID bank, uint32_t mask, posture_pcr_allowed *ret,
                           const char **ret_why);

/* Compares kernel releases ("6.1.0-18-amd64" vs "6.1"): numeric
 * components from the start, up to the first that is not a number;
 * <0, 0, >0. Pure. */
int posture_kernel_compare(const char *a, const char *b);
