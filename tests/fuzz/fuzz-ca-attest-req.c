/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the Attestation CA request parsers (ca/attest/attest-req.c) on the
 * same bytes: the /attest body, the /secret body, and the X-Request-Id
 * check on a NUL-terminated copy. Checks the contracts too: a success
 * respects every limit, a failure other than -ENOMEM comes with a message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/attest/attest-req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const attest_request *r) {
        if (!r->model || !*r->model || strlen(r->model) > ATTEST_MODEL_MAX)
                abort();
        if (!r->ek.data || r->ek.len == 0 || r->ek.len > ATTEST_EK_MAX)
                abort();
        if (r->n_ek_certs > ATTEST_EK_CERTS_MAX)
                abort();
        for (size_t i = 0; i < r->n_ek_certs; i++)
                if (!r->ek_certs[i].data || r->ek_certs[i].len == 0 || r->ek_certs[i].len > ATTEST_EK_CERT_MAX)
                        abort();
        const attest_bytes *params[] = { &r->public_area, &r->create_data, &r->create_attestation,
                                         &r->create_signature };
        for (size_t i = 0; i < ELEMENTSOF(params); i++)
                if (!params[i]->data || params[i]->len == 0 || params[i]->len > ATTEST_STRUCT_MAX)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(attest_request_done) attest_request req = {};
        _cleanup_free_ char *err = NULL, *err2 = NULL, *text = NULL;
        uint8_t secret[ATTEST_SECRET_LEN];
        char id[ATTEST_REQUEST_ID_LEN + 1];
        int r;

        r = attest_request_parse((const char *) data, size, &req, &err);
        if (r >= 0)
                check_request(&req);
        else if (r != -ENOMEM && !err)
                abort();

        r = attest_secret_parse((const char *) data, size, secret, &err2);
        if (r < 0 && r != -ENOMEM && !err2)
                abort();

        text = strndup((const char *) data, size < 64 ? size : 64);
        if (text && attest_request_id_parse(text, id) == 0 && strlen(id) != ATTEST_REQUEST_ID_LEN)
                abort();
        return 0;
}
