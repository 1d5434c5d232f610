# SPDX-License-Identifier: Apache-2.0
# ca/: deviceid-ca, the CA service. Each folder keeps its own rules and
# builds one library; a library may use only those linked after it:
#   ca/console                   (the web console, the admin API's
#                                 certificates, overview and audit parts)
#   ca/acme, ca/attest, ca/sign  (the services; never each other)
#   ca/inventory                 (the device inventory, below the services)
#   ca/revoke                    (CRLs and OCSP, beside the inventory)
#   ca/auth                      (who calls the admin API: certificate or session)
#   ca/core                      (HTTP server, store, config, issuer, audit log)
# The program itself (main.c, init.c, serve.c) wires them together.

include ca/core/local.mk
include ca/auth/local.mk
include ca/inventory/local.mk
include ca/revoke/local.mk
include ca/attest/local.mk
include ca/posture/local.mk
include ca/sign/local.mk
include ca/acme/local.mk
include ca/console/local.mk

# Kept for the tools under tests/ that issue from a CA directory.
CA_LIBS = $(CA_INVENTORY_LIBS)

bin_PROGRAMS += ca/deviceid-ca
ca_deviceid_ca_SOURCES = \
	ca/main.c ca/cli.h \
	ca/init.c \
	ca/serve.c
ca_deviceid_ca_CPPFLAGS = $(AM_CPPFLAGS) -DCA_UI_DIR='"$(uidir)"'
ca_deviceid_ca_CFLAGS = $(CA_CORE_CFLAGS)
ca_deviceid_ca_LDADD = $(CA_CONSOLE_LIBS) $(CA_ACME_LIBS) $(CA_ATTEST_LIBS) $(CA_SIGN_LIBS) $(CA_REVOKE_LIBS)

dist_man_MANS += docs/deviceid-ca.8
EXTRA_DIST += docs/ca.md docs/ha.md docs/accounts.md docs/resources.md
EXTRA_DIST += docs/revocation.md
EXTRA_DIST += ca/README.md
