# SPDX-License-Identifier: Apache-2.0
# ca/: rules for this folder (see the top-level Makefile.am).
# deviceid-ca, the CA service. ca/acme.mk (owned by the ACME part) sets
# CA_ACME_SOURCES, which is linked into the same binary and provides
# acme_routes_register() (ca/acme-hook.h).

CA_ACME_SOURCES =
include ca/acme.mk
