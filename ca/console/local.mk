# SPDX-License-Identifier: Apache-2.0
# ca/console/: the web console of deviceid-ca (its routes, files and
# sign-in limit), the admin API's certificates, overview and audit
# endpoints, and the admin and audit commands (see ca/console/README.md);
# ca/ui/, the console's HTML, CSS and JavaScript, installed as they are
# into $(uidir).

noinst_LIBRARIES += ca/console/libcaconsole.a
ca_console_libcaconsole_a_SOURCES = \
	ca/console/ratelimit.c ca/console/ratelimit.h \
	ca/console/files.c ca/console/files.h \
	ca/console/cert-search.c ca/console/cert-search.h \
	ca/console/cert-api.c ca/console/cert-api.h \
	ca/console/console-api.c ca/console/console-api.h \
	ca/console/admin-cli.c ca/console/audit-cli.c ca/console/console-cli.h
ca_console_libcaconsole_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_CONSOLE_LIBS = ca/console/libcaconsole.a $(CA_INVENTORY_LIBS)
EXTRA_DIST += ca/console/README.md

uidir = $(pkgdatadir)/ui
dist_ui_DATA = \
	ca/ui/index.html \
	ca/ui/login.html \
	ca/ui/console.css \
	ca/ui/favicon.svg \
	ca/ui/app.js \
	ca/ui/api.js \
	ca/ui/dom.js \
	ca/ui/login.js \
	ca/ui/page-overview.js \
	ca/ui/page-devices.js \
	ca/ui/page-device.js \
	ca/ui/device-posture.js \
	ca/ui/page-certificates.js \
	ca/ui/page-audit.js \
	ca/ui/page-accounts.js

EXTRA_DIST += docs/console.md
